import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { AppConfig } from './app-config';
import { Environment, validateEnvironment } from './environment';

/**
 * Loads process.env (plus an optional .env file) through @nestjs/config, validates it once and
 * exposes the typed AppConfig to every module.
 */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(): DynamicModule {
    return {
      module: AppConfigModule,
      imports: [
        ConfigModule.forRoot({
          envFilePath: '.env',
          validate: validateEnvironment,
          cache: true,
        }),
      ],
      providers: [
        {
          provide: AppConfig,
          inject: [ConfigService],
          useFactory: (config: ConfigService) =>
            new AppConfig(
              Object.assign(
                new Environment(),
                Object.fromEntries(Object.keys(new Environment()).map((key) => [key, config.get(key)])),
              ),
            ),
        },
      ],
      exports: [AppConfig],
    };
  }
}
