import { INestApplication } from '@nestjs/common';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobConfiguration } from '../src/jobs/job.model';
import { JobStore } from '../src/jobs/job.store';
import { MAINTENANCE_QUEUE, RETENTION_SCHEDULER_ID } from '../src/retention/retention.service';
import { AppProcess } from './support/app-process';
import { freePort, TestRedis } from './support/redis-server';
import { startTestApp, TestContext, testEnv, waitForJob } from './support/test-app';
import { TestIssuer } from './support/tokens';
import { sleep, until } from './support/wait';

/** JOB_RETENTION_DAYS takes decimals: this is 20 seconds, so "old" arrives within the test. */
const RETENTION_SECONDS = 20;
const RETENTION_DAYS = String(RETENTION_SECONDS / 86_400);
const PREFIX = 'vgs-test';

/** A sample of one metric (without labels) from a Prometheus text page. */
function sample(page: string, name: string): number {
  const line = page.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`${name} is not on the page`);
  return Number(line.split(' ')[1]);
}

/** Finished jobs go with their files, logs and counters once older than JOB_RETENTION_DAYS; nothing else does. */
describe('job retention', () => {
  let ctx: TestContext;
  let store: JobStore;
  let redis: Redis;
  const user = 'user_retention';
  const auth = () => ({ Authorization: `Bearer ${ctx.tokenFor(user)}` });
  const submit = async (topic: string) => {
    const res = await ctx.http().post('/api/v1/videos/generate').set(auth()).send({ topic, context: `${topic} in one sentence.`, quality: 'low' });
    expect(res.status).toBe(201);
    return res.body.job_id as string;
  };
  const getJob = (id: string) => ctx.http().get(`/api/v1/jobs/${id}`).set(auth());
  const stats = async () => (await ctx.http().get('/api/v1/dashboard/stats').set(auth()).expect(200)).body;
  const configuration: JobConfiguration = { topic: 'Never run', context: 'Stays in the store only.', quality: 'low', use_rag: false, custom_config: {}, priority: 'normal' };

  beforeAll(async () => {
    ctx = await startTestApp({
      APP_ROLE: 'all',
      JOB_RETENTION_DAYS: RETENTION_DAYS,
      DASHBOARD_CACHE_TTL_MS: '0',
      // The store-only jobs below are never handed to BullMQ: keep the reconciler from doing so during the test.
      QUEUE_RECONCILE_INTERVAL_MS: '3600000',
    });
    store = (ctx.app as INestApplication).get(JobStore);
    redis = new Redis(ctx.redis.url);
  });
  afterAll(async () => {
    redis.disconnect();
    await ctx.close();
  });

  test('old finished jobs disappear with files, logs and batch; dashboard figures stay true; queued and processing jobs stay', async () => {
    // Created first, so they are the oldest jobs of all: a queued one and one processing (no worker will take them).
    const queued = await store.create({ id: randomUUID(), userId: user, configuration, estimatedCompletion: new Date() });
    const processing = await store.create({ id: randomUUID(), userId: user, configuration, estimatedCompletion: new Date() });
    if (queued.kind !== 'created' || processing.kind !== 'created') throw new Error('store refused the jobs');
    expect(await store.startAttempt(processing.record.id)).toBe(1);

    // A job finished before the retention index existed (an upgraded deployment): dated by its completed_at.
    const legacy = await store.create({ id: randomUUID(), userId: user, configuration, estimatedCompletion: new Date() });
    if (legacy.kind !== 'created') throw new Error('store refused the job');
    expect((await store.cancel(legacy.record.id)).ok).toBe(true);
    await redis.zrem(`${PREFIX}:jobs:finished`, legacy.record.id);
    await redis.del(`${PREFIX}:jobs:finished:backfilled`);

    // A batch whose jobs are cancelled: its record goes with its last job.
    const batch = await ctx.http().post('/api/v1/videos/batch').set(auth()).send({ jobs: [{ topic: 'B1', context: 'One.' }, { topic: 'B2', context: 'Two.' }] });
    expect(batch.status).toBe(201);
    await ctx.http().post(`/api/v1/batches/${batch.body.batch_id}/cancel`).set(auth()).expect(200);

    const first = await submit('First video');
    const firstDone = await waitForJob(ctx, ctx.tokenFor(user), first, (j) => j.status === 'completed');
    const firstFinished = Date.now();
    const firstDir = join(ctx.dataDir, 'storage', 'jobs', first);
    expect(existsSync(firstDir)).toBe(true);
    expect(await redis.llen(`${PREFIX}:job:${first}:logs`)).toBeGreaterThan(0);

    // Aged apart by at least 6 s, so there is a moment when the first is gone and the second still kept.
    await sleep(Math.max(0, 6000 - (Date.now() - firstFinished)));
    const second = await submit('Second video');
    const secondDone = (await waitForJob(ctx, ctx.tokenFor(user), second, (j) => j.status === 'completed')) as { video: { file_size: number; duration: number } };
    const before = await stats();
    expect(before.by_status.completed).toBe(2);
    expect(before.storage_bytes).toBe((firstDone as typeof secondDone).video.file_size + secondDone.video.file_size);

    // Polled once a second: at five a second the route's rate limit (120 a minute) would answer instead.
    await until('the first video is removed', async () => (await getJob(first)).status === 404, (RETENTION_SECONDS + 30) * 1000, 1000);
    expect((await getJob(second)).body.status).toBe('completed');
    expect(existsSync(firstDir)).toBe(false);
    expect(existsSync(join(ctx.dataDir, 'storage', 'jobs', second))).toBe(true);
    expect(await redis.exists(`${PREFIX}:job:${first}`, `${PREFIX}:job:${first}:logs`, `${PREFIX}:job:${first}:events`)).toBe(0);
    // The audit tombstone stays, expiring on its own TTL (TOMBSTONE_RETENTION_DAYS).
    expect(await redis.ttl(`${PREFIX}:tombstone:${first}`)).toBeGreaterThan(86_400);
    const middle = await stats();
    expect(middle.by_status.completed).toBe(1);
    expect(middle.storage_bytes).toBe(secondDone.video.file_size);
    expect(middle.total_video_seconds).toBeCloseTo(secondDone.video.duration, 3);
    // The legacy job and the batch (both its jobs) were older still.
    expect(await store.get(legacy.record.id)).toBeNull();
    await ctx.http().get(`/api/v1/batches/${batch.body.batch_id}`).set(auth()).expect(404);
    expect(await redis.zscore(`${PREFIX}:user:${user}:batches`, batch.body.batch_id)).toBeNull();

    await until('the second video is removed', async () => (await getJob(second)).status === 404, (RETENTION_SECONDS + 30) * 1000, 1000);
    const after = await stats();
    expect(after).toMatchObject({ total_jobs: 2, by_status: { queued: 1, processing: 1, completed: 0, failed: 0, cancelled: 0 }, storage_bytes: 0 });
    expect(after.total_video_seconds).toBeCloseTo(0, 6);
    // Far older than the retention period by now, and never touched.
    expect((await store.get(queued.record.id))?.status).toBe('queued');
    expect((await store.get(processing.record.id))?.status).toBe('processing');
    expect(await redis.zcard(`${PREFIX}:jobs:finished`)).toBe(0);

    const metrics = (await ctx.http().get('/metrics').expect(200)).text;
    expect(sample(metrics, 'vgs_retention_jobs_removed_total')).toBe(5); // legacy, the batch's two, first, second
    expect(sample(metrics, 'vgs_retention_runs_total')).toBeGreaterThan(1);
    // The two renders, as this worker process recorded them.
    expect(sample(metrics, 'vgs_renders_total{outcome="completed"}')).toBe(2);
    expect(sample(metrics, 'vgs_render_realtime_factor_count')).toBe(2);
  });
});

/** Several worker processes upsert the same scheduler: one schedule, each run carried out by one of them. */
describe('job retention across processes', () => {
  let redis: TestRedis;
  let dataDir: string;
  const running: AppProcess[] = [];

  beforeAll(async () => {
    redis = await TestRedis.start();
    dataDir = mkdtempSync(join(tmpdir(), 'vgs-retention-'));
  });
  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop('SIGKILL')));
    await redis.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('two worker processes: one scheduler, and runs add up to one per interval', async () => {
    // 0.0002 days: runs every 1 s (a 24th of the period, at least a second).
    const env = testEnv(redis, new TestIssuer(), dataDir, { APP_ROLE: 'worker', JOB_RETENTION_DAYS: '0.0002' });
    const workers = [await AppProcess.start(env, await freePort()), await AppProcess.start(env, await freePort())];
    running.push(...workers);

    const queue = new Queue(MAINTENANCE_QUEUE, { connection: { host: '127.0.0.1', port: redis.port }, prefix: PREFIX });
    try {
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers.map((s) => [s.key, s.every])).toEqual([[RETENTION_SCHEDULER_ID, 1000]]);

      const runs = async () => {
        const pages = await Promise.all(workers.map(async (w) => (await fetch(`${w.url}/metrics`)).text()));
        return pages.reduce((sum, page) => sum + sample(page, 'vgs_retention_runs_total'), 0);
      };
      // Both processes are up and have upserted the scheduler; count the runs of a window from now on.
      const from = { at: Date.now(), runs: await runs() };
      await sleep(6000);
      const to = { at: Date.now(), runs: await runs() };
      const seconds = (to.at - from.at) / 1000;
      // One run per second between them, whichever process takes it; a schedule per process would make two.
      expect(to.runs - from.runs).toBeGreaterThanOrEqual(Math.floor(seconds) - 2);
      expect(to.runs - from.runs).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
      expect(await queue.getJobSchedulersCount()).toBe(1);
    } finally {
      await queue.close();
    }
  });
});
