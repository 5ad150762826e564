import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig } from '../config/app-config';
import type { Job } from '../jobs/job.model';
import { duplicateClient, RedisClient } from '../redis/redis-client';
import { REDIS_CLIENT } from '../redis/redis.module';
import { RedisKeys } from '../redis/redis-keys';
import { RENDER_JOB_NAME, RENDER_QUEUE, RenderJobData } from './queue.constants';

export interface QueueStatus {
  waiting: number;
  active: number;
  completed: number;
  failed: number;
  delayed: number;
  paused: number;
  workers: number;
}

type CancelListener = (jobId: string) => void;
/** State reads in flight at once while reconciling (each is one short script in Redis). */
const STATE_READS_AT_ONCE = 100;

/**
 * Owns the BullMQ queue: enqueue with priority, retries and backoff; removal of waiting jobs; the cancel
 * signal that reaches whichever worker process runs a job (Redis pub/sub); queue figures.
 */
@Injectable()
export class RenderQueue implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RenderQueue.name);
  private subscriber?: RedisClient;
  private readonly cancelListeners = new Set<CancelListener>();

  constructor(
    @InjectQueue(RENDER_QUEUE) private readonly queue: Queue<RenderJobData>,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly config: AppConfig,
  ) {}

  private get cancelChannel() {
    return this.keys.key('signals', 'cancel');
  }

  async onModuleInit(): Promise<void> {
    // A Redis blip (a failover, a restart) is reported here instead of as an unhandled 'error' event.
    this.queue.on('error', (err: Error) => this.logger.warn(`render queue: ${err.message}`));
    if (!this.config.runsWorker) return;
    this.subscriber = duplicateClient(this.redis, { maxRetriesPerRequest: null, connectionName: 'vgs-cancel-signals' });
    this.subscriber.on('error', (err: Error) => this.logger.warn(`cancel subscriber: ${err.message}`));
    this.subscriber.on('message', (_channel: string, jobId: string) => this.cancelListeners.forEach((l) => l(jobId)));
    await this.subscriber.subscribe(this.cancelChannel);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }

  /** Adds jobs in one round trip (a batch's jobs arrive together). */
  async enqueue(jobs: Job[]): Promise<void> {
    const entries = jobs.map((job) => ({
      name: RENDER_JOB_NAME,
      data: { jobId: job.id },
      opts: {
        jobId: job.id,
        priority: job.queuePriority,
        attempts: this.config.jobMaxAttempts,
        backoff: { type: 'exponential' as const, delay: this.config.jobBackoffMs },
        removeOnComplete: { age: 24 * 3600, count: 10_000 },
        removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
      },
    }));
    // One job (every single submission) by its add script alone: addBulk builds a MULTI, and an ioredis pipeline
    // copies every script BullMQ defined on the connection, a tenth of a submission's CPU.
    if (entries.length === 1) await this.queue.add(entries[0].name, entries[0].data, entries[0].opts);
    else await this.queue.addBulk(entries);
  }

  /** Stops a job wherever it is: removed if still waiting, aborted in its worker if running. */
  async cancel(jobId: string): Promise<void> {
    await this.forget(jobId); // active jobs are locked: the signal below handles them
    await this.redis.publish(this.cancelChannel, jobId);
  }

  /** Drops BullMQ's own record of a job (for deletes); a locked, running job is left to its cancel signal. */
  async forget(jobId: string): Promise<void> {
    await this.queue.remove(jobId).catch(() => 0);
  }

  /** What BullMQ knows of each job: its state, or `unknown` when it holds no record of it. */
  async states(jobIds: string[]): Promise<Map<string, string>> {
    const states = new Map<string, string>();
    for (let i = 0; i < jobIds.length; i += STATE_READS_AT_ONCE) {
      const chunk = jobIds.slice(i, i + STATE_READS_AT_ONCE);
      const read = await Promise.all(chunk.map((id) => this.queue.getJobState(id)));
      chunk.forEach((id, k) => states.set(id, read[k]));
    }
    return states;
  }

  onCancelSignal(listener: CancelListener): () => void {
    this.cancelListeners.add(listener);
    return () => this.cancelListeners.delete(listener);
  }

  async status(): Promise<QueueStatus> {
    const [counts, workers] = await Promise.all([
      this.queue.getJobCounts('waiting', 'prioritized', 'active', 'completed', 'failed', 'delayed', 'paused'),
      this.queue.getWorkersCount(),
    ]);
    return {
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      completed: counts.completed ?? 0,
      failed: counts.failed ?? 0,
      delayed: counts.delayed ?? 0,
      paused: counts.paused ?? 0,
      workers,
    };
  }
}
