import { Module } from '@nestjs/common';
import { FilesModule } from '../files/files.module';
import { JobStoreModule } from '../jobs/job-store.module';
import { JobsModule } from '../jobs/jobs.module';
import { QueueModule } from '../queue/queue.module';
import { UsersModule } from '../users/users.module';
import { PipelineModule } from '../worker/pipeline.module';
import { VideosController } from './videos.controller';
import { VideosService } from './videos.service';

@Module({
  imports: [JobStoreModule, JobsModule, QueueModule, FilesModule, UsersModule, PipelineModule],
  controllers: [VideosController],
  providers: [VideosService],
  exports: [VideosService],
})
export class VideosModule {}
