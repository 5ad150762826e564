import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { JobStoreModule } from '../jobs/job-store.module';
import { DashboardCache, DashboardCacheInterceptor } from './dashboard-cache';
import { DashboardController } from './dashboard.controller';
import { DashboardService } from './dashboard.service';

@Module({
  imports: [JobStoreModule, EventsModule],
  controllers: [DashboardController],
  providers: [DashboardService, DashboardCache, DashboardCacheInterceptor],
})
export class DashboardModule {}
