import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { JobStoreModule } from '../jobs/job-store.module';
import { QueueModule } from '../queue/queue.module';
import { UsersModule } from '../users/users.module';
import { JobEventBus } from './job-event-bus';
import { WebhookBacklog } from './webhook-backlog';
import { WebhookOutboxStore } from './webhook-outbox.store';
import { WEBHOOK_QUEUE, WebhookOutboxReader, WebhookSender } from './webhooks';

@Module({
  // QueueModule sets BullMQ's shared connection and prefix that this queue uses too.
  imports: [JobStoreModule, QueueModule, UsersModule, BullModule.registerQueue({ name: WEBHOOK_QUEUE })],
  providers: [JobEventBus, WebhookOutboxStore, WebhookOutboxReader, WebhookSender, WebhookBacklog],
  exports: [JobEventBus, WebhookBacklog],
})
export class EventsModule {}
