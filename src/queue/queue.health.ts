import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { Queue } from 'bullmq';
import { withTimeout } from '../common/with-timeout';
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
      const [counts, paused] = await withTimeout(
        Promise.all([this.queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed'), this.queue.isPaused()]),
        1500,
        'queue',
      );
      return paused ? session.down({ message: 'queue is paused', ...counts }) : session.up(counts);
    } catch (err) {
      return session.down({ message: (err as Error).message });
    }
  }
}
