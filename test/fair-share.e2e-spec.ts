import { createHash } from 'node:crypto';
import { startTestApp, TestContext, waitForJob } from './support/test-app';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const PRIORITY_KEY = 'sk-priority-service-0123456789';
const PLAIN_KEY = 'sk-plain-service-0123456789';
const body = (topic: string, extra: Record<string, unknown> = {}) => ({ topic, context: `${topic} in one sentence.`, quality: 'low', ...extra });

/** Fair share between users: a quota of active jobs, `high` priority only for the trusted, fair queue order. */
describe('fair share', () => {
  describe('quota and priority (no worker: jobs stay queued)', () => {
    let ctx: TestContext;
    beforeAll(async () => {
      ctx = await startTestApp({
        APP_ROLE: 'api',
        MAX_ACTIVE_JOBS_PER_USER: '3',
        RATE_LIMIT_PER_MINUTE: '1000',
        ADMIN_USER_IDS: 'user_admin',
        API_KEYS: `fast:${sha(PRIORITY_KEY)}:jobs:submit|jobs:read|jobs:priority,plain:${sha(PLAIN_KEY)}:jobs:submit|jobs:read`,
      });
    });
    afterAll(() => ctx.close());

    const submit = (token: string, payload: object, headers: Record<string, string> = {}) =>
      ctx.http().post('/api/v1/videos/generate').set('Authorization', `Bearer ${token}`).set(headers).send(payload);
    const count = async (token: string) => (await ctx.http().get('/api/v1/jobs').set('Authorization', `Bearer ${token}`)).body.total_count as number;

    test('past MAX_ACTIVE_JOBS_PER_USER a submission is 429 QUOTA_EXCEEDED with Retry-After; other users are unaffected', async () => {
      const greedy = ctx.tokenFor('user_greedy');
      for (let i = 0; i < 3; i++) expect((await submit(greedy, body(`Greedy ${i}`))).status).toBe(201);
      const refused = await submit(greedy, body('One too many'));
      expect(refused.status).toBe(429);
      expect(refused.body.error).toEqual(
        expect.objectContaining({ error_code: 'QUOTA_EXCEEDED', details: { max_active_jobs: 3, active_jobs: 3, requested: 1 } }),
      );
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(5);
      expect(await count(greedy)).toBe(3);
      expect((await submit(ctx.tokenFor('user_modest'), body('Modest'))).status).toBe(201);
    });

    test('a batch that would pass the quota is refused whole; a finished (cancelled) job frees its slot', async () => {
      const user = ctx.tokenFor('user_batcher');
      const first = await submit(user, body('Alone'));
      const batch = await ctx.http().post('/api/v1/videos/batch').set('Authorization', `Bearer ${user}`).send({ jobs: [body('B1'), body('B2'), body('B3')] });
      expect(batch.status).toBe(429);
      expect(batch.body.error.details).toEqual({ max_active_jobs: 3, active_jobs: 1, requested: 3 });
      expect(await count(user)).toBe(1);
      expect((await ctx.http().get('/api/v1/batches').set('Authorization', `Bearer ${user}`)).body.total_count).toBe(0);
      const fits = await ctx.http().post('/api/v1/videos/batch').set('Authorization', `Bearer ${user}`).send({ jobs: [body('B1'), body('B2')] });
      expect(fits.status).toBe(201);
      expect((await submit(user, body('Over'))).status).toBe(429);
      await ctx.http().post(`/api/v1/jobs/${first.body.job_id}/cancel`).set('Authorization', `Bearer ${user}`).expect(200);
      expect((await submit(user, body('In again'))).status).toBe(201);
    });

    test('an Idempotency-Key replay is answered even at the quota', async () => {
      const user = ctx.tokenFor('user_replayer');
      const key = { 'Idempotency-Key': 'replay-at-quota' };
      const first = await submit(user, body('Keyed'), key);
      for (let i = 0; i < 2; i++) await submit(user, body(`Filler ${i}`));
      const replay = await submit(user, body('Keyed'), key);
      expect([replay.status, replay.body.job_id, replay.headers['idempotent-replayed']]).toEqual([201, first.body.job_id, 'true']);
    });

    test('priority "high" is 403 for a user or an API key without jobs:priority, and nothing is created', async () => {
      const user = ctx.tokenFor('user_pushy');
      const mine = await submit(user, body('Me first', { priority: 'high' }));
      expect([mine.status, mine.body.error.error_code, mine.body.error.details]).toEqual([403, 'FORBIDDEN', { field: 'priority' }]);
      const inBatch = await ctx.http().post('/api/v1/videos/batch').set('Authorization', `Bearer ${user}`).send({ jobs: [body('Fine'), body('Pushy', { priority: 'high' })] });
      expect([inBatch.status, inBatch.body.error.details]).toEqual([403, { field: 'jobs[1].priority' }]);
      expect(await count(user)).toBe(0);
      const plainKey = await ctx.http().post('/api/v1/videos/generate').set('X-API-Key', PLAIN_KEY).send(body('Service', { priority: 'high' }));
      expect(plainKey.status).toBe(403);
    });

    test('admins and API keys with jobs:priority may submit "high", and it goes ahead of every normal job', async () => {
      const admin = await submit(ctx.tokenFor('user_admin'), body('Urgent', { priority: 'high' }));
      expect([admin.status, admin.body.priority]).toEqual([201, 'high']);
      const service = await ctx.http().post('/api/v1/videos/generate').set('X-API-Key', PRIORITY_KEY).send(body('Service', { priority: 'high' }));
      expect(service.status).toBe(201);
      const position = async (id: string, auth: Record<string, string>) =>
        (await ctx.http().get(`/api/v1/videos/jobs/${id}/status`).set(auth)).body.queue_position as number;
      expect(await position(admin.body.job_id, { Authorization: `Bearer ${ctx.tokenFor('user_admin')}` })).toBe(1);
      expect(await position(service.body.job_id, { 'X-API-Key': PRIORITY_KEY })).toBe(2);
    });
  });

  describe('queue order across users (one worker)', () => {
    let ctx: TestContext;
    beforeAll(async () => {
      ctx = await startTestApp({ APP_ROLE: 'all', WORKER_CONCURRENCY: '1', RATE_LIMIT_PER_MINUTE: '1000' });
    });
    afterAll(() => ctx.close());

    test("one user's many queued jobs do not keep another user's first job waiting behind them", async () => {
      const greedy = ctx.tokenFor('user_many');
      const newcomer = ctx.tokenFor('user_one');
      const batch = await ctx.http().post('/api/v1/videos/batch').set('Authorization', `Bearer ${greedy}`)
        .send({ jobs: [1, 2, 3, 4, 5].map((i) => body(`Greedy part ${i}`)) });
      expect(batch.status).toBe(201);
      const single = await ctx.http().post('/api/v1/videos/generate').set('Authorization', `Bearer ${newcomer}`).send(body('Newcomer'));
      expect(single.status).toBe(201);
      const greedyIds = (batch.body.jobs as Array<{ job_id: string }>).map((j) => j.job_id);

      // While queued, the newcomer's job is placed ahead of the greedy user's second job.
      const place = async (id: string, token: string) =>
        (await ctx.http().get(`/api/v1/videos/jobs/${id}/status`).set('Authorization', `Bearer ${token}`)).body.queue_position as number | null;
      const [newcomerPlace, secondPlace] = [await place(single.body.job_id, newcomer), await place(greedyIds[1], greedy)];
      expect(newcomerPlace).not.toBeNull();
      expect(newcomerPlace as number).toBeLessThan(secondPlace as number);

      // And it runs within one render of the worker coming free: before the greedy user's second job.
      const newcomerDone = await waitForJob(ctx, newcomer, single.body.job_id, (j) => j.status === 'completed', 120_000);
      const greedyDone = await Promise.all(greedyIds.map((id) => waitForJob(ctx, greedy, id, (j) => j.status === 'completed', 180_000)));
      const started = (job: Record<string, unknown>) => Date.parse(job.started_at as string);
      const order = [...greedyDone.map((j, i) => [`greedy ${i + 1}`, started(j)] as const), ['newcomer', started(newcomerDone)] as const]
        .sort((a, b) => a[1] - b[1])
        .map(([name]) => name);
      expect(order.indexOf('newcomer')).toBeLessThanOrEqual(1);
      expect(order.slice(0, 2)).toContain('greedy 1');
    }, 240_000);
  });
});
