import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { FilesModule } from '../files/files.module';
import { QueueModule } from '../queue/queue.module';
import { RedisHealthIndicator } from '../redis/redis.health';
import { WorkerModule } from '../worker/worker.module';
import { HealthController } from './health.controller';
import { SystemController } from './system.controller';
import { SystemHealthService } from './system-health.service';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json', logger: false }), QueueModule, FilesModule, WorkerModule],
  controllers: [HealthController, SystemController],
  providers: [RedisHealthIndicator, SystemHealthService],
})
export class SystemModule {}
