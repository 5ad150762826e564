import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { readFileSync } from 'node:fs';
import { ErrorEnvelope } from '../common/error-envelope';
import { asyncApiFor, buildAsyncApiDocument } from './asyncapi';

/** Every tag an operation uses, in reading order; the e2e contract test fails on an operation whose tag is missing here. */
const TAGS: Array<[name: string, description: string]> = [
  ['videos', 'Submit a video request, follow it, and fetch the finished MP4, its thumbnail, captions and metadata.'],
  ['jobs', 'The caller\'s jobs: list, read, cancel, delete, logs, and live updates as Server-Sent Events.'],
  ['batches', 'Up to 50 video requests submitted together, validated all-or-nothing, followed as one.'],
  ['uploads', 'Images, audio and text documents to use in videos (custom_config refers to them by file_id).'],
  ['configurations', 'Named, validated sets of request settings, reused by configuration_id.'],
  ['dashboard', 'The caller\'s job figures and newest jobs.'],
  ['users', 'The caller\'s identity and preferences.'],
  ['system', 'Operators: every user\'s jobs, queue and request figures (admins and API keys), dependency health, Prometheus.'],
  ['health', 'Kubernetes liveness and readiness probes: no credentials, no rate limit.'],
];

const REDOC_BUNDLE_PATH = '/redoc/redoc.standalone.js';
/**
 * ReDoc 2 puts Redocly's logo from their CDN in its side menu, with no option to leave it out. An empty data: image
 * takes its place (the menu then shows the credit without the logo), so the page loads nothing from another origin.
 */
export const REDOC_CDN_LOGO = 'https://cdn.redoc.ly/redoc/logo-mini.svg';
const REDOC_PAGE = `<!doctype html><html><head><title>Video job service API</title><meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"></head><body>
<redoc spec-url="/openapi.json"></redoc><script src="${REDOC_BUNDLE_PATH}"></script>
</body></html>`;

/**
 * The OpenAPI document (/openapi.json, /docs-json), Swagger UI at /docs, ReDoc at /redoc and the AsyncAPI document
 * of the real-time events (/asyncapi.json). Every page and asset is served from here (ReDoc's bundle from the
 * pinned `redoc` package), so the docs work offline and under the same-origin CSP.
 */
export function setUpDocs(app: INestApplication): void {
  const builder = new DocumentBuilder()
    .setTitle('Video generation job service')
    .setDescription(
      'Turns a video request (topic, context, quality, options) into a finished MP4. Every error uses the one envelope `{ error: { message, error_code, details, timestamp, path, request_id } }`.',
    )
    .setVersion('1.0.0')
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    // Relative: the API is wherever this document was fetched from, whatever host or proxy that was.
    .addServer('/', 'This instance')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Clerk session token' }, 'clerk')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'Internal services' }, 'api-key');
  for (const [name, description] of TAGS) builder.addTag(name, description);
  const document = markPublicOperations(SwaggerModule.createDocument(app, builder.build(), { extraModels: [ErrorEnvelope] }));

  const http = app.getHttpAdapter();
  // Swagger UI's /docs/index.html refers to its assets as if it were /docs (./docs/…), so they 404 there: send
  // browsers to /docs instead. Registered first, so it wins over the module's own route.
  http.get('/docs/index.html', (_req: Request, res: Response) => res.redirect(301, '/docs'));
  // No validator badge: it would load an image from another origin (and the CSP refuses it).
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: 'Video job service API',
    swaggerOptions: { validatorUrl: null },
  });
  const redocBundle = readFileSync(require.resolve('redoc/bundles/redoc.standalone.js'), 'utf8').replaceAll(REDOC_CDN_LOGO, 'data:,');
  http.get('/openapi.json', (_req: Request, res: Response) => res.json(document));
  // The real-time interfaces (Socket.IO /jobs, SSE), with the payload schemas of this same document.
  const asyncapi = buildAsyncApiDocument(document);
  http.get('/asyncapi.json', (req: Request, res: Response) => res.json(asyncApiFor(asyncapi, req)));
  http.get('/redoc', (_req: Request, res: Response) => res.type('html').send(REDOC_PAGE));
  http.get(REDOC_BUNDLE_PATH, (_req: Request, res: Response) => res.type('js').send(redocBundle));
}

/**
 * Authenticated routes declare their schemes through @ApiErrors; an operation that declares none is public (probes,
 * metrics, system health) and says so with `security: []`, so readers and generators never guess.
 */
function markPublicOperations(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const) {
      const operation = item[method];
      if (operation && !operation.security) operation.security = [];
    }
  }
  return document;
}
