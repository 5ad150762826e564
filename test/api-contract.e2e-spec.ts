import { readFileSync } from 'node:fs';
import { TestIssuer } from './support/tokens';
import { REDOC_CDN_LOGO } from '../src/docs/api-docs';
import { AZP, startTestApp, TestContext } from './support/test-app';
import { until } from './support/wait';

const valid = { topic: 'How rainbows form', context: 'Sunlight bends inside raindrops and splits into colours.' };

/** Authentication, validation and the error envelope, on an API-only instance (nothing renders here). */
describe('API contract: auth, validation, errors', () => {
  let ctx: TestContext;
  let alice: string;

  beforeAll(async () => {
    ctx = await startTestApp({ APP_ROLE: 'api', BODY_LIMIT: '32kb', MAX_ACTIVE_JOBS_PER_USER: '0', ADMIN_USER_IDS: 'user_admin' });
    alice = ctx.tokenFor('user_alice');
  });
  afterAll(() => ctx.close());

  const submit = (body: unknown, token = alice) =>
    ctx.http().post('/api/v1/videos/generate').set('Authorization', `Bearer ${token}`).send(body as object);

  function expectEnvelope(body: Record<string, any>, code: string, path: string) {
    expect(body.error).toEqual(
      expect.objectContaining({ error_code: code, path, message: expect.any(String), details: expect.any(Object) }),
    );
    expect(new Date(body.error.timestamp).toISOString()).toBe(body.error.timestamp);
    expect(body.error.request_id).toEqual(expect.any(String));
  }

  describe('401 UNAUTHORIZED', () => {
    const other = new TestIssuer();
    const cases: Array<[string, () => string | undefined]> = [
      ['no token', () => undefined],
      ['a garbage token', () => 'not.a.jwt'],
      ['an expired token', () => ctx.issuer.token({ sub: 'user_alice', azp: AZP }, { issuedAt: Math.floor(Date.now() / 1000) - 7200, expiresInSeconds: 3600 })],
      ['a token signed by another key', () => other.token({ sub: 'user_alice', azp: AZP })],
      ['a token for another authorized party', () => ctx.issuer.token({ sub: 'user_alice', azp: 'https://evil.example' })],
      ['a token without azp while parties are configured', () => ctx.issuer.token({ sub: 'user_alice' })],
    ];
    test.each(cases)('%s', async (_name, token) => {
      const req = ctx.http().get('/api/v1/jobs');
      const res = await (token() ? req.set('Authorization', `Bearer ${token()}`) : req);
      expect(res.status).toBe(401);
      expectEnvelope(res.body, 'UNAUTHORIZED', '/api/v1/jobs');
    });

    test('a valid token passes', async () => {
      const res = await ctx.http().get('/api/v1/jobs').set('Authorization', `Bearer ${alice}`);
      expect(res.status).toBe(200);
    });
  });

  describe('422 VALIDATION_ERROR, one rule at a time', () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['topic missing', { context: valid.context }, 'topic'],
      ['topic blank after trimming', { ...valid, topic: '   \n ' }, 'topic'],
      ['topic over 500 characters', { ...valid, topic: 'x'.repeat(501) }, 'topic'],
      ['topic not a string', { ...valid, topic: 42 }, 'topic'],
      ['topic with control characters', { ...valid, topic: 'bad\u0000topic' }, 'topic'],
      ['context missing', { topic: valid.topic }, 'context'],
      ['context blank', { ...valid, context: '' }, 'context'],
      ['context over 2000 characters', { ...valid, context: 'y'.repeat(2001) }, 'context'],
      ['model over 100 characters', { ...valid, model: 'm'.repeat(101) }, 'model'],
      ['quality unknown', { ...valid, quality: '4k' }, 'quality'],
      ['use_rag not a boolean', { ...valid, use_rag: 'yes' }, 'use_rag'],
      ['custom_config not an object', { ...valid, custom_config: [1, 2] }, 'custom_config'],
      ['custom_config over 16 KiB', { ...valid, custom_config: { blob: 'z'.repeat(17 * 1024) } }, 'custom_config'],
      ['priority unknown', { ...valid, priority: 'urgent' }, 'priority'],
      ['webhook_url not https', { ...valid, webhook_url: 'http://example.com/hook' }, 'webhook_url'],
      ['an unknown field', { ...valid, colour: 'blue' }, 'colour'],
    ];
    test.each(cases)('%s', async (_name, body, field) => {
      const res = await submit(body);
      expect(res.status).toBe(422);
      expectEnvelope(res.body, 'VALIDATION_ERROR', '/api/v1/videos/generate');
      expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
    });

    test('a missing field is said to be required (not that it breaks the rules a value must follow)', async () => {
      const res = await submit({ quality: 'low' });
      expect(res.status).toBe(422);
      expect(res.body.error.message).toBe('Validation failed: topic is required; context is required');
      expect(res.body.error.details.fields).toEqual([
        { field: 'topic', errors: ['topic is required'] },
        { field: 'context', errors: ['context is required'] },
      ]);
    });

    test('500 characters of multi-byte topic is accepted (limits count characters, not bytes)', async () => {
      const res = await submit({ ...valid, topic: 'é'.repeat(500) });
      expect(res.status).toBe(201);
    });

    test('bad list query parameters', async () => {
      for (const q of ['page=0', 'items_per_page=101', 'status=done', 'sort=topic', 'created_after=yesterday']) {
        const res = await ctx.http().get(`/api/v1/jobs?${q}`).set('Authorization', `Bearer ${alice}`);
        expect([q, res.status]).toEqual([q, 422]);
        expect(res.body.error.error_code).toBe('VALIDATION_ERROR');
      }
    });

    test('a malformed Idempotency-Key', async () => {
      const res = await submit(valid).set('Idempotency-Key', 'x'.repeat(256));
      expect(res.status).toBe(422);
    });
  });

  test('413 PAYLOAD_TOO_LARGE for a body over the limit', async () => {
    const res = await submit({ ...valid, context: 'a'.repeat(40 * 1024) });
    expect(res.status).toBe(413);
    expectEnvelope(res.body, 'PAYLOAD_TOO_LARGE', '/api/v1/videos/generate');
  });

  test('415 UNSUPPORTED_MEDIA_TYPE for a non-JSON body', async () => {
    const res = await ctx
      .http()
      .post('/api/v1/videos/generate')
      .set('Authorization', `Bearer ${alice}`)
      .set('Content-Type', 'text/plain')
      .send('topic=x&context=y');
    expect(res.status).toBe(415);
    expectEnvelope(res.body, 'UNSUPPORTED_MEDIA_TYPE', '/api/v1/videos/generate');
  });

  test('malformed JSON is a 422 in the envelope', async () => {
    const res = await ctx
      .http()
      .post('/api/v1/videos/generate')
      .set('Authorization', `Bearer ${alice}`)
      .set('Content-Type', 'application/json')
      .send('{"topic": ');
    expect(res.status).toBe(422);
    expectEnvelope(res.body, 'VALIDATION_ERROR', '/api/v1/videos/generate');
  });

  test('unknown route is 404 in the envelope, and X-Request-Id is echoed', async () => {
    const res = await ctx.http().get('/api/v1/nope').set('X-Request-Id', 'req-123');
    expect(res.status).toBe(404);
    expect(res.headers['x-request-id']).toBe('req-123');
    expectEnvelope(res.body, 'NOT_FOUND', '/api/v1/nope');
    expect(res.body.error.request_id).toBe('req-123');
  });

  test('every response carries an X-Request-Id', async () => {
    const res = await ctx.http().get('/health/live');
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("another user's job is 404 on every route, the owner's is not", async () => {
    const created = await submit(valid);
    expect(created.status).toBe(201);
    const id = created.body.job_id as string;
    const bob = ctx.tokenFor('user_bob');
    const routes: Array<[string, string]> = [
      ['get', `/api/v1/jobs/${id}`],
      ['get', `/api/v1/videos/jobs/${id}/status`],
      ['get', `/api/v1/videos/jobs/${id}/download`],
      ['get', `/api/v1/videos/jobs/${id}/metadata`],
      ['get', `/api/v1/videos/jobs/${id}/thumbnail`],
      ['get', `/api/v1/jobs/${id}/logs`],
      ['post', `/api/v1/jobs/${id}/cancel`],
      ['delete', `/api/v1/jobs/${id}`],
    ];
    for (const [method, path] of routes) {
      const res = await (ctx.http() as any)[method](path).set('Authorization', `Bearer ${bob}`);
      expect([path, res.status, res.body.error?.error_code]).toEqual([path, 404, 'NOT_FOUND']);
    }
    const own = await ctx.http().get(`/api/v1/jobs/${id}`).set('Authorization', `Bearer ${alice}`);
    expect(own.status).toBe(200);
    const listed = await ctx.http().get('/api/v1/jobs').set('Authorization', `Bearer ${bob}`);
    expect(listed.body.data.map((j: { job_id: string }) => j.job_id)).not.toContain(id);
  });

  test('a job id that is not a UUID is simply not found', async () => {
    const res = await ctx.http().get('/api/v1/jobs/..%2F..%2Fetc%2Fpasswd').set('Authorization', `Bearer ${alice}`);
    expect(res.status).toBe(404);
  });

  test('submit answers 201 with Location and the queued job; status has a queue position', async () => {
    const scenes = [{ title: '✓ ünïcödé 🎬', text: 'Ünïcödé text survives the round trip: 日本語, عربى, emoji 🎬.' }];
    const admin = ctx.tokenFor('user_admin'); // `high` is for admins (and API keys with jobs:priority)
    const res = await submit({ ...valid, quality: 'low', priority: 'high', custom_config: { scenes } }, admin);
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/api/v1/jobs/${res.body.job_id}`);
    expect(res.body).toEqual(
      expect.objectContaining({
        status: 'queued',
        job_type: 'video_generation',
        progress: 0,
        priority: 'high',
        user_id: 'user_admin',
        configuration: expect.objectContaining({ quality: 'low', use_rag: false, custom_config: { scenes } }),
      }),
    );
    expect(Date.parse(res.body.estimated_completion)).toBeGreaterThan(Date.parse(res.body.created_at));
    const status = await ctx.http().get(`/api/v1/videos/jobs/${res.body.job_id}/status`).set('Authorization', `Bearer ${admin}`);
    expect(status.status).toBe(200);
    expect(status.body.queue_position).toBe(1); // high priority goes first
  });

  test('metadata and download of a job that is not completed are 409 JOB_NOT_COMPLETED', async () => {
    const created = await submit(valid);
    for (const path of ['download', 'metadata', 'thumbnail']) {
      const res = await ctx.http().get(`/api/v1/videos/jobs/${created.body.job_id}/${path}`).set('Authorization', `Bearer ${alice}`);
      expect([path, res.status, res.body.error.error_code]).toEqual([path, 409, 'JOB_NOT_COMPLETED']);
    }
  });

  test('Idempotency-Key: same body returns the first job, another body is 409', async () => {
    const first = await submit(valid).set('Idempotency-Key', 'order-42');
    const again = await submit(valid).set('Idempotency-Key', 'order-42');
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.job_id).toBe(first.body.job_id);
    const different = await submit({ ...valid, topic: 'Something else' }).set('Idempotency-Key', 'order-42');
    expect(different.status).toBe(409);
    expect(different.body.error.error_code).toBe('CONFLICT');
    const otherUser = await submit(valid, ctx.tokenFor('user_carol')).set('Idempotency-Key', 'order-42');
    expect(otherUser.body.job_id).not.toBe(first.body.job_id);
  });

  test('cancel a queued job, then cancelling again is 409 JOB_NOT_CANCELLABLE', async () => {
    const created = await submit(valid);
    const cancel = await ctx.http().post(`/api/v1/jobs/${created.body.job_id}/cancel`).set('Authorization', `Bearer ${alice}`);
    expect(cancel.status).toBe(200);
    expect(cancel.body.status).toBe('cancelled');
    const again = await ctx.http().post(`/api/v1/jobs/${created.body.job_id}/cancel`).set('Authorization', `Bearer ${alice}`);
    expect(again.status).toBe(409);
    expect(again.body.error.error_code).toBe('JOB_NOT_CANCELLABLE');
  });

  test('health probes and docs', async () => {
    expect((await ctx.http().get('/health/live')).status).toBe(200);
    const ready = await ctx.http().get('/health/ready');
    expect(ready.status).toBe(200);
    expect(Object.keys(ready.body.details)).toEqual(expect.arrayContaining(['redis', 'queue', 'storage', 'pipeline', 'disk', 'memory']));
    const system = await ctx.http().get('/api/v1/system/health');
    expect(system.status).toBe(200);
    expect(system.body.status).toBe('healthy');
    expect(JSON.stringify(system.body)).not.toContain('BEGIN PUBLIC KEY');
    const doc = await ctx.http().get('/openapi.json');
    expect(doc.status).toBe(200);
    const operations = Object.values(doc.body.paths as Record<string, Record<string, { operationId?: string }>>).flatMap((p) => Object.values(p));
    expect(operations.length).toBeGreaterThan(10);
    for (const op of operations) expect(op.operationId).toEqual(expect.any(String));
    expect(doc.body.components.securitySchemes).toEqual(expect.objectContaining({ clerk: expect.any(Object), 'api-key': expect.any(Object) }));
    expect((await ctx.http().get('/docs-json')).status).toBe(200);
    expect((await ctx.http().get('/docs')).status).toBe(200);
    expect((await ctx.http().get('/redoc')).text).toContain('/openapi.json');
  });

  test('a stalled Redis (up, but not answering) is a 503 after REDIS_COMMAND_TIMEOUT_MS, not a request held until it answers', async () => {
    ctx.redis.freeze();
    try {
      const started = Date.now();
      const api = await ctx.http().get('/api/v1/jobs').set('Authorization', `Bearer ${alice}`).timeout(20_000);
      expect([api.status, api.body.error?.error_code, api.headers['retry-after']]).toEqual([503, 'SERVICE_UNAVAILABLE', '5']);
      expect(Date.now() - started).toBeLessThan(15_000); // the default 5 s, with room for a slow machine
    } finally {
      ctx.redis.thaw();
    }
    expect((await ctx.http().get('/api/v1/jobs').set('Authorization', `Bearer ${alice}`)).status).toBe(200);
  });

  test('readiness answers 503 while Redis is down, and recovers when it is back', async () => {
    await ctx.redis.stop();
    const down = await ctx.http().get('/health/ready');
    expect(down.status).toBe(503);
    const api = await ctx.http().get('/api/v1/jobs').set('Authorization', `Bearer ${alice}`);
    expect(api.status).toBeGreaterThanOrEqual(500);
    expect(api.body.error.error_code).toEqual(expect.any(String));
    expect(JSON.stringify(api.body)).not.toMatch(/ECONNREFUSED|at .*\.js/);
    await ctx.redis.restart();
    await until('ready again', async () => (await ctx.http().get('/health/ready')).status === 200, 15_000);
    const jobs = await ctx.http().get('/api/v1/jobs').set('Authorization', `Bearer ${alice}`);
    expect(jobs.status).toBe(200);
    expect(jobs.body.total_count).toBeGreaterThan(0); // AOF kept the data across the restart
  });
});

type Operation = {
  operationId: string;
  security?: Array<Record<string, string[]>>;
  tags?: string[];
  requestBody?: { content: Record<string, { example?: unknown; examples?: Record<string, { value: unknown }> }> };
  responses: Record<string, { description: string; content?: Record<string, { schema?: Record<string, unknown> }>; headers?: Record<string, unknown> }>;
};
type OpenApi = {
  servers: Array<{ url: string }>;
  tags: Array<{ name: string; description?: string }>;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Record<string, unknown>> };
};

/** Clients are generated from these ids: a route may be added, never renamed. */
const STABLE_OPERATION_IDS: Record<string, string> = {
  'post /api/v1/videos/generate': 'generateVideo',
  'get /api/v1/videos/jobs/{job_id}/status': 'getJobStatus',
  'get /api/v1/videos/jobs/{job_id}/download': 'downloadVideo',
  'get /api/v1/videos/jobs/{job_id}/metadata': 'getVideoMetadata',
  'get /api/v1/videos/jobs/{job_id}/captions': 'getVideoCaptions',
  'post /api/v1/videos/jobs/{job_id}/download-url': 'createDownloadUrls',
  'get /api/v1/videos/jobs/{job_id}/thumbnail': 'getVideoThumbnail',
  'get /api/v1/jobs': 'listJobs',
  'get /api/v1/jobs/{job_id}': 'getJob',
  'post /api/v1/jobs/{job_id}/cancel': 'cancelJob',
  'delete /api/v1/jobs/{job_id}': 'deleteJob',
  'get /api/v1/jobs/{job_id}/logs': 'getJobLogs',
  'get /api/v1/jobs/{job_id}/events': 'streamJobEvents',
  'post /api/v1/videos/batch': 'generateVideoBatch',
  'get /api/v1/batches': 'listBatches',
  'get /api/v1/batches/{batch_id}': 'getBatch',
  'post /api/v1/batches/{batch_id}/cancel': 'cancelBatch',
  'delete /api/v1/batches/{batch_id}': 'deleteBatch',
  'post /api/v1/uploads/content': 'uploadContent',
  'get /api/v1/uploads': 'listUploads',
  'get /api/v1/uploads/{file_id}': 'getUpload',
  'delete /api/v1/uploads/{file_id}': 'deleteUpload',
  'post /api/v1/configurations': 'createConfiguration',
  'get /api/v1/configurations': 'listConfigurations',
  'get /api/v1/configurations/{configuration_id}': 'getConfiguration',
  'put /api/v1/configurations/{configuration_id}': 'replaceConfiguration',
  'delete /api/v1/configurations/{configuration_id}': 'deleteConfiguration',
  'get /api/v1/dashboard/stats': 'getDashboardStats',
  'get /api/v1/dashboard/recent-jobs': 'getRecentJobs',
  'get /api/v1/users/me': 'getMe',
  'get /api/v1/users/me/preferences': 'getPreferences',
  'put /api/v1/users/me/preferences': 'putPreferences',
  'get /api/v1/system/health': 'getSystemHealth',
  'get /api/v1/system/jobs': 'listAllJobs',
  'post /api/v1/system/jobs/{job_id}/cancel': 'cancelAnyJob',
  'get /api/v1/system/metrics': 'getSystemMetrics',
  'get /api/v1/system/queue-status': 'getQueueStatus',
  'get /metrics': 'prometheusMetrics',
  'get /health/live': 'liveness',
  'get /health/ready': 'readiness',
};

/** Where a page may point without loading anything from another origin: same-origin paths, fragments, data: URIs. */
const OTHER_ORIGIN = /^(?:[a-z][a-z0-9+.-]*:)?\/\//i;
const ASSET_TYPES: Record<string, RegExp> = {
  '.js': /^(application|text)\/javascript\b/,
  '.css': /^text\/css\b/,
  '.png': /^image\/png\b/,
  '.svg': /^image\/svg\+xml\b/,
  '.ico': /^image\/(x-icon|vnd\.microsoft\.icon)\b/,
  '.json': /^application\/json\b/,
};

/** The OpenAPI document as served, checked for what generators and readers rely on, against the running service. */
describe('API contract: the OpenAPI document and the docs pages', () => {
  let ctx: TestContext;
  let doc: OpenApi;
  let token: string;
  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ method, path, op })));

  beforeAll(async () => {
    // Every secured route is probed without credentials here: keep the failed-authentication limiter out of the way.
    ctx = await startTestApp({ APP_ROLE: 'api', AUTH_FAILURES_PER_MINUTE: '1000', ADMIN_USER_IDS: 'user_admin' });
    token = ctx.tokenFor('user_docs');
    doc = (await ctx.http().get('/openapi.json').expect(200)).body as OpenApi;
  });
  afterAll(() => ctx.close());

  test('/docs-json serves the same document', async () => {
    expect((await ctx.http().get('/docs-json').expect(200)).body).toEqual(doc);
  });

  test('operation ids are unique and the published ones unchanged', () => {
    const ids = operations().map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const byRoute = Object.fromEntries(operations().map(({ method, path, op }) => [`${method} ${path}`, op.operationId]));
    expect(byRoute).toEqual(expect.objectContaining(STABLE_OPERATION_IDS));
  });

  test('servers is relative, and every tag in use is declared with a description', () => {
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
    const declared = new Map(doc.tags.map((t) => [t.name, t.description]));
    for (const { path, op } of operations()) {
      expect(op.tags?.length).toBeGreaterThan(0);
      for (const tag of op.tags ?? []) expect([path, tag, declared.get(tag)]).toEqual([path, tag, expect.stringMatching(/\w{3}/)]);
    }
  });

  test('security says what each route enforces: public ones `security: []`, the others 401 without credentials', async () => {
    const publicIds: string[] = [];
    for (const { method, path, op } of operations()) {
      const url = path.replace(/\{[^}]+\}/g, '3f0e4c1a-0b6f-4d55-9c55-0b7f4c1f2a11');
      const res = await (ctx.http() as any)[method](url);
      if (op.security?.length === 0) {
        publicIds.push(op.operationId);
        expect([op.operationId, res.status]).not.toEqual([op.operationId, 401]);
      } else {
        expect([op.operationId, op.security?.length, res.status]).toEqual([op.operationId, expect.any(Number), 401]);
        for (const status of ['401', '429']) {
          expect([op.operationId, status, op.responses[status]?.content]).toEqual([
            op.operationId,
            status,
            { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } },
          ]);
        }
      }
    }
    expect(publicIds).toEqual(expect.arrayContaining(['liveness', 'readiness', 'getSystemHealth', 'prometheusMetrics']));
  });

  test('every 201 names its Location header; every response is described', () => {
    let created = 0;
    for (const { op } of operations()) {
      for (const [status, response] of Object.entries(op.responses)) {
        expect([op.operationId, status, response.description]).toEqual([op.operationId, status, expect.stringMatching(/\w/)]);
        if (status !== '201') continue;
        created += 1;
        expect([op.operationId, response.headers?.Location]).toEqual([op.operationId, expect.objectContaining({ schema: { type: 'string', example: expect.any(String) } })]);
      }
    }
    expect(created).toBeGreaterThanOrEqual(4);
  });

  test('files are documented with their media types, byte ranges and cache answers; their errors stay JSON', () => {
    const files: Record<string, string> = {
      downloadVideo: 'video/mp4',
      getVideoThumbnail: 'image/jpeg',
      getVideoCaptions: 'text/vtt',
    };
    for (const { op } of operations().filter(({ op }) => op.operationId in files)) {
      const type = files[op.operationId];
      expect(Object.keys(op.responses['200'].content ?? {})).toEqual([type]);
      expect(Object.keys(op.responses['206'].content ?? {})).toEqual([type]);
      expect(op.responses['200'].headers).toEqual(expect.objectContaining({ ETag: expect.any(Object), 'Accept-Ranges': expect.any(Object) }));
      expect(op.responses['206'].headers).toEqual(expect.objectContaining({ 'Content-Range': expect.any(Object) }));
      expect(op.responses['304']).toEqual(expect.objectContaining({ headers: { ETag: expect.any(Object) } }));
      expect(op.responses['304'].content).toBeUndefined();
      expect(op.responses['416'].headers).toEqual({ 'Content-Range': expect.any(Object) });
      for (const status of ['404', '409', '416']) expect(Object.keys(op.responses[status].content ?? {})).toEqual(['application/json']);
    }
  });

  test('the event stream is text/event-stream of JobUpdateEvent, and a real event matches that schema', async () => {
    const op = doc.paths['/api/v1/jobs/{job_id}/events'].get;
    expect(op.responses['200'].content).toEqual({ 'text/event-stream': { schema: { $ref: '#/components/schemas/JobUpdateEvent' } } });
    expect(Object.keys(op.responses['404'].content ?? {})).toEqual(['application/json']);
    const schema = doc.components.schemas.JobUpdateEvent as { properties: Record<string, unknown>; required: string[] };

    const job = await ctx.http().post('/api/v1/videos/generate').set('Authorization', `Bearer ${token}`).send(valid).expect(201);
    const abort = new AbortController();
    const res = await fetch(`${ctx.url}/api/v1/jobs/${job.body.job_id}/events`, { headers: { Authorization: `Bearer ${token}` }, signal: abort.signal });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    while (!/event: job\.update\ndata: .*\n\n/.test(text)) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += Buffer.from(chunk.value).toString('utf8');
    }
    abort.abort();
    const data = JSON.parse(/event: job\.update\ndata: (.*)\n/.exec(text)![1]) as Record<string, unknown>;
    expect(Object.keys(data).sort()).toEqual(Object.keys(schema.properties).sort());
    expect(schema.required.sort()).toEqual(Object.keys(data).sort());
    expect(data).toEqual(expect.objectContaining({ job_id: job.body.job_id, status: 'queued' }));
  });

  test('no untyped or empty schemas: every object has properties, or typed or described additional properties', () => {
    const problems: string[] = [];
    const visit = (node: unknown, where: string, isSchema: boolean): void => {
      if (!node || typeof node !== 'object') return;
      if (Array.isArray(node)) return node.forEach((item, i) => visit(item, `${where}/${i}`, isSchema));
      const schema = node as Record<string, unknown>;
      if (isSchema) {
        const shaped = ['type', '$ref', 'allOf', 'oneOf', 'anyOf', 'enum', 'properties'].some((key) => key in schema);
        if (!shaped) problems.push(`${where}: untyped ${JSON.stringify(schema)}`);
        const extra = schema.additionalProperties;
        const extraDescribed = (typeof extra === 'object' && extra !== null) || (extra === true && typeof schema.description === 'string');
        if (schema.type === 'object' && !schema.properties && !extraDescribed) problems.push(`${where}: object without properties`);
      }
      for (const [key, child] of Object.entries(schema)) {
        if (key === 'example' || key === 'examples') continue;
        const childIsSchema =
          key === 'schema' || key === 'items' || key === 'additionalProperties' || key === 'not' || (isSchema && ['allOf', 'oneOf', 'anyOf'].includes(key));
        if (isSchema && key === 'properties') {
          for (const [name, property] of Object.entries(child as Record<string, unknown>)) visit(property, `${where}/properties/${name}`, true);
        } else visit(child, `${where}/${key}`, childIsSchema && typeof child === 'object');
      }
    };
    visit(doc.paths, '#/paths', false);
    for (const [name, schema] of Object.entries(doc.components.schemas)) visit(schema, `#/components/schemas/${name}`, true);
    expect(problems).toEqual([]);
  });

  test('every request body has an example, and each JSON example is accepted as it stands', async () => {
    const ids: Record<string, string> = {};
    // Creations first, so a replacement example has something to replace.
    const withBodies = operations()
      .filter(({ op }) => op.requestBody)
      .sort((a, b) => Number(a.method !== 'post') - Number(b.method !== 'post'));
    expect(withBodies.length).toBeGreaterThanOrEqual(6);
    for (const { method, path, op } of withBodies) {
      for (const [type, media] of Object.entries(op.requestBody!.content)) {
        const examples = media.examples ? Object.values(media.examples).map((e) => e.value) : [media.example];
        expect([op.operationId, type, examples.length, examples[0]]).toEqual([op.operationId, type, expect.any(Number), expect.anything()]);
        if (type !== 'application/json') continue;
        for (const example of examples) {
          const url = path.replace(/\{([^}]+)\}/g, (_m, name: string) => ids[name] ?? `missing-${name}`);
          const res = await (ctx.http() as any)[method](url).set('Authorization', `Bearer ${token}`).send(example);
          expect([op.operationId, res.status, res.body?.error]).toEqual([op.operationId, expect.any(Number), undefined]);
          expect(res.status).toBeLessThan(300);
          if (res.body?.configuration_id) ids.configuration_id = res.body.configuration_id;
        }
      }
    }
  });

  describe('HTML pages load nothing from another origin and work under the CSP', () => {
    const admin = () => ctx.tokenFor('user_admin');
    const pages: Array<{ path: string; html: string; csp: string }> = [];

    beforeAll(async () => {
      // Every GET route without parameters outside /api/v1 (API routes answer JSON): the HTML ones are the pages.
      const express = ctx.app.getHttpAdapter().getInstance() as { router: { stack: Array<{ route?: { path: unknown; methods: Record<string, boolean> } }> } };
      const paths = express.router.stack
        .flatMap((layer) => (layer.route?.methods.get ? [layer.route.path].flat() : []))
        .filter((path): path is string => typeof path === 'string' && !/[:*(]/.test(path) && !path.startsWith('/api/'));
      for (const path of new Set(paths)) {
        const res = await ctx.http().get(path).set('Authorization', `Bearer ${admin()}`);
        if (/^text\/html/.test(res.headers['content-type'] ?? '')) {
          expect([path, res.status]).toEqual([path, 200]);
          pages.push({ path, html: res.text, csp: res.headers['content-security-policy'] ?? '' });
        }
      }
    });

    const references = (html: string) => [
      ...[...html.matchAll(/\s(?:src|href|spec-url|data-src|srcset|poster|action)\s*=\s*["']?([^"'\s>]+)/gi)].map((m) => m[1]),
      ...[...html.matchAll(/url\(\s*["']?([^"')]+)/gi)].map((m) => m[1]),
      ...[...html.matchAll(/@import\s+["']([^"']+)/gi)].map((m) => m[1]),
    ];

    test('/docs, /redoc and the web console (/console) are among them', () => {
      expect(pages.map((p) => p.path)).toEqual(expect.arrayContaining(['/docs', '/redoc', '/console']));
    });

    test('no page refers to another origin', () => {
      for (const page of pages) {
        const foreign = references(page.html).filter((url) => OTHER_ORIGIN.test(url) && !url.startsWith('data:'));
        expect([page.path, foreign]).toEqual([page.path, []]);
      }
    });

    test('every asset a page refers to answers 200 with the content type of its kind', async () => {
      let checked = 0;
      for (const page of pages) {
        for (const ref of references(page.html).filter((url) => !url.startsWith('data:') && !url.startsWith('#'))) {
          const url = new URL(ref, `http://self.invalid${page.path}`); // resolved as a browser would
          const res = await ctx.http().get(url.pathname + url.search);
          const kind = ASSET_TYPES[/\.[a-z]+$/.exec(url.pathname)?.[0] ?? ''] ?? /^application\/json\b/; // ReDoc's spec-url
          expect([page.path, ref, res.status, res.headers['content-type']]).toEqual([page.path, ref, 200, expect.stringMatching(kind)]);
          checked += 1;
        }
      }
      expect(checked).toBeGreaterThanOrEqual(5);
    });

    test('the CSP lets them run: scripts only from files of this origin, no inline scripts or handlers', () => {
      for (const page of pages) {
        expect(page.csp).toMatch(/script-src 'self'(;|$)/);
        expect(page.csp).toMatch(/script-src-attr 'none'/);
        for (const [, attributes, body] of page.html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
          expect([page.path, /\ssrc=/.test(attributes), body.trim()]).toEqual([page.path, true, '']);
        }
        expect([page.path, /<[a-z][^>]*\son[a-z]+\s*=/i.test(page.html)]).toEqual([page.path, false]);
      }
      // ReDoc runs its search index in a worker it starts from a blob: URL.
      expect(pages.find((p) => p.path === '/redoc')?.csp).toMatch(/worker-src 'self' blob:/);
    });

    test("/redoc's script is the pinned redoc package's standalone bundle, its CDN logo left out", async () => {
      const script = /<script src="([^"]+)"><\/script>/.exec(pages.find((p) => p.path === '/redoc')!.html)![1];
      const res = await ctx.http().get(script).buffer(true).parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => done(null, Buffer.concat(chunks)));
      });
      expect(res.status).toBe(200);
      const bundle = readFileSync(require.resolve('redoc/bundles/redoc.standalone.js'), 'utf8');
      expect(bundle).toContain(REDOC_CDN_LOGO);
      const served = (res.body as Buffer).toString('utf8');
      expect(served).toBe(bundle.replaceAll(REDOC_CDN_LOGO, 'data:,'));
      expect(served).not.toContain('cdn.redoc.ly');
    });
  });
});
