import { Module } from '@nestjs/common';
import { UploadStore } from './upload.store';
import { UploadsController } from './uploads.controller';
import { UploadsService } from './uploads.service';

/** Users' images, audio and text documents; exports the service that resolves them for video requests. */
@Module({
  controllers: [UploadsController],
  providers: [UploadsService, UploadStore],
  exports: [UploadsService],
})
export class UploadsModule {}
