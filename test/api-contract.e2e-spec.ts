import { TestIssuer } from './support/tokens';
import { AZP, startTestApp, TestContext } from './support/test-app';

const valid = { topic: 'How rainbows form', context: 'Sunlight bends inside raindrops and splits into colours.' };

/** Authentication, validation and the error envelope, on an API-only instance (nothing renders here). */
describe('API contract: auth, validation, errors', () => {
  let ctx: TestContext;
  let alice: string;

  beforeAll(async () => {
    ctx = await startTestApp({ APP_ROLE: 'api', BODY_LIMIT: '32kb' });
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
    const res = await submit({ ...valid, quality: 'low', priority: 'high', custom_config: { scenes } });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/api/v1/jobs/${res.body.job_id}`);
    expect(res.body).toEqual(
      expect.objectContaining({
        status: 'queued',
        job_type: 'video_generation',
        progress: 0,
        priority: 'high',
        user_id: 'user_alice',
        configuration: expect.objectContaining({ quality: 'low', use_rag: false, custom_config: { scenes } }),
      }),
    );
    expect(Date.parse(res.body.estimated_completion)).toBeGreaterThan(Date.parse(res.body.created_at));
    const status = await ctx.http().get(`/api/v1/videos/jobs/${res.body.job_id}/status`).set('Authorization', `Bearer ${alice}`);
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

  test('readiness answers 503 while Redis is down, and recovers when it is back', async () => {
    await ctx.redis.stop();
    const down = await ctx.http().get('/health/ready');
    expect(down.status).toBe(503);
    const api = await ctx.http().get('/api/v1/jobs').set('Authorization', `Bearer ${alice}`);
    expect(api.status).toBeGreaterThanOrEqual(500);
    expect(api.body.error.error_code).toEqual(expect.any(String));
    expect(JSON.stringify(api.body)).not.toMatch(/ECONNREFUSED|at .*\.js/);
    await ctx.redis.restart();
    const deadline = Date.now() + 15_000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      status = (await ctx.http().get('/health/ready')).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(200);
    const jobs = await ctx.http().get('/api/v1/jobs').set('Authorization', `Bearer ${alice}`);
    expect(jobs.status).toBe(200);
    expect(jobs.body.total_count).toBeGreaterThan(0); // AOF kept the data across the restart
  });
});
