import { Module } from '@nestjs/common';
import { PipelineModule } from '../worker/pipeline.module';
import { ConfigurationStore } from './configuration.store';
import { ConfigurationsController } from './configurations.controller';
import { ConfigurationsService } from './configurations.service';

/** Saved, validated request settings (custom_config checked by the configured pipeline, like a request's). */
@Module({
  imports: [PipelineModule],
  controllers: [ConfigurationsController],
  providers: [ConfigurationsService, ConfigurationStore],
  exports: [ConfigurationsService],
})
export class ConfigurationsModule {}
