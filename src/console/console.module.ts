import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { AppConfig } from '../config/app-config';
import { ConsoleController } from './console.controller';

/**
 * The console's own CSP, in place of the service-wide one set in app.factory.ts: scripts only from this origin, and
 * connections (API, Socket.IO) to this origin plus, when Clerk sign-in is configured, the Frontend API that the
 * publishable key names (and blob: workers for Clerk's SDK). The bundle holds Clerk's SDK and socket.io-client.
 */
export function consoleSecurityHeaders(config: AppConfig): RequestHandler {
  const clerk = config.consoleClerk;
  const directives = { upgradeInsecureRequests: null, scriptSrc: ["'self'"], connectSrc: ["'self'", ...(clerk ? [clerk.frontendApiOrigin] : [])] };
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
