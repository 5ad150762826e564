import { INestApplication } from '@nestjs/common';
import { createServer, Server } from 'node:http';
import { JobStore } from '../src/jobs/job.store';
import { freePort } from './support/redis-server';
import { startTestApp, TestContext } from './support/test-app';

/**
 * Dashboard figures and user settings on an API-only instance. The worker's side of a job's life is played
 * through the job store's own transitions (the same calls the worker makes), so figures are exact.
 */
describe('dashboard, users/me and preferences', () => {
  let ctx: TestContext;
  let store: JobStore;
  let clerkApi: Server;
  const profileCalls: string[] = [];

  beforeAll(async () => {
    // Stands in for Clerk's Backend API (no network here); the real Clerk SDK calls it.
    const port = await freePort();
    clerkApi = createServer((req, res) => {
      profileCalls.push(req.url ?? '');
      const match = /^\/v1\/users\/(user_ada)$/.exec(req.url ?? '');
      if (!match || req.headers.authorization !== 'Bearer sk_test_local') {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'resource_not_found', message: 'not found' }] }));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(
        JSON.stringify({
          object: 'user', id: match[1], first_name: 'Ada', last_name: 'Lovelace', image_url: 'https://img.example/ada.png',
          primary_email_address_id: 'idn_1', email_addresses: [{ id: 'idn_1', object: 'email_address', email_address: 'ada@example.com', linked_to: [], verification: null }],
          phone_numbers: [], web3_wallets: [], external_accounts: [], saml_accounts: [], public_metadata: {}, private_metadata: {}, unsafe_metadata: {},
          created_at: 1, updated_at: 1, last_sign_in_at: null, banned: false, locked: false,
        }),
      );
    });
    await new Promise<void>((resolve) => clerkApi.listen(port, '127.0.0.1', resolve));
    ctx = await startTestApp({ APP_ROLE: 'api', CLERK_SECRET_KEY: 'sk_test_local', CLERK_API_URL: `http://127.0.0.1:${port}`, DASHBOARD_CACHE_TTL_MS: '60000' });
    store = (ctx.app as INestApplication).get(JobStore);
  });
  afterAll(async () => {
    await ctx.close();
    await new Promise((r) => clerkApi.close(r));
  });

  const as = (userId: string) => ({ Authorization: `Bearer ${ctx.tokenFor(userId)}` });
  const submit = async (userId: string, body: Record<string, unknown> = {}) => {
    const res = await ctx.http().post('/api/v1/videos/generate').set(as(userId)).send({ topic: 'Stats', context: 'Counting.', ...body });
    expect(res.status).toBe(201);
    return res.body;
  };
  const video = (duration: number, size: number, seconds: number) => ({
    filename: 'video.mp4', file_size: size, duration, width: 854, height: 480, format: 'mp4', video_codec: 'h264', audio_codec: 'aac',
    fps: 30, checksum_sha256: 'x', captions: false, created_at: new Date().toISOString(), performance: { queued_seconds: 0, processing_seconds: seconds, stages: {} },
  });
  const complete = async (id: string, duration: number, size: number, seconds: number) => {
    const attempt = (await store.startAttempt(id)) as number;
    expect((await store.complete(id, attempt, video(duration, size, seconds))).ok).toBe(true);
  };

  test('stats after a mix of completed, failed, cancelled, processing and queued jobs', async () => {
    const u = 'user_stats';
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push((await submit(u)).job_id);
    await complete(ids[0], 10, 1000, 4);
    await complete(ids[1], 20, 3000, 6);
    await complete(ids[2], 30, 5000, 8);
    for (const id of ids.slice(3, 5)) {
      const attempt = (await store.startAttempt(id)) as number;
      await store.fail(id, 'TOOL_FAILED', 'boom', attempt);
    }
    await ctx.http().post(`/api/v1/jobs/${ids[5]}/cancel`).set(as(u)).expect(200);
    await store.startAttempt(ids[6]);
    await submit('user_someone_else');

    const stats = await ctx.http().get('/api/v1/dashboard/stats').set(as(u));
    expect(stats.status).toBe(200);
    expect(stats.body).toEqual({
      total_jobs: 8,
      by_status: { queued: 1, processing: 1, completed: 3, failed: 2, cancelled: 1 },
      active_jobs: 2,
      success_rate: 0.6,
      average_processing_seconds: 6,
      total_video_seconds: 60,
      storage_bytes: 9000,
      jobs_last_24h: 8,
    });

    // Deleting a completed job takes its figures away; the cached answer is dropped by the change.
    await ctx.http().delete(`/api/v1/jobs/${ids[2]}`).set(as(u)).expect(204);
    await new Promise((r) => setTimeout(r, 100)); // the invalidation travels through Redis pub/sub
    const after = await ctx.http().get('/api/v1/dashboard/stats').set(as(u));
    expect(after.body).toEqual(
      expect.objectContaining({ total_jobs: 7, total_video_seconds: 30, storage_bytes: 4000, average_processing_seconds: 5 }),
    );
    expect(after.body.by_status.completed).toBe(2);

    const recent = await ctx.http().get('/api/v1/dashboard/recent-jobs?limit=3').set(as(u));
    expect(recent.body.data.map((j: { job_id: string }) => j.job_id)).toEqual([ids[7], ids[6], ids[5]]);
    expect((await ctx.http().get('/api/v1/dashboard/recent-jobs?limit=51').set(as(u))).status).toBe(422);

    const empty = await ctx.http().get('/api/v1/dashboard/stats').set(as('user_new'));
    expect(empty.body).toEqual(expect.objectContaining({ total_jobs: 0, success_rate: 0, average_processing_seconds: 0 }));
  });

  test('answers are cached per user until one of their jobs changes', async () => {
    const u = 'user_cache';
    await submit(u);
    const first = await ctx.http().get('/api/v1/dashboard/stats').set(as(u));
    expect(first.body.total_jobs).toBe(1);
    await submit(u); // a change of this user's: the cache must not hide it
    await new Promise((r) => setTimeout(r, 100));
    expect((await ctx.http().get('/api/v1/dashboard/stats').set(as(u))).body.total_jobs).toBe(2);
  });

  test('users/me: claims plus the Clerk profile, fetched once and cached', async () => {
    const me = await ctx.http().get('/api/v1/users/me').set(as('user_ada'));
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      user_id: 'user_ada', session_id: expect.stringMatching(/^sess_/), is_admin: false,
      email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace', image_url: 'https://img.example/ada.png',
    });
    await ctx.http().get('/api/v1/users/me').set(as('user_ada')).expect(200);
    expect(profileCalls.filter((c) => c === '/v1/users/user_ada')).toHaveLength(1);
    const unknown = await ctx.http().get('/api/v1/users/me').set(as('user_unknown'));
    expect(unknown.body).toEqual(expect.objectContaining({ user_id: 'user_unknown', email: null, first_name: null }));
  });

  test('preferences: defaults, validated replace, and default_quality applied to requests without quality', async () => {
    const u = 'user_prefs';
    const defaults = await ctx.http().get('/api/v1/users/me/preferences').set(as(u));
    expect(defaults.body).toEqual({ default_quality: 'medium', notifications: { webhook_url: null, events: ['job.completed', 'job.failed'] } });

    for (const bad of [{ default_quality: '8k' }, { notifications: { webhook_url: 'http://plain.example' } }, { notifications: { events: ['job.exploded'] } }, { theme: 'dark' }]) {
      const res = await ctx.http().put('/api/v1/users/me/preferences').set(as(u)).send(bad);
      expect([JSON.stringify(bad), res.status, res.body.error.error_code]).toEqual([JSON.stringify(bad), 422, 'VALIDATION_ERROR']);
    }
    for (const notifications of [[], [{ events: ['job.completed'] }], 'all', 7]) {
      const res = await ctx.http().put('/api/v1/users/me/preferences').set(as(u)).send({ notifications });
      expect([JSON.stringify(notifications), res.status]).toEqual([JSON.stringify(notifications), 422]);
      expect(res.body.error.details.fields).toEqual([{ field: 'notifications', errors: ['notifications must be an object'] }]);
    }
    const put = await ctx.http().put('/api/v1/users/me/preferences').set(as(u)).send({ default_quality: 'low', notifications: { events: ['job.completed'] } });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ default_quality: 'low', notifications: { webhook_url: null, events: ['job.completed'] } });
    expect((await ctx.http().get('/api/v1/users/me/preferences').set(as(u))).body).toEqual(put.body);

    expect((await submit(u)).configuration.quality).toBe('low');
    expect((await submit(u, { quality: 'high' })).configuration.quality).toBe('high');
    expect((await submit('user_other_prefs')).configuration.quality).toBe('medium');
  });
});
