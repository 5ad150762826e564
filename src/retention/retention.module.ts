import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { FilesModule } from '../files/files.module';
import { JobStoreModule } from '../jobs/job-store.module';
import { QueueModule } from '../queue/queue.module';
import { MAINTENANCE_QUEUE, RetentionService } from './retention.service';

@Module({
  // QueueModule sets BullMQ's shared connection and prefix that the maintenance queue uses too.
  imports: [JobStoreModule, QueueModule, FilesModule, BullModule.registerQueue({ name: MAINTENANCE_QUEUE })],
  providers: [RetentionService],
})
export class RetentionModule {}
