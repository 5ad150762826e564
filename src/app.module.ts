import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import { BatchModule } from './batch/batch.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { loggerParams } from './common/logging';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { ConfigurationsModule } from './configurations/configurations.module';
import { ConsoleModule } from './console/console.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { FilesModule } from './files/files.module';
import { JobsModule } from './jobs/jobs.module';
import { QueueModule } from './queue/queue.module';
import { RealtimeModule } from './realtime/realtime.module';
import { RedisModule } from './redis/redis.module';
import { RetentionModule } from './retention/retention.module';
import { SystemModule } from './system/system.module';
import { UploadsModule } from './uploads/uploads.module';
import { UsersModule } from './users/users.module';
import { VideosModule } from './videos/videos.module';
import { WorkerModule } from './worker/worker.module';

@Module({})
export class AppModule {
  /** Built at start-up (not at import) so the environment is read and validated when the app is created. */
  static forRoot(): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(),
        LoggerModule.forRootAsync({ inject: [AppConfig], useFactory: loggerParams }),
        RedisModule,
        AuthModule,
        FilesModule,
        QueueModule,
        JobsModule,
        VideosModule,
        BatchModule,
        WorkerModule,
        SystemModule,
        RealtimeModule,
        DashboardModule,
        UsersModule,
        UploadsModule,
        ConfigurationsModule,
        AdminModule,
        ConsoleModule,
        RetentionModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
    };
  }
}
