import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Queue, Worker } from 'bullmq';
import { BatchStore } from '../batch/batch.store';
import { AppConfig } from '../config/app-config';
import { StorageService } from '../files/storage.service';
import { JobStore } from '../jobs/job.store';
import { bullConnection } from '../queue/bullmq-connection';
import { RenderQueue } from '../queue/render-queue.service';
import { closeWorker } from '../queue/worker-shutdown';
import { ServiceMetrics } from '../system/service-metrics';

/** Housekeeping runs on a queue of their own, so a long render backlog never delays them. */
export const MAINTENANCE_QUEUE = 'maintenance';
/** One scheduler id for the whole deployment: however many workers upsert it, BullMQ keeps one schedule. */
export const RETENTION_SCHEDULER_ID = 'job-retention';
const RETENTION_JOB_NAME = 'remove-finished-jobs';
/** Jobs read and removed per step of a run. */
const PAGE_SIZE = 500;
/** A failed upsert at start (Redis away) is tried again this often. */
const SCHEDULE_RETRY_MS = 30_000;

/** How often retention runs: a 24th of the retention period, between a second and an hour. */
export function retentionIntervalMs(retentionMs: number): number {
  return Math.min(3_600_000, Math.max(1000, Math.round(retentionMs / 24)));
}

/**
 * Removes finished jobs (completed, failed, cancelled) older than JOB_RETENTION_DAYS with their files, logs,
 * events and dashboard counters, oldest first, a page at a time. Worker processes schedule it through one
 * BullMQ job scheduler and process it on the maintenance queue, so each run happens once cluster-wide.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionService.name);
  private worker?: Worker;
  private retry?: NodeJS.Timeout;

  constructor(
    @InjectQueue(MAINTENANCE_QUEUE) private readonly queue: Queue,
    private readonly config: AppConfig,
    private readonly store: JobStore,
    private readonly batches: BatchStore,
    private readonly storage: StorageService,
    private readonly renderQueue: RenderQueue,
    private readonly metrics: ServiceMetrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.queue.on('error', (err: Error) => this.logger.warn(`maintenance queue: ${err.message}`));
    if (!this.config.runsWorker) return;
    await this.schedule();
    if (this.config.jobRetentionMs === 0) return;
    this.worker = new Worker(MAINTENANCE_QUEUE, () => this.removeExpired(), {
      connection: bullConnection(this.config),
      prefix: this.config.redisKeyPrefix,
      concurrency: 1,
    });
    this.worker.on('error', (err) => this.logger.warn(`maintenance worker: ${err.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.retry);
    if (this.worker) await closeWorker(this.worker);
  }

  /** Upserts the schedule (or, with retention off, removes one an earlier configuration left). */
  private async schedule(): Promise<void> {
    try {
      if (this.config.jobRetentionMs === 0) {
        await this.queue.removeJobScheduler(RETENTION_SCHEDULER_ID);
        return;
      }
      await this.queue.upsertJobScheduler(
        RETENTION_SCHEDULER_ID,
        { every: retentionIntervalMs(this.config.jobRetentionMs) },
        { name: RETENTION_JOB_NAME, opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } },
      );
    } catch (err) {
      this.logger.warn(`retention schedule: ${(err as Error).message}; trying again in ${SCHEDULE_RETRY_MS / 1000} s`);
      this.retry = setTimeout(() => void this.schedule(), SCHEDULE_RETRY_MS).unref();
    }
  }

  /**
   * One run: pages of the oldest finished jobs until none is old enough, or until the run has taken as long as
   * the interval between runs (the next run goes on from there, so two runs never overlap for long).
   * Returns how many jobs it removed.
   */
  async removeExpired(): Promise<number> {
    const retentionMs = this.config.jobRetentionMs;
    if (retentionMs === 0) return 0;
    const started = Date.now();
    await this.store.backfillFinishedIndex(PAGE_SIZE);
    let removed = 0;
    while (Date.now() - started < retentionIntervalMs(retentionMs)) {
      const ids = await this.store.finishedBefore(retentionMs, PAGE_SIZE);
      if (ids.length === 0) break;
      const jobs = await this.store.getMany(ids);
      const found = new Set(jobs.map((j) => j.id));
      await this.store.forgetFinished(ids.filter((id) => !found.has(id)));
      const batchIds = new Set<string>();
      for (const job of jobs) {
        // Files first: should this run stop half-way, the job is still listed and the next run finishes it,
        // whereas a record removed first would leave its files behind for good.
        await this.storage.removeJobFiles(job.id);
        if (await this.store.remove(job)) removed++;
        await this.renderQueue.forget(job.id);
        if (job.batchId) batchIds.add(job.batchId);
      }
      for (const batchId of batchIds) await this.batches.removeIfEmpty(batchId);
      if (ids.length < PAGE_SIZE) break;
    }
    this.metrics.retentionRan(removed);
    if (removed > 0) this.logger.log({ removed, retentionDays: retentionMs / 86_400_000 }, 'retention removed finished jobs');
    return removed;
  }
}
