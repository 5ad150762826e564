import { Module } from '@nestjs/common';
import { FilesModule } from '../files/files.module';
import { QueueModule } from '../queue/queue.module';
import { JobStoreModule } from './job-store.module';
import { JobsController } from './jobs.controller';
import { JobsService } from './jobs.service';

@Module({
  imports: [JobStoreModule, QueueModule, FilesModule],
  controllers: [JobsController],
  providers: [JobsService],
  exports: [JobsService],
})
export class JobsModule {}
