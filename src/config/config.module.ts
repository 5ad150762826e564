import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AppConfig } from './app-config';
import { Environment, validateEnvironment } from './environment';

/**
 * Loads process.env (plus an optional .env file) through @nestjs/config, validates it once, and exposes the
 * typed AppConfig to every module.
 */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(): DynamicModule {
    let validated: Environment | undefined;
    return {
      module: AppConfigModule,
      imports: [
        ConfigModule.forRoot({
          envFilePath: '.env',
          cache: true,
          validate: (raw) => (validated = validateEnvironment(raw)),
        }),
      ],
      providers: [
        {
          provide: AppConfig,
          // ConfigModule validates while its module is resolved, before any provider is built.
          useFactory: () => new AppConfig(validated ?? validateEnvironment(process.env)),
        },
      ],
      exports: [AppConfig],
    };
  }
}
