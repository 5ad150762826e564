import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { FilesModule } from '../files/files.module';
import { JobStoreModule } from '../jobs/job-store.module';
import { createPipeline } from '../pipeline';
import { QueueModule } from '../queue/queue.module';
import { RenderWorker, VIDEO_PIPELINE } from './render.worker';

@Module({
  imports: [JobStoreModule, QueueModule, FilesModule],
  providers: [
    {
      provide: VIDEO_PIPELINE,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => createPipeline(config.pipeline, { ffmpegThreads: config.ffmpegThreads }),
    },
    RenderWorker,
  ],
  exports: [VIDEO_PIPELINE],
})
export class WorkerModule {}
