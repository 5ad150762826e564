import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { WebhookOutboxStore } from './webhook-outbox.store';
import { WEBHOOK_QUEUE, WebhookDelivery } from './webhooks';

export interface WebhookBacklogFigures {
  /** Terminal job changes in the outbox not yet turned into deliveries. */
  outbox: number;
  /** Deliveries waiting to be sent, their retries (backoff) included. */
  deliveries: number;
}

/** How much webhook work is waiting, for the metrics: both stages, since a stuck one hides behind the other. */
@Injectable()
export class WebhookBacklog {
  constructor(
    @InjectQueue(WEBHOOK_QUEUE) private readonly queue: Queue<WebhookDelivery>,
    private readonly outbox: WebhookOutboxStore,
  ) {}

  async read(): Promise<WebhookBacklogFigures> {
    const [outbox, counts] = await Promise.all([this.outbox.backlog(), this.queue.getJobCounts('waiting', 'prioritized', 'delayed')]);
    return { outbox, deliveries: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0) };
  }
}
