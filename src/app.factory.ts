import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import compression from 'compression';
import { json, NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { auditLog } from './common/audit-log';
import { AppException } from './common/error-codes';
import { limitJsonDepth, requireJsonBody } from './common/json-body.middleware';
import { requestLogging, rootLoggerOf } from './common/logging';
import { requestIdMiddleware } from './common/request-id.middleware';
import { createValidationPipe } from './common/validation';
import { AppConfig } from './config/app-config';
import { setUpDocs } from './docs/api-docs';
import { ConfiguredIoAdapter } from './realtime/socket-io.adapter';
import { httpMetrics } from './system/http-metrics.middleware';
import { MetricsService } from './system/metrics.service';

/** Creates the fully configured application (used by main.ts and by the e2e tests). */
export async function createApp(): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(), { bufferLogs: true, bodyParser: false });
  const config = app.get(AppConfig);
  app.useLogger(app.get(Logger));
  app.set('trust proxy', 1);
  app.disable('x-powered-by');
  app.use(securityHeaders());
  app.use(requestIdMiddleware);
  const logger = rootLoggerOf(app);
  // Before the body parser and the other checks, so a request they turn away gets its line too.
  app.use(requestLogging(logger));
  // The root logger, not the request's: an audit line carries its own fields and no request serialization.
  app.use(auditLog((line) => logger.info(line, 'audit')));
  app.use(httpMetrics(app.get(MetricsService)));
  app.use(compressJson());
  if (!config.runsApi) app.use(apiRoutesOff);
  app.use(requireJsonBody(['/api/v1/uploads'])); // uploads are multipart
  app.use(json({ limit: config.bodyLimit, strict: true }));
  app.use(limitJsonDepth);
  app.useGlobalPipes(createValidationPipe());
  app.useWebSocketAdapter(new ConfiguredIoAdapter(app, config));
  if (config.corsOrigins === true || config.corsOrigins.length > 0) {
    app.enableCors({ origin: config.corsOrigins, credentials: true, exposedHeaders: ['X-Request-Id', 'Location', 'Retry-After'] });
  }
  app.enableShutdownHooks();
  setUpDocs(app);
  return app;
}

/**
 * helmet's defaults (nosniff, frame and referrer policies, a same-origin CSP that suits the API and Swagger UI at
 * /docs) on every answer; /redoc (its bundle served from here too) may also run its search worker, which it starts
 * from a blob: URL. No upgrade-insecure-requests: a self-hosted instance may be reached over plain HTTP, where it
 * would break the docs.
 */
function securityHeaders(): RequestHandler {
  const directives = { upgradeInsecureRequests: null };
  const api = helmet({ contentSecurityPolicy: { directives } });
  const redoc = helmet({ contentSecurityPolicy: { directives: { ...directives, workerSrc: ["'self'", 'blob:'] } } });
  // The queue dashboard (bull-board) keeps its inline styles, but fetches no stylesheet or font from another origin.
  const board = helmet({ contentSecurityPolicy: { directives: { ...directives, styleSrc: ["'self'", "'unsafe-inline'"], fontSrc: ["'self'", 'data:'] } } });
  return (req, res, next) => (req.path === '/redoc' ? redoc : req.path.startsWith('/admin/queues') ? board : api)(req, res, next);
}

/**
 * gzip or br, as the client's Accept-Encoding allows, for JSON answers of 1 KiB or more. Nothing else: videos and
 * images are compressed already, downloads (captions too) are served by byte ranges that must be the file's own
 * bytes, and an event stream must reach the client as it is written, never held in a compressor's buffer.
 */
function compressJson(): RequestHandler {
  const json = /^application\/([\w.-]+\+)?json(;|$)/i;
  return compression({
    filter: (_req, res) => res.statusCode !== 206 && json.test(String(res.getHeader('Content-Type') ?? '')),
  });
}

/** The worker role serves only probes and docs; API routes answer 404 there. */
function apiRoutesOff(req: Request, _res: Response, next: NextFunction): void {
  next(req.path.startsWith('/api/') ? new AppException('NOT_FOUND', 'This instance runs only the worker role') : undefined);
}
