import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import type { Express, NextFunction, Request, Response } from 'express';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { auditLog } from './common/audit-log';
import { AppException } from './common/error-codes';
import { jsonBody } from './common/json-body';
import { compressJsonAnswers } from './common/json-compression';
import { requestLogging, rootLoggerOf } from './common/logging';
import { requestIdHeader } from './common/request-id';
import { observeRequests } from './common/request-observers';
import { securityHeaders } from './common/security-headers';
import { createValidationPipe } from './common/validation';
import { AppConfig } from './config/app-config';
import { setUpDocs } from './docs/api-docs';
import { ConfiguredIoAdapter } from './realtime/socket-io.adapter';
import { httpMetrics } from './system/http-metrics';
import { MetricsService } from './system/metrics.service';

/** Creates the fully configured application (used by main.ts and by the e2e tests). */
export async function createApp(): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(), { bufferLogs: true, bodyParser: false });
  const config = app.get(AppConfig);
  app.useLogger(app.get(Logger));
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  const logger = rootLoggerOf(app);
  app.use(
    observeRequests(
      securityHeaders(),
      requestIdHeader,
      requestLogging(logger),
      // The root logger, not the request's: an audit line carries its own fields and no request serialization.
      auditLog((line) => logger.info(line, 'audit')),
      httpMetrics(app.get(MetricsService)),
    ),
  );
  compressJsonAnswers(app.getHttpAdapter().getInstance() as Express);
  if (!config.runsApi) app.use(apiRoutesOff);
  app.use(jsonBody(config.bodyLimit, ['/api/v1/uploads'])); // uploads are multipart
  app.useGlobalPipes(createValidationPipe());
  app.useWebSocketAdapter(new ConfiguredIoAdapter(app, config));
  if (config.corsOrigins === true || config.corsOrigins.length > 0) {
    app.enableCors({ origin: config.corsOrigins, credentials: true, exposedHeaders: ['X-Request-Id', 'Location', 'Retry-After'] });
  }
  app.enableShutdownHooks();
  setUpDocs(app);
  return app;
}

/** The worker role serves only probes and docs; API routes answer 404 there. */
function apiRoutesOff(req: Request, _res: Response, next: NextFunction): void {
  next(req.path.startsWith('/api/') ? new AppException('NOT_FOUND', 'This instance runs only the worker role') : undefined);
}
