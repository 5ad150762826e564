import { Inject, Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { withTimeout } from '../common/with-timeout';
import { WebhookBacklog } from '../events/webhook-backlog';
import { RenderQueue } from '../queue/render-queue.service';
import { pingKeyspace, RedisClient } from '../redis/redis-client';
import { REDIS_CLIENT } from '../redis/redis.module';
import { RedisKeys } from '../redis/redis-keys';
import { ServiceMetrics } from './service-metrics';

/** A scrape must answer while Redis is away (that is when it matters): figures read from Redis wait this long. */
const SCRAPE_READ_TIMEOUT_MS = 1500;

/**
 * Prometheus registry of this process: HTTP traffic, process figures, the event counters of ServiceMetrics, and
 * figures read from Redis at scrape time (queue depth, webhook backlog, Redis reachable). The Redis-read figures
 * are cluster-wide, so every pod reports the same value: aggregate them with max, not sum.
 */
@Injectable()
export class MetricsService {
  readonly registry: Registry;
  private readonly requests: Histogram<'method' | 'route' | 'status'>;
  private readonly requestTotals: Counter<'method' | 'route' | 'status'>;

  constructor(
    queue: RenderQueue,
    webhooks: WebhookBacklog,
    @Inject(REDIS_CLIENT) redis: RedisClient,
    keys: RedisKeys,
    events: ServiceMetrics,
  ) {
    this.registry = events.registry;
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
    const read = <T>(promise: Promise<T>, what: string) => withTimeout(promise, SCRAPE_READ_TIMEOUT_MS, what).catch(() => null);
    const states = ['waiting', 'active', 'completed', 'failed', 'delayed', 'paused', 'workers'] as const;
    new Gauge({
      name: 'vgs_queue_jobs',
      help: 'Render queue figures (BullMQ), read at scrape time; -1 when Redis did not answer',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        const status = await read(queue.status(), 'queue');
        for (const state of states) this.set({ state }, status ? status[state] : -1);
      },
    });
    new Gauge({
      name: 'vgs_webhook_backlog',
      help: 'Webhook work waiting, read at scrape time: outbox (job changes not yet turned into deliveries), deliveries (to send, retries included); -1 when Redis did not answer',
      labelNames: ['stage'],
      registers: [this.registry],
      async collect() {
        const backlog = await read(webhooks.read(), 'webhook backlog');
        this.set({ stage: 'outbox' }, backlog ? backlog.outbox : -1);
        this.set({ stage: 'deliveries' }, backlog ? backlog.deliveries : -1);
      },
    });
    new Gauge({
      name: 'vgs_redis_up',
      help: '1 when the Redis holding the keys answered at scrape time (a PING; on a cluster, the master of their slot), else 0',
      registers: [this.registry],
      async collect() {
        this.set((await read(pingKeyspace(redis, keys).then(() => true), 'redis')) ? 1 : 0);
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
