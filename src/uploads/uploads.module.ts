import { Module } from '@nestjs/common';
import { FilesModule } from '../files/files.module';
import { DecodeSlots } from './decode-slots';
import { UploadAssets } from './upload-assets';
import { UploadStore } from './upload.store';
import { UploadsController } from './uploads.controller';
import { UploadsService } from './uploads.service';

/** Users' images, audio and text documents; exports the service that resolves them for video requests and the storage-level resolver the worker uses. */
@Module({
  imports: [FilesModule],
  controllers: [UploadsController],
  providers: [UploadsService, UploadStore, UploadAssets, DecodeSlots],
  exports: [UploadsService, UploadAssets],
})
export class UploadsModule {}
