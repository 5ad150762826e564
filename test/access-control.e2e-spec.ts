import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import { startTestApp, TestContext } from './support/test-app';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const SUBMITTER = 'sk-service-submit-0123456789';
const READER = 'sk-service-status-0123456789';
const OPERATOR = 'sk-service-operator-0123456789';

/** API keys with scopes, admins, and per-caller rate limits kept in Redis. */
describe('access control and rate limits', () => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await startTestApp({
      APP_ROLE: 'api',
      RATE_LIMIT_PER_MINUTE: '6',
      API_KEYS: `ingest:${sha(SUBMITTER)}:jobs:submit|jobs:read,monitor:${sha(READER)}:system:read,ops:${sha(OPERATOR)}:system:write`,
      ADMIN_USER_IDS: 'user_root',
      ADMIN_CLAIM: 'metadata.role=admin',
      CORS_ORIGINS: 'https://app.example.test',
    });
  });
  afterAll(() => ctx.close());

  const body = { topic: 'Service job', context: 'Submitted by an internal service.' };

  test('an API key with the submit scope creates jobs it can then read', async () => {
    const res = await ctx.http().post('/api/v1/videos/generate').set('X-API-Key', SUBMITTER).send(body);
    expect(res.status).toBe(201);
    expect(res.body.user_id).toBe('service:ingest');
    const read = await ctx.http().get(`/api/v1/jobs/${res.body.job_id}`).set('X-API-Key', SUBMITTER);
    expect(read.status).toBe(200);
  });

  test('an unknown key is 401, a key without the scope is 403', async () => {
    const unknown = await ctx.http().post('/api/v1/videos/generate').set('X-API-Key', 'sk-nope').send(body);
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.error_code).toBe('UNAUTHORIZED');
    const wrongScope = await ctx.http().post('/api/v1/videos/generate').set('X-API-Key', READER).send(body);
    expect(wrongScope.status).toBe(403);
    expect(wrongScope.body.error.error_code).toBe('FORBIDDEN');
    const status = await ctx.http().get('/api/v1/system/queue-status').set('X-API-Key', READER);
    expect(status.status).toBe(200);
    expect(status.body).toEqual(expect.objectContaining({ waiting: expect.any(Number), workers: expect.any(Number) }));
  });

  test('Prometheus metrics are scrapeable; the JSON view is for admins and API keys', async () => {
    const scrape = await ctx.http().get('/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.headers['content-type']).toMatch(/^text\/plain/);
    expect(scrape.text).toMatch(/vgs_http_requests_total\{method="POST",route="\/api\/v1\/videos\/generate",status="201"\} \d+/);
    expect(scrape.text).toMatch(/vgs_queue_jobs\{state="waiting"\} \d+/);
    expect(scrape.text).toContain('vgs_process_resident_memory_bytes');
    expect((await ctx.http().get('/api/v1/system/metrics').set('Authorization', `Bearer ${ctx.tokenFor('user_plain')}`)).status).toBe(403);
    const json = await ctx.http().get('/api/v1/system/metrics').set('X-API-Key', READER);
    expect(json.status).toBe(200);
    expect(json.body.vgs_http_requests_total).toEqual(expect.any(Array));
  });

  test('CORS: allowed origins only, for HTTP and for the Socket.IO handshake', async () => {
    const preflight = (origin: string) =>
      ctx.http().options('/api/v1/videos/generate').set('Origin', origin).set('Access-Control-Request-Method', 'POST').set('Access-Control-Request-Headers', 'authorization,content-type');
    const allowed = await preflight('https://app.example.test');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.test');
    expect(allowed.headers['access-control-allow-headers']).toMatch(/authorization/i);
    expect((await preflight('https://evil.example')).headers['access-control-allow-origin']).toBeUndefined();
    const polling = (origin: string) => ctx.http().get('/socket.io/?EIO=4&transport=polling').set('Origin', origin);
    expect((await polling('https://app.example.test')).headers['access-control-allow-origin']).toBe('https://app.example.test');
    expect((await polling('https://evil.example')).headers['access-control-allow-origin']).toBeUndefined();
  });

  test('queue status is for admins: a user is 403, an admin (by id or by claim) is 200', async () => {
    const user = await ctx.http().get('/api/v1/system/queue-status').set('Authorization', `Bearer ${ctx.tokenFor('user_plain')}`);
    expect(user.status).toBe(403);
    const root = await ctx.http().get('/api/v1/system/queue-status').set('Authorization', `Bearer ${ctx.tokenFor('user_root')}`);
    expect(root.status).toBe(200);
    const claimAdmin = ctx.tokenFor('user_claims', { metadata: { role: 'admin' } });
    expect((await ctx.http().get('/api/v1/system/queue-status').set('Authorization', `Bearer ${claimAdmin}`)).status).toBe(200);
    // Only the claim ADMIN_CLAIM names, with exactly its value.
    const otherValue = ctx.tokenFor('user_claims', { metadata: { role: 'editor' } });
    expect((await ctx.http().get('/api/v1/system/queue-status').set('Authorization', `Bearer ${otherValue}`)).status).toBe(403);
    const otherPath = ctx.tokenFor('user_claims', { role: 'admin' });
    expect((await ctx.http().get('/api/v1/system/queue-status').set('Authorization', `Bearer ${otherPath}`)).status).toBe(403);
  });

  test("operators list every user's jobs (filterable by user) and cancel any job; users cannot", async () => {
    const owner = ctx.tokenFor('user_watched');
    const created = await ctx.http().post('/api/v1/videos/generate').set('Authorization', `Bearer ${owner}`).send(body);
    const id = created.body.job_id as string;

    expect((await ctx.http().get('/api/v1/system/jobs').set('Authorization', `Bearer ${ctx.tokenFor('user_plain')}`)).status).toBe(403);
    const all = await ctx.http().get('/api/v1/system/jobs?items_per_page=100').set('Authorization', `Bearer ${ctx.tokenFor('user_root')}`);
    expect(all.status).toBe(200);
    expect(new Set(all.body.data.map((j: { user_id: string }) => j.user_id)).size).toBeGreaterThan(1);
    const one = await ctx.http().get('/api/v1/system/jobs?user_id=user_watched&status=queued').set('X-API-Key', READER);
    expect(one.body.data.map((j: { job_id: string }) => j.job_id)).toEqual([id]);
    expect(one.body.total_count).toBe(1);

    expect((await ctx.http().post(`/api/v1/system/jobs/${id}/cancel`).set('X-API-Key', READER)).status).toBe(403);
    expect((await ctx.http().post(`/api/v1/system/jobs/${id}/cancel`).set('Authorization', `Bearer ${ctx.tokenFor('user_plain')}`)).status).toBe(403);
    const cancelled = await ctx.http().post(`/api/v1/system/jobs/${id}/cancel`).set('X-API-Key', OPERATOR);
    expect([cancelled.status, cancelled.body.status]).toEqual([200, 'cancelled']);
    const again = await ctx.http().post(`/api/v1/system/jobs/${id}/cancel`).set('Authorization', `Bearer ${ctx.tokenFor('user_root')}`);
    expect(again.body.error.error_code).toBe('JOB_NOT_CANCELLABLE');
    const logs = await ctx.http().get(`/api/v1/jobs/${id}/logs`).set('Authorization', `Bearer ${owner}`);
    expect(logs.body.logs.map((l: { message: string }) => l.message)).toContain('cancelled by service:ops');
  });

  test('admins can read any job; users cannot', async () => {
    const created = await ctx.http().post('/api/v1/videos/generate').set('Authorization', `Bearer ${ctx.tokenFor('user_owner')}`).send(body);
    const asAdmin = await ctx.http().get(`/api/v1/jobs/${created.body.job_id}`).set('Authorization', `Bearer ${ctx.tokenFor('user_root')}`);
    expect(asAdmin.status).toBe(200);
  });

  test('the rate limit is per caller, answers 429 with Retry-After, and is counted in Redis under the prefix', async () => {
    const token = ctx.tokenFor('user_hasty');
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await ctx.http().get('/api/v1/jobs').set('Authorization', `Bearer ${token}`)).status);
    expect(statuses.slice(0, 6)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(statuses.slice(6)).toEqual([429, 429]);
    const limited = await ctx.http().get('/api/v1/jobs').set('Authorization', `Bearer ${token}`);
    expect(limited.body.error.error_code).toBe('RATE_LIMIT_EXCEEDED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);

    const someoneElse = await ctx.http().get('/api/v1/jobs').set('Authorization', `Bearer ${ctx.tokenFor('user_calm')}`);
    expect(someoneElse.status).toBe(200);
    expect((await ctx.http().get('/health/ready')).status).toBe(200); // probes are never limited

    const redis = new Redis(ctx.redis.url);
    try {
      const keys = await redis.keys('*');
      expect(keys.some((k) => k.startsWith('vgs-test:throttle:'))).toBe(true);
      expect(keys.filter((k) => !k.startsWith('vgs-test:'))).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});
