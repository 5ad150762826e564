import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { JobEvent } from '../jobs/job-events';
import { JobStore } from '../jobs/job.store';
import { duplicateClient, RedisClient } from '../redis/redis-client';
import { REDIS_CLIENT } from '../redis/redis.module';

type Listener = (event: JobEvent) => void;

/**
 * Delivers every job change, from any process (workers included), to listeners in this API process.
 * The job store publishes inside its atomic scripts, so events arrive in commit order on one channel.
 */
@Injectable()
export class JobEventBus implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(JobEventBus.name);
  private readonly listeners = new Set<Listener>();
  private subscriber?: RedisClient;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly store: JobStore,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.config.runsApi) return; // only API processes have clients to tell
    this.subscriber = duplicateClient(this.redis, { maxRetriesPerRequest: null, connectionName: 'vgs-job-events' });
    this.subscriber.on('error', (err: Error) => this.logger.warn(`events subscriber: ${err.message}`));
    this.subscriber.on('message', (_channel: string, message: string) => this.dispatch(message));
    await this.subscriber.subscribe(this.store.eventsChannel);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }

  /** Returns the function that removes the listener. */
  listen(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private dispatch(message: string): void {
    let event: JobEvent;
    try {
      event = JSON.parse(message) as JobEvent;
    } catch {
      this.logger.warn('ignored an unreadable job event');
      return;
    }
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.logger.error({ err }, 'job event listener failed');
      }
    }
  }
}
