import { Module } from '@nestjs/common';
import { FilesModule } from '../files/files.module';
import { JobStoreModule } from '../jobs/job-store.module';
import { QueueModule } from '../queue/queue.module';
import { UploadsModule } from '../uploads/uploads.module';
import { PipelineModule } from './pipeline.module';
import { QueueReconciler } from './queue-reconciler';
import { RenderWorker } from './render.worker';

@Module({
  imports: [JobStoreModule, QueueModule, FilesModule, PipelineModule, UploadsModule],
  providers: [RenderWorker, QueueReconciler],
})
export class WorkerModule {}
