import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { createPipeline, parseCommandLine } from '../pipeline';
import { VIDEO_PIPELINE } from '../pipeline/video-pipeline';

/**
 * The configured pipeline adapter as a Nest provider (the pipeline itself knows nothing of Nest). The worker
 * runs it; submission asks it to check custom_config; readiness asks for its tools.
 */
@Module({
  providers: [
    {
      provide: VIDEO_PIPELINE,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        config.pipeline === 'command'
          ? createPipeline('command', {
              command: parseCommandLine(config.pipelineCommand ?? ''),
              timeoutSeconds: config.pipelineTimeoutSeconds,
              killGraceMs: config.pipelineKillGraceMs,
              env: config.pipelineEnv,
            })
          : createPipeline('builtin', {
              ffmpegThreads: config.ffmpegThreads,
              ...(config.llm ? { llm: config.llm } : {}),
              ...(config.tts ? { voice: { kind: 'openai-speech' as const, ...config.tts } } : {}),
            }),
    },
  ],
  exports: [VIDEO_PIPELINE],
})
export class PipelineModule {}
