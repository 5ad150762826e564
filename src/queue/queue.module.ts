import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AppConfig } from '../config/app-config';
import { bullConnection } from './bullmq-connection';
import { RENDER_QUEUE } from './queue.constants';
import { QueueHealthIndicator } from './queue.health';
import { RenderQueue } from './render-queue.service';

@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ connection: bullConnection(config), prefix: config.redisKeyPrefix }),
    }),
    BullModule.registerQueue({ name: RENDER_QUEUE }),
    TerminusModule,
  ],
  providers: [RenderQueue, QueueHealthIndicator],
  exports: [RenderQueue, QueueHealthIndicator],
})
export class QueueModule {}
