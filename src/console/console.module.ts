import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { AppConfig, bucketOrigin } from '../config/app-config';
import { ConsoleController } from './console.controller';

/**
 * The console's own CSP, in place of the service-wide one set in app.factory.ts: scripts only from this origin, and
 * connections (API, Socket.IO) to this origin plus, when Clerk sign-in is configured, the Frontend API that the
 * publishable key names (and blob: workers for Clerk's SDK). The bundle holds Clerk's SDK and socket.io-client.
 * With DOWNLOAD_MODE=redirect the video, captions and thumbnail answer a 302 to a presigned bucket URL: media and
 * images may come from the bucket's origin too (CSP checks every redirect).
 */
export function consoleSecurityHeaders(config: AppConfig): RequestHandler {
  const clerk = config.consoleClerk;
  const bucket = config.s3?.downloadMode === 'redirect' ? [bucketOrigin(config.s3)] : [];
  const directives = {
    upgradeInsecureRequests: null,
    scriptSrc: ["'self'"],
    connectSrc: ["'self'", ...(clerk ? [clerk.frontendApiOrigin] : [])],
    imgSrc: ["'self'", 'data:', ...bucket],
    ...(bucket.length > 0 ? { mediaSrc: ["'self'", ...bucket] } : {}),
  };
  // Clerk's SDK runs its session-refresh timers in a worker it starts from a blob: URL.
  return helmet.contentSecurityPolicy({ directives: clerk ? { ...directives, workerSrc: ["'self'", 'blob:'] } : directives });
}

@Module({ controllers: [ConsoleController] })
export class ConsoleModule implements NestModule {
  constructor(private readonly config: AppConfig) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(consoleSecurityHeaders(this.config)).forRoutes(ConsoleController);
  }
}
