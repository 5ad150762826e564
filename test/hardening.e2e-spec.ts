import Redis from 'ioredis';
import { createHash } from 'node:crypto';
import { rootLoggerOf } from '../src/common/logging';
import { TokenVerifier } from '../src/auth/token-verifier';
import { JobUpdates, VgsApiError } from '../clients/typescript/src';
import { RecordingSocket } from './support/sockets';
import { AZP, startTestApp, TestContext } from './support/test-app';
import { TestIssuer } from './support/tokens';

/** `depth` objects nested inside each other: {"a":{"a":…{}…}}. */
const nested = (depth: number): string => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);

/** Hostile input answered in the envelope, never a 500, on an API-only instance (nothing renders here). */
describe('hardening: hostile bodies', () => {
  let ctx: TestContext;
  let alice: string;

  beforeAll(async () => {
    ctx = await startTestApp({ APP_ROLE: 'api' });
    alice = ctx.tokenFor('user_alice');
  });
  afterAll(() => ctx.close());

  const send = (method: 'post' | 'put', path: string, raw: string) =>
    ctx.http()[method](path).set('Authorization', `Bearer ${alice}`).set('Content-Type', 'application/json').send(raw);

  test('a body typed application/<x>+json is parsed as JSON, not taken for an empty one', async () => {
    const typed = (method: 'post' | 'put', path: string, body: unknown) =>
      ctx.http()[method](path).set('Authorization', `Bearer ${ctx.tokenFor('user_typed')}`).set('Content-Type', 'application/vnd.api+json').send(JSON.stringify(body));
    const prefs = await typed('put', '/api/v1/users/me/preferences', { default_quality: 'high' });
    expect([prefs.status, prefs.body.default_quality]).toEqual([200, 'high']);
    const job = await typed('post', '/api/v1/videos/generate', { topic: 'Typed', context: 'A vendor JSON type.' });
    expect([job.status, job.body.configuration?.topic]).toEqual([201, 'Typed']);
  });

  const deep = nested(5000);
  const routes: Array<[string, 'post' | 'put', string, string]> = [
    ['generate', 'post', '/api/v1/videos/generate', `{"topic":"Deep","context":"Nesting.","custom_config":${deep}}`],
    ['batch', 'post', '/api/v1/videos/batch', `{"jobs":[{"topic":"Deep","context":"Nesting.","custom_config":${deep}}]}`],
    ['configurations', 'post', '/api/v1/configurations', `{"name":"deep","settings":{"custom_config":${deep}}}`],
    ['preferences', 'put', '/api/v1/users/me/preferences', `{"notifications":${deep}}`],
    ['an array body', 'post', '/api/v1/videos/generate', '['.repeat(5000) + ']'.repeat(5000)],
  ];

  test.each(routes)('5,000-deep JSON (%s) is a 422 VALIDATION_ERROR in the envelope', async (_name, method, path, raw) => {
    const res = await send(method, path, raw);
    expect(res.status).toBe(422);
    expect(res.body.error).toEqual(expect.objectContaining({ error_code: 'VALIDATION_ERROR', path, request_id: expect.any(String) }));
    expect(res.body.error.message).toMatch(/nest/i);
  });

  test('nothing was created; a body within the limit reaches validation', async () => {
    for (const list of ['/api/v1/jobs', '/api/v1/configurations']) {
      const res = await ctx.http().get(list).set('Authorization', `Bearer ${alice}`);
      expect([res.status, res.body.data]).toEqual([200, []]);
    }
    const shallow = await send('post', '/api/v1/configurations', `{"name":"fine","settings":{"custom_config":${nested(10)}}}`);
    expect(shallow.status).toBe(422);
    expect(shallow.body.error.details.fields).toEqual([expect.objectContaining({ field: 'settings.custom_config.a' })]);
  });

  test.each([
    ['__proto__', '{"topic":"T","context":"C","__proto__":{"isAdmin":true}}', '__proto__'],
    ['constructor', '{"topic":"T","context":"C","custom_config":{"scenes":[{"title":"x","constructor":{"prototype":{}}}]}}', 'custom_config.scenes[0].constructor'],
    ['prototype', '{"topic":"T","context":"C","prototype":1}', 'prototype'],
  ])('a %s key anywhere in a body is a 422 naming it (never silently dropped)', async (key, raw, field) => {
    const res = await send('post', '/api/v1/videos/generate', raw);
    expect([res.status, res.body.error.error_code, res.body.error.details.fields]).toEqual([422, 'VALIDATION_ERROR', [{ field, errors: [`"${key}" is not an allowed key`] }]]);
  });
});

/** helmet's headers on every answer; the docs pages still load their scripts and styles. */
describe('hardening: security headers', () => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await startTestApp({ APP_ROLE: 'api' });
  });
  afterAll(() => ctx.close());

  const expectSecurityHeaders = (headers: Record<string, string>) => {
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['content-security-policy']).toEqual(expect.stringContaining("default-src 'self'"));
    expect(headers['x-powered-by']).toBeUndefined();
  };

  test('on an API answer and on errors', async () => {
    const ok = await ctx.http().get('/api/v1/jobs').set('Authorization', `Bearer ${ctx.tokenFor('user_alice')}`);
    expect(ok.status).toBe(200);
    expectSecurityHeaders(ok.headers);
    const unauthorized = await ctx.http().get('/api/v1/jobs');
    expect(unauthorized.status).toBe(401);
    expectSecurityHeaders(unauthorized.headers);
    const missing = await ctx.http().get('/no/such/route');
    expect(missing.status).toBe(404);
    expectSecurityHeaders(missing.headers);
  });

  test('/docs renders: its page and every asset it names load, and its CSP allows them', async () => {
    const page = await ctx.http().get('/docs');
    expect(page.status).toBe(200);
    expectSecurityHeaders(page.headers);
    const csp = page.headers['content-security-policy'];
    const assets = [...(page.text as string).matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((u) => !/^(https?:|data:|#)/.test(u));
    expect(assets.length).toBeGreaterThan(2);
    for (const asset of assets) {
      const res = await ctx.http().get(new URL(asset, `${ctx.url}/docs`).pathname);
      expect([asset, res.status]).toEqual([asset, 200]);
      expectSecurityHeaders(res.headers);
    }
    // The page has inline <style>s; each script it runs is a file served from here.
    if (/<style/.test(page.text)) expect(csp).toMatch(/style-src[^;]*'unsafe-inline'/);
    expect(page.text).not.toMatch(/<script>(?!\s*<\/script>)/);
  });

  test('/redoc loads its bundle from this origin only, and may run its search worker', async () => {
    const page = await ctx.http().get('/redoc');
    expect(page.status).toBe(200);
    expectSecurityHeaders(page.headers);
    const csp = page.headers['content-security-policy'];
    expect(csp).toMatch(/script-src 'self';/);
    expect(csp).not.toMatch(/https?:\/\//);
    expect(csp).toMatch(/worker-src[^;]*blob:/);
    const spec = await ctx.http().get('/openapi.json');
    expect(spec.status).toBe(200);
    expectSecurityHeaders(spec.headers);
  });
});

/**
 * Failed authentication is counted per client IP before verification. Past the limit, an IP's requests with
 * credentials are refused unverified, valid or not, until its minute ends; other IPs are untouched.
 */
describe('hardening: failed authentication is rate-limited', () => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await startTestApp({ APP_ROLE: 'api', AUTH_FAILURES_PER_MINUTE: '30' });
  });
  afterAll(() => ctx.close());

  // Signed by a key the service does not trust.
  const forged = new TestIssuer().token({ sub: 'user_mallory', azp: AZP });

  test('31 bad tokens from one IP: the 31st is a 429 with Retry-After, not verified; other IPs still authenticate', async () => {
    const knownToken = ctx.tokenFor('user_carol');
    expect((await ctx.http().get('/api/v1/jobs').set('Authorization', `Bearer ${knownToken}`)).status).toBe(200);
    for (let i = 0; i < 30; i++) {
      const res = await ctx.http().get('/api/v1/jobs').set('Authorization', `Bearer ${forged}`);
      expect(res.status).toBe(401);
    }
    const verify = jest.spyOn(ctx.app.get(TokenVerifier), 'verify');
    const limited = await ctx.http().get('/api/v1/jobs').set('Authorization', `Bearer ${forged}`);
    expect(limited.status).toBe(429);
    expect(limited.body.error).toEqual(expect.objectContaining({ error_code: 'RATE_LIMIT_EXCEEDED', request_id: expect.any(String) }));
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.body.error.details.retry_after_seconds).toBe(retryAfter);

    // The rule is per IP: while 127.0.0.1 is over its limit, even a valid token from it is refused unverified.
    const validSameIp = await ctx.http().get('/api/v1/jobs').set('Authorization', `Bearer ${ctx.tokenFor('user_alice')}`);
    expect(validSameIp.status).toBe(429);
    expect((await ctx.http().get('/api/v1/jobs').set('X-API-Key', 'sk-guess')).status).toBe(429);
    // A token this instance verified before the lockout is no guess: it is served from the cache, unverified.
    expect((await ctx.http().get('/api/v1/jobs').set('Authorization', `Bearer ${knownToken}`)).status).toBe(200);
    expect(verify).not.toHaveBeenCalled();

    // Another client (behind the one trusted proxy hop) is unaffected, and its failures are its own.
    const other = await ctx.http().get('/api/v1/jobs').set('X-Forwarded-For', '203.0.113.7').set('Authorization', `Bearer ${ctx.tokenFor('user_bob')}`);
    expect(other.status).toBe(200);
    const otherBad = await ctx.http().get('/api/v1/jobs').set('X-Forwarded-For', '203.0.113.7').set('Authorization', `Bearer ${forged}`);
    expect(otherBad.status).toBe(401);
    verify.mockRestore();

    // The counters live under the rate limiter's prefix and expire with their window.
    const redis = new Redis(ctx.redis.url);
    try {
      const key = 'vgs-test:throttle:auth-failures:127.0.0.1';
      expect(await redis.get(key)).toBe('30');
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    } finally {
      redis.disconnect();
    }
  });
});

/** Event streams and sockets skip the request rate limit (one request lives long): each is capped per user instead. */
describe('hardening: open event streams and sockets per user', () => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await startTestApp({ APP_ROLE: 'api', MAX_EVENT_STREAMS_PER_USER: '2', MAX_SOCKETS_PER_USER: '2' });
  });
  afterAll(() => ctx.close());

  const submit = async (token: string) =>
    (await ctx.http().post('/api/v1/videos/generate').set('Authorization', `Bearer ${token}`).send({ topic: 'Streams', context: 'Watched.' })).body.job_id as string;
  const open = (token: string, jobId: string) => {
    const abort = new AbortController();
    const response = fetch(`${ctx.url}/api/v1/jobs/${jobId}/events`, { headers: { Authorization: `Bearer ${token}` }, signal: abort.signal });
    return { response, close: () => abort.abort() };
  };

  test('past MAX_EVENT_STREAMS_PER_USER a stream is refused with 429 until one closes; other users are not affected', async () => {
    const mallory = ctx.tokenFor('user_stream_hog');
    const jobId = await submit(mallory);
    const first = open(mallory, jobId);
    const second = open(mallory, jobId);
    expect([(await first.response).status, (await second.response).status]).toEqual([200, 200]);

    const refused = await fetch(`${ctx.url}/api/v1/jobs/${jobId}/events`, { headers: { Authorization: `Bearer ${mallory}` } });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('30');
    const body = (await refused.json()) as { error: { error_code: string; message: string; details: Record<string, unknown> } };
    expect(body.error).toEqual(expect.objectContaining({ error_code: 'RATE_LIMIT_EXCEEDED', details: { max_event_streams: 2 } }));
    expect(body.error.message).toMatch(/Socket\.IO/);

    const carol = ctx.tokenFor('user_stream_carol');
    const theirs = open(carol, await submit(carol));
    expect((await theirs.response).status).toBe(200);
    theirs.close();

    // A stream closed by its client frees its place.
    first.close();
    const deadline = Date.now() + 5000;
    let again = open(mallory, jobId);
    while ((await again.response).status === 429 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      again = open(mallory, jobId);
    }
    expect((await again.response).status).toBe(200);
    again.close();
    second.close();
  });

  test('past MAX_SOCKETS_PER_USER a handshake fails with RATE_LIMIT_EXCEEDED until a socket closes; other users are not affected', async () => {
    const mallory = ctx.tokenFor('user_socket_hog');
    const held = [await RecordingSocket.connect(ctx.url, mallory), await RecordingSocket.connect(ctx.url, mallory)];
    const refused = await RecordingSocket.connect(ctx.url, mallory).then(
      () => undefined,
      (err: Error & { data?: { error_code?: string; message?: string } }) => err,
    );
    expect(refused?.data).toEqual({ error_code: 'RATE_LIMIT_EXCEEDED', message: expect.stringContaining('At most 2 connections') });
    // The SDK names it as it does the HTTP answer.
    const viaSdk = await JobUpdates.connect(ctx.url, { token: mallory, socket: { transports: ['websocket'] } }).catch((err: unknown) => err);
    expect(viaSdk).toBeInstanceOf(VgsApiError);
    expect(viaSdk).toEqual(expect.objectContaining({ status: 429, code: 'RATE_LIMIT_EXCEEDED' }));

    const carol = await RecordingSocket.connect(ctx.url, ctx.tokenFor('user_socket_carol'));
    carol.close();

    held[0].close();
    const deadline = Date.now() + 5000;
    let again: RecordingSocket | undefined;
    while (!again && Date.now() < deadline) {
      again = await RecordingSocket.connect(ctx.url, mallory).catch(() => undefined);
      if (!again) await new Promise((r) => setTimeout(r, 50));
    }
    expect(again).toBeDefined();
    again?.close();
    held[1].close();
  });
});

/** One audit line per state-changing API request: who, what, which resource, the result; never a credential or body. */
describe('hardening: X-Forwarded-For is believed only from a trusted proxy', () => {
  let ctx: TestContext;

  beforeAll(async () => {
    // As a client connecting directly sees it: its own address is not a trusted proxy.
    ctx = await startTestApp({ APP_ROLE: 'api', AUTH_FAILURES_PER_MINUTE: '3', TRUST_PROXY: 'false' });
  });
  afterAll(() => ctx.close());

  test('a client naming a new X-Forwarded-For on every guess is still locked out by its own address', async () => {
    const forged = new TestIssuer().token({ sub: 'user_mallory', azp: AZP });
    const guess = (i: number) => ctx.http().get('/api/v1/jobs').set('X-Forwarded-For', `198.51.100.${i}`).set('Authorization', `Bearer ${forged}`);
    const statuses = [];
    for (let i = 1; i <= 4; i++) statuses.push((await guess(i)).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
  });
});

describe('hardening: audit log', () => {
  let ctx: TestContext;
  const KEY = 'sk-audit-ingest-0123456789';

  beforeAll(async () => {
    ctx = await startTestApp({ APP_ROLE: 'api', API_KEYS: `ingest:${createHash('sha256').update(KEY).digest('hex')}:jobs:submit|jobs:read` });
  });
  afterAll(() => ctx.close());

  test('lines for submit, cancel, a 404 and a 401, none for reads; no token, key or body in them', async () => {
    const info = jest.spyOn(rootLoggerOf(ctx.app), 'info');
    const alice = ctx.tokenFor('user_alice');
    const body = { topic: 'Audited topic', context: 'Secret-ish body text.' };
    const created = await ctx.http().post('/api/v1/videos/generate').set('Authorization', `Bearer ${alice}`).set('X-Request-Id', 'audit-1').send(body);
    expect(created.status).toBe(201);
    const jobId: string = created.body.job_id;
    expect((await ctx.http().post(`/api/v1/jobs/${jobId}/cancel`).set('X-API-Key', KEY)).status).toBe(404); // not the key's job
    expect((await ctx.http().post(`/api/v1/jobs/${jobId}/cancel`).set('Authorization', `Bearer ${alice}`)).status).toBe(200);
    expect((await ctx.http().delete('/api/v1/jobs/00000000-0000-4000-8000-000000000000').set('Authorization', `Bearer ${alice}`)).status).toBe(404);
    expect((await ctx.http().post('/api/v1/videos/generate').set('Authorization', 'Bearer not-a-token').send(body)).status).toBe(401);
    expect((await ctx.http().get(`/api/v1/jobs/${jobId}`).set('Authorization', `Bearer ${alice}`)).status).toBe(200);
    // 'close' fires just after the answer reaches the client.
    await new Promise((resolve) => setTimeout(resolve, 50));

    const lines = info.mock.calls.map(([line]) => line as unknown as Record<string, unknown>).filter((line) => line?.audit === true);
    info.mockRestore();
    const base = { audit: true, request_id: expect.any(String), completed: true, user_id: null, api_key: null, target: {}, created: null };
    expect(lines).toEqual([
      { ...base, request_id: 'audit-1', user_id: 'user_alice', method: 'POST', route: '/api/v1/videos/generate', created: `/api/v1/jobs/${jobId}`, status: 201 },
      { ...base, api_key: 'ingest', method: 'POST', route: '/api/v1/jobs/:job_id/cancel', target: { job_id: jobId }, status: 404 },
      { ...base, user_id: 'user_alice', method: 'POST', route: '/api/v1/jobs/:job_id/cancel', target: { job_id: jobId }, status: 200 },
      { ...base, user_id: 'user_alice', method: 'DELETE', route: '/api/v1/jobs/:job_id', target: { job_id: '00000000-0000-4000-8000-000000000000' }, status: 404 },
      { ...base, method: 'POST', route: '/api/v1/videos/generate', status: 401 },
    ]);
    const text = JSON.stringify(lines);
    for (const secret of [alice, KEY, 'not-a-token', 'Audited topic', 'Secret-ish']) expect(text).not.toContain(secret);
  });
});
