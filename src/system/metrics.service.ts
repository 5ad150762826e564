import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { RenderQueue } from '../queue/render-queue.service';

/** Prometheus registry of this process: HTTP traffic, process figures, and queue depth read at scrape time. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly requests: Histogram<'method' | 'route' | 'status'>;
  private readonly requestTotals: Counter<'method' | 'route' | 'status'>;

  constructor(queue: RenderQueue) {
    collectDefaultMetrics({ register: this.registry, prefix: 'vgs_' });
    this.requests = new Histogram({
      name: 'vgs_http_request_duration_seconds',
      help: 'HTTP request duration by route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.requestTotals = new Counter({
      name: 'vgs_http_requests_total',
      help: 'HTTP requests by route template and status',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    const states = ['waiting', 'active', 'completed', 'failed', 'delayed', 'paused', 'workers'] as const;
    new Gauge({
      name: 'vgs_queue_jobs',
      help: 'Render queue figures (BullMQ), read at scrape time',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        const status = await queue.status().catch(() => null);
        for (const state of states) this.set({ state }, status ? status[state] : -1);
      },
    });
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.requests.observe(labels, seconds);
    this.requestTotals.inc(labels);
  }

  /** The JSON view for /api/v1/system/metrics. */
  async snapshot(): Promise<Record<string, unknown>> {
    const metrics = await this.registry.getMetricsAsJSON();
    return Object.fromEntries(metrics.map((m) => [m.name, m.values]));
  }
}
