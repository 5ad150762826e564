import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Job } from '../jobs/job.model';
import { JobStore } from '../jobs/job.store';
import { RenderQueue } from '../queue/render-queue.service';
import { ServiceMetrics } from '../system/service-metrics';

/** Jobs looked at per pass; more wait for the next pass. */
const SCAN_LIMIT = 5000;

export interface ReconcileReport {
  /** Stored as queued or processing, unknown to BullMQ: handed to it (again). */
  enqueued: string[];
  /** Stored as queued or processing, but BullMQ finished with them long ago: failed visibly. */
  failed: string[];
}

/**
 * A job is stored first and enqueued second; a crash (or a Redis fault) between the two leaves it waiting
 * forever. Workers compare the store with BullMQ at start and every QUEUE_RECONCILE_INTERVAL_MS: a waiting
 * job BullMQ does not know is enqueued (BullMQ ignores a second add of the same id, so racing a submission in
 * flight is harmless); one BullMQ finished with while the store still waits on it is failed (`WORKER_LOST`).
 */
@Injectable()
export class QueueReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(QueueReconciler.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly config: AppConfig,
    private readonly store: JobStore,
    private readonly queue: RenderQueue,
    private readonly metrics: ServiceMetrics,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.runsWorker) return;
    const pass = () => {
      this.running ??= this.reconcile()
        .catch((err: Error) => this.logger.warn(`queue reconciliation failed: ${err.message}`))
        .finally(() => (this.running = undefined));
    };
    pass();
    this.timer = setInterval(pass, this.config.queueReconcileIntervalMs).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass. `now` decides which finished-in-BullMQ jobs have been left alone long enough to fail. */
  async reconcile(now = new Date()): Promise<ReconcileReport> {
    const ids = [...(await this.store.queuedBefore(now, SCAN_LIMIT)), ...(await this.store.processing(SCAN_LIMIT))];
    const states = await this.queue.states(ids);
    const suspects = await this.store.getMany(ids.filter((id) => ['unknown', 'completed', 'failed'].includes(states.get(id) ?? '')));
    // A job BullMQ just finished may be a moment from its own store update: only long-quiet ones are lost.
    const quietSince = now.getTime() - 2 * this.config.stalledIntervalMs;
    const missing: Job[] = [];
    const report: ReconcileReport = { enqueued: [], failed: [] };
    for (const job of suspects) {
      if (job.status !== 'queued' && job.status !== 'processing') continue;
      if (states.get(job.id) === 'unknown') missing.push(job);
      else if (Date.parse(job.updatedAt) < quietSince && (await this.store.fail(job.id, 'WORKER_LOST', 'The queue lost track of this job')).ok) {
        report.failed.push(job.id);
        this.metrics.jobFailed('WORKER_LOST');
      }
    }
    if (missing.length > 0) {
      await this.queue.enqueue(missing);
      report.enqueued.push(...missing.map((j) => j.id));
    }
    if (report.enqueued.length + report.failed.length > 0) this.logger.warn({ ...report }, 'reconciled the job store with the queue');
    return report;
  }
}
