import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { Queue } from 'bullmq';
import { RENDER_QUEUE } from './queue.constants';

@Injectable()
export class QueueHealthIndicator {
  constructor(
    @InjectQueue(RENDER_QUEUE) private readonly queue: Queue,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(key = 'queue') {
    const session = this.health.check(key);
    try {
      const [counts, paused] = await Promise.race([
        Promise.all([this.queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed'), this.queue.isPaused()]),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('queue did not answer')), 1500).unref()),
      ]);
      return paused ? session.down({ message: 'queue is paused', ...counts }) : session.up(counts);
    } catch (err) {
      return session.down({ message: (err as Error).message });
    }
  }
}
