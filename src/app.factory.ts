import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { json, NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import { Logger, PinoLogger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { auditLog } from './common/audit-log';
import { AppException } from './common/error-codes';
import { ErrorEnvelope } from './common/error-envelope';
import { limitJsonDepth, requireJsonBody } from './common/json-body.middleware';
import { requestIdMiddleware } from './common/request-id.middleware';
import { createValidationPipe } from './common/validation';
import { AppConfig } from './config/app-config';
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
  // The root logger, not the request's: an audit line carries its own fields and no request serialization.
  app.use(auditLog((line) => PinoLogger.root.info(line, 'audit')));
  app.use(httpMetrics(app.get(MetricsService)));
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
 * /docs) on every answer; /redoc alone may also load its bundle from the CDN and run its search worker. No
 * upgrade-insecure-requests: a self-hosted instance may be reached over plain HTTP, where it would break the docs.
 */
function securityHeaders(): RequestHandler {
  const directives = { upgradeInsecureRequests: null };
  const api = helmet({ contentSecurityPolicy: { directives } });
  const redoc = helmet({
    contentSecurityPolicy: { directives: { ...directives, scriptSrc: ["'self'", REDOC_CDN], workerSrc: ["'self'", 'blob:'] } },
  });
  return (req, res, next) => (req.path === '/redoc' ? redoc : api)(req, res, next);
}

/** The worker role serves only probes and docs; API routes answer 404 there. */
function apiRoutesOff(req: Request, _res: Response, next: NextFunction): void {
  next(req.path.startsWith('/api/') ? new AppException('NOT_FOUND', 'This instance runs only the worker role') : undefined);
}

function setUpDocs(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Video generation job service')
      .setDescription(
        'Turns a video request (topic, context, quality, options) into a finished MP4. Every error uses the one envelope `{ error: { message, error_code, details, timestamp, path, request_id } }`.',
      )
      .setVersion('1.0.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Clerk session token' }, 'clerk')
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'Internal services' }, 'api-key')
      .build(),
    { extraModels: [ErrorEnvelope] },
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', customSiteTitle: 'Video job service API' });
  const http = app.getHttpAdapter();
  http.get('/openapi.json', (_req: Request, res: Response) => res.json(document));
  http.get('/redoc', (_req: Request, res: Response) => res.type('html').send(REDOC_PAGE));
}

const REDOC_CDN = 'https://cdn.redoc.ly';
const REDOC_PAGE = `<!doctype html><html><head><title>Video job service API</title><meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"></head><body>
<redoc spec-url="/openapi.json"></redoc><script src="${REDOC_CDN}/redoc/latest/bundles/redoc.standalone.js"></script>
</body></html>`;
