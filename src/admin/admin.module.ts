import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { WEBHOOK_QUEUE } from '../events/webhooks';
import { QueueModule } from '../queue/queue.module';
import { RENDER_QUEUE } from '../queue/queue.constants';
import { AdminSessionController } from './admin-session.controller';
import { AdminSessionStore } from './admin-session.store';
import { AdminSessions } from './admin-sessions';
import { QueueBoard } from './queue-board';

/** The operators' queue dashboard (bull-board) and the browser sessions that open it. */
@Module({
  // QueueModule sets BullMQ's shared connection and prefix, which these queue handles use too.
  imports: [QueueModule, BullModule.registerQueue({ name: RENDER_QUEUE }, { name: WEBHOOK_QUEUE })],
  controllers: [AdminSessionController],
  providers: [AdminSessionStore, AdminSessions, QueueBoard],
})
export class AdminModule {}
