import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { FilesModule } from '../files/files.module';
import { JobsModule } from '../jobs/jobs.module';
import { QueueModule } from '../queue/queue.module';
import { RedisHealthIndicator } from '../redis/redis.health';
import { PipelineModule } from '../worker/pipeline.module';
import { HealthController } from './health.controller';
import { MetricsService } from './metrics.service';
import { PrometheusController } from './prometheus.controller';
import { SystemController } from './system.controller';
import { SystemHealthService } from './system-health.service';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json', logger: false }), QueueModule, FilesModule, PipelineModule, JobsModule],
  controllers: [HealthController, SystemController, PrometheusController],
  providers: [RedisHealthIndicator, SystemHealthService, MetricsService],
  exports: [MetricsService],
})
export class SystemModule {}
