import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { BatchModule } from '../batch/batch.module';
import { EventsModule } from '../events/events.module';
import { JobStoreModule } from '../jobs/job-store.module';
import { JobsModule } from '../jobs/jobs.module';
import { VideosModule } from '../videos/videos.module';
import { JobEventStream } from './job-event-stream.service';
import { JobEventsController } from './job-events.controller';
import { JobsGateway } from './jobs.gateway';

@Module({
  imports: [AuthModule, EventsModule, JobStoreModule, JobsModule, VideosModule, BatchModule],
  controllers: [JobEventsController],
  providers: [JobsGateway, JobEventStream],
})
export class RealtimeModule {}
