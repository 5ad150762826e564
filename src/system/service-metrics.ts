import { Global, Injectable, Module } from '@nestjs/common';
import { Counter, Histogram, Registry } from 'prom-client';

/** How a render attempt ended in the worker that ran it. */
export const RENDER_OUTCOMES = ['completed', 'failed', 'retried', 'interrupted', 'cancelled', 'discarded', 'skipped'] as const;
export type RenderAttemptOutcome = (typeof RENDER_OUTCOMES)[number];

/** Why a request got a 429: the per-caller rate limit, the failed-authentication limit, or the active-jobs quota. */
export const RATE_LIMIT_REASONS = ['rate_limit', 'auth_failures', 'quota'] as const;
export type RateLimitReason = (typeof RATE_LIMIT_REASONS)[number];

/**
 * This process's Prometheus registry and the counters recorded where things happen (renders in workers, 429s
 * in the API, retention runs). Every role serves /metrics, so a worker's renders are scraped from the worker.
 * Known label values start at 0, so rate() and the alert rules see a series before the first event.
 */
@Injectable()
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly renders = new Counter({
    name: 'vgs_renders_total',
    help: 'Render attempts finished in this worker process, by outcome (retried: failed, will run again)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly realtimeFactor = new Histogram({
    name: 'vgs_render_realtime_factor',
    help: 'Completed renders: seconds of video per second of render wall time',
    buckets: [0.25, 0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24],
    registers: [this.registry],
  });
  private readonly failures = new Counter({
    name: 'vgs_job_failures_total',
    help: 'Jobs that ended failed (no retry left), by error code',
    labelNames: ['error_code'],
    registers: [this.registry],
  });
  private readonly rateLimited = new Counter({
    name: 'vgs_rate_limited_total',
    help: 'Requests answered 429, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  private readonly retentionRuns = new Counter({
    name: 'vgs_retention_runs_total',
    help: 'Retention runs this process carried out (one per scheduled run, cluster-wide)',
    registers: [this.registry],
  });
  private readonly retentionRemoved = new Counter({
    name: 'vgs_retention_jobs_removed_total',
    help: 'Finished jobs removed by retention, with their files and logs',
    registers: [this.registry],
  });

  constructor() {
    for (const outcome of RENDER_OUTCOMES) this.renders.inc({ outcome }, 0);
    for (const reason of RATE_LIMIT_REASONS) this.rateLimited.inc({ reason }, 0);
  }

  renderFinished(outcome: RenderAttemptOutcome): void {
    this.renders.inc({ outcome });
  }

  /** A completed render: `videoSeconds` of output made in `wallSeconds`. */
  renderCompleted(videoSeconds: number, wallSeconds: number): void {
    this.renders.inc({ outcome: 'completed' });
    if (wallSeconds > 0) this.realtimeFactor.observe(videoSeconds / wallSeconds);
  }

  jobFailed(errorCode: string): void {
    this.failures.inc({ error_code: errorCode });
  }

  requestRateLimited(reason: RateLimitReason): void {
    this.rateLimited.inc({ reason });
  }

  retentionRan(removed: number): void {
    this.retentionRuns.inc();
    this.retentionRemoved.inc(removed);
  }
}

/** Global: the places that record events (worker, exception filter, retention) need no import of it. */
@Global()
@Module({ providers: [ServiceMetrics], exports: [ServiceMetrics] })
export class ServiceMetricsModule {}
