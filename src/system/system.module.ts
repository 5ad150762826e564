import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { EventsModule } from '../events/events.module';
import { FilesModule } from '../files/files.module';
import { JobsModule } from '../jobs/jobs.module';
import { QueueModule } from '../queue/queue.module';
import { RedisHealthIndicator } from '../redis/redis.health';
import { PipelineModule } from '../worker/pipeline.module';
import { HealthController } from './health.controller';
import { MetricsService } from './metrics.service';
import { PrometheusController } from './prometheus.controller';
import { ServiceMetricsModule } from './service-metrics';
import { SystemController } from './system.controller';
import { SystemHealthService } from './system-health.service';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json', logger: false }), ServiceMetricsModule, QueueModule, FilesModule, PipelineModule, JobsModule, EventsModule],
  controllers: [HealthController, SystemController, PrometheusController],
  providers: [RedisHealthIndicator, SystemHealthService, MetricsService],
  exports: [MetricsService],
})
export class SystemModule {}
