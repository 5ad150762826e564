import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ConfigurationsModule } from '../configurations/configurations.module';
import { FilesModule } from '../files/files.module';
import { UploadsModule } from '../uploads/uploads.module';
import { JobStoreModule } from '../jobs/job-store.module';
import { JobsModule } from '../jobs/jobs.module';
import { QueueModule } from '../queue/queue.module';
import { UsersModule } from '../users/users.module';
import { PipelineModule } from '../worker/pipeline.module';
import { VideosController } from './videos.controller';
import { VideosService } from './videos.service';

@Module({
  imports: [AuthModule, JobStoreModule, JobsModule, QueueModule, FilesModule, UsersModule, PipelineModule, ConfigurationsModule, UploadsModule],
  controllers: [VideosController],
  providers: [VideosService],
  exports: [VideosService],
})
export class VideosModule {}
