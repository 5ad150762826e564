import { Worker, UnrecoverableError } from 'bullmq';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { JobConfiguration } from '../src/jobs/job.model';
import { JobStore } from '../src/jobs/job.store';
import { RENDER_QUEUE } from '../src/queue/queue.constants';
import { QueueReconciler } from '../src/worker/queue-reconciler';
import { startTestApp, TestContext, waitForJob } from './support/test-app';

const configuration: JobConfiguration = {
  topic: 'Lost between store and queue',
  context: 'Stored, but the process died before it was enqueued.',
  quality: 'low',
  use_rag: false,
  custom_config: {},
  priority: 'normal',
};

/** A job stored but never enqueued: the crash window between the store and BullMQ, written through the real store. */
async function storeWithoutEnqueueing(ctx: TestContext, userId: string): Promise<string> {
  const id = randomUUID();
  const outcome = await ctx.app.get(JobStore).create({ id, userId, configuration, estimatedCompletion: new Date(Date.now() + 60_000) });
  expect(outcome.kind).toBe('created');
  return id;
}

/** Nothing is lost between the job store and the queue, and Idempotency-Keys mean exactly one thing. */
describe('submission integrity', () => {
  test('a job stored but never enqueued (crash in between) is enqueued when a worker starts, and renders', async () => {
    const api = await startTestApp({ APP_ROLE: 'api' }); // owns the Redis server both apps use
    try {
      const lost = await storeWithoutEnqueueing(api, 'user_crash');
      const worker = await startTestApp({ APP_ROLE: 'all', QUEUE_RECONCILE_INTERVAL_MS: '3600000' }, { redis: api.redis, issuer: api.issuer });
      try {
        const done = await waitForJob(worker, worker.tokenFor('user_crash'), lost, (j) => j.status === 'completed' || j.status === 'failed');
        expect(done.status).toBe('completed');
      } finally {
        await worker.close();
      }
    } finally {
      await api.close();
    }
  });

  describe('while running', () => {
    let ctx: TestContext;
    let redis: Redis;
    beforeAll(async () => {
      // fatal: the enqueue failure provoked below is logged as an error, as it should be in production.
      ctx = await startTestApp({ APP_ROLE: 'all', QUEUE_RECONCILE_INTERVAL_MS: '1000', RATE_LIMIT_PER_MINUTE: '1000', LOG_LEVEL: 'fatal' });
      redis = new Redis(ctx.redis.url);
    });
    afterAll(async () => {
      redis.disconnect();
      await ctx.close();
    });
    const submit = (token: string, body: object, key?: string) => {
      const req = ctx.http().post('/api/v1/videos/generate').set('Authorization', `Bearer ${token}`);
      return (key ? req.set('Idempotency-Key', key) : req).send(body);
    };

    test('the periodic pass finds a lost job within seconds', async () => {
      const lost = await storeWithoutEnqueueing(ctx, 'user_periodic');
      const done = await waitForJob(ctx, ctx.tokenFor('user_periodic'), lost, (j) => j.status === 'completed' || j.status === 'failed');
      expect(done.status).toBe('completed');
    });

    test('an enqueue failure answers 503, fails the job visibly and releases its Idempotency-Key', async () => {
      const token = ctx.tokenFor('user_unlucky');
      const body = { topic: 'Unlucky', context: 'The queue refused it once.', quality: 'low' };
      // A real fault inside Redis: BullMQ's add script increments this counter, and it is not a number now.
      const counter = `${ctx.env.REDIS_KEY_PREFIX}:${RENDER_QUEUE}:id`;
      const saved = await redis.get(counter);
      await redis.set(counter, 'not-a-number');
      const refused = await submit(token, body, 'retry-me');
      await (saved === null ? redis.del(counter) : redis.set(counter, saved));
      expect([refused.status, refused.body.error.error_code, refused.headers['retry-after']]).toEqual([503, 'SERVICE_UNAVAILABLE', '10']);
      const failed = (await ctx.http().get('/api/v1/jobs?status=failed').set('Authorization', `Bearer ${token}`)).body.data;
      expect(failed.map((j: { error_code: string }) => j.error_code)).toEqual(['ENQUEUE_FAILED']);

      const retried = await submit(token, body, 'retry-me');
      expect(retried.status).toBe(201);
      expect(retried.headers['idempotent-replayed']).toBeUndefined();
      expect(retried.body.job_id).not.toBe(failed[0].job_id);
      expect((await waitForJob(ctx, token, retried.body.job_id, (j) => j.status === 'completed')).status).toBe('completed');
    });

    test('a replayed Idempotency-Key answers the first status and body, not the job as it is now', async () => {
      const token = ctx.tokenFor('user_replay');
      const body = { topic: 'Replay', context: 'The first answer, again.', quality: 'low' };
      const first = await submit(token, body, 'first-answer');
      expect(first.status).toBe(201);
      await waitForJob(ctx, token, first.body.job_id, (j) => j.status === 'completed');
      const replay = await submit(token, body, 'first-answer');
      expect([replay.status, replay.headers['idempotent-replayed']]).toEqual([201, 'true']);
      expect(replay.body).toEqual(first.body);
    });

    test('a replayed batch Idempotency-Key answers the first body: its jobs as created, with their first ETAs', async () => {
      const token = ctx.tokenFor('user_batch_replay');
      const send = () =>
        ctx.http().post('/api/v1/videos/batch').set('Authorization', `Bearer ${token}`).set('Idempotency-Key', 'first-batch').send({
          name: 'replayed',
          jobs: [{ topic: 'One', context: 'Rendered before the retry.', quality: 'low' }, { topic: 'Two', context: 'Also rendered.', quality: 'low' }],
        });
      const first = await send();
      expect(first.status).toBe(201);
      expect(first.body.jobs.map((j: { status: string }) => j.status)).toEqual(['queued', 'queued']);
      for (const job of first.body.jobs as Array<{ job_id: string }>) await waitForJob(ctx, token, job.job_id, (j) => j.status === 'completed');
      const replay = await send();
      expect([replay.status, replay.headers['idempotent-replayed']]).toEqual([201, 'true']);
      expect(replay.body).toEqual(first.body);
    });

    test('Idempotency-Keys are per user: a ":" in a user id or key cannot make two users share one', async () => {
      const one = await submit(ctx.tokenFor('org:team'), { topic: 'First', context: 'From org:team with key x.', quality: 'low' }, 'x');
      const two = await submit(ctx.tokenFor('org'), { topic: 'Second', context: 'From org with key team:x.', quality: 'low' }, 'team:x');
      expect([one.status, two.status]).toEqual([201, 201]);
      expect(two.body.job_id).not.toBe(one.body.job_id);
      expect(two.body.user_id).toBe('org');
    });

    test('POST /videos/batch honours Idempotency-Key: a replay answers the first batch, another body is 409', async () => {
      const token = ctx.tokenFor('user_batch_key');
      const send = (body: object, key?: string) => {
        const req = ctx.http().post('/api/v1/videos/batch').set('Authorization', `Bearer ${token}`);
        return (key ? req.set('Idempotency-Key', key) : req).send(body);
      };
      const body = { name: 'keyed', jobs: [{ topic: 'One', context: 'First of two.', quality: 'low' }, { topic: 'Two', context: 'Second of two.', quality: 'low' }] };
      const first = await send(body, 'batch-key');
      expect(first.status).toBe(201);
      const replay = await send(body, 'batch-key');
      expect([replay.status, replay.body.batch_id, replay.headers['idempotent-replayed'], replay.headers.location]).toEqual([
        201,
        first.body.batch_id,
        'true',
        `/api/v1/batches/${first.body.batch_id}`,
      ]);
      expect(replay.body.jobs.map((j: { job_id: string }) => j.job_id)).toEqual(first.body.jobs.map((j: { job_id: string }) => j.job_id));
      const conflict = await send({ ...body, name: 'another' }, 'batch-key');
      expect([conflict.status, conflict.body.error.error_code]).toEqual([409, 'CONFLICT']);
      expect((await send(body)).body.batch_id).not.toBe(first.body.batch_id);
      expect((await ctx.http().get('/api/v1/batches').set('Authorization', `Bearer ${token}`)).body.total_count).toBe(2);
    });

    test('an Idempotency-Key is matched by the request as sent: defaults filled from preferences or a saved configuration that changed since are no conflict', async () => {
      const token = ctx.tokenFor('user_changing_defaults');
      const auth = { Authorization: `Bearer ${token}` };
      const preferQuality = async (quality: string) => ctx.http().put('/api/v1/users/me/preferences').set(auth).send({ default_quality: quality }).expect(200);
      await preferQuality('low');
      const first = await submit(token, { topic: 'Keyed', context: 'The default quality changes before the retry.' }, 'defaults-key');
      expect([first.status, first.body.configuration.quality]).toEqual([201, 'low']);
      await preferQuality('medium');
      const again = await submit(token, { context: 'The default quality changes before the retry.', topic: 'Keyed' }, 'defaults-key'); // keys in another order
      expect([again.status, again.body.job_id, again.headers['idempotent-replayed']]).toEqual([201, first.body.job_id, 'true']);

      const saved = (await ctx.http().post('/api/v1/configurations').set(auth).send({ name: 'Changing', settings: { quality: 'low' } })).body;
      const batch = { jobs: [{ topic: 'Saved', context: 'Its configuration changes before the retry.', configuration_id: saved.configuration_id }] };
      const sendBatch = () => ctx.http().post('/api/v1/videos/batch').set(auth).set('Idempotency-Key', 'saved-key').send(batch);
      const firstBatch = await sendBatch();
      expect(firstBatch.status).toBe(201);
      await ctx.http().put(`/api/v1/configurations/${saved.configuration_id}`).set(auth).send({ name: 'Changing', settings: { quality: 'high' } }).expect(200);
      const replayedBatch = await sendBatch();
      expect([replayedBatch.status, replayedBatch.body.batch_id]).toEqual([201, firstBatch.body.batch_id]);
    });

    test('the same Idempotency-Key after its job was deleted is a 409 that says so, and creates nothing', async () => {
      const token = ctx.tokenFor('user_deleted_key');
      const body = { topic: 'Deleted', context: 'Deleted before the retry.', quality: 'low' };
      const first = await submit(token, body, 'deleted-key');
      await ctx.http().delete(`/api/v1/jobs/${first.body.job_id}`).set('Authorization', `Bearer ${token}`).expect(204);
      const retry = await submit(token, body, 'deleted-key');
      expect([retry.status, retry.body.error.error_code]).toEqual([409, 'CONFLICT']);
      expect(retry.body.error.message).toContain('deleted');
      expect((await ctx.http().get('/api/v1/jobs').set('Authorization', `Bearer ${token}`)).body.total_count).toBe(0);
    });
  });

  test('a job BullMQ gave up on while the store still has it queued is failed (WORKER_LOST), not left waiting', async () => {
    const ctx = await startTestApp({ APP_ROLE: 'api' });
    const prefix = ctx.env.REDIS_KEY_PREFIX;
    // A worker of someone else's making takes the job and fails it for good before our processor ever sees it.
    const rogue = new Worker(RENDER_QUEUE, async () => { throw new UnrecoverableError('not mine to render'); }, {
      connection: { host: '127.0.0.1', port: ctx.redis.port, maxRetriesPerRequest: null },
      prefix,
    });
    try {
      const token = ctx.tokenFor('user_orphan');
      const created = await ctx.http().post('/api/v1/videos/generate').set('Authorization', `Bearer ${token}`).send({ topic: 'Orphan', context: 'Failed behind the store\'s back.', quality: 'low' });
      expect(created.status).toBe(201);
      await new Promise<void>((resolve) => rogue.on('failed', () => resolve()));
      const reconciler = ctx.app.get(QueueReconciler);
      expect((await reconciler.reconcile(new Date())).failed).toEqual([]); // not before it has been quiet a while
      const later = new Date(Date.now() + 10 * 60_000);
      expect(await reconciler.reconcile(later)).toEqual({ enqueued: [], failed: [created.body.job_id] });
      const job = (await ctx.http().get(`/api/v1/jobs/${created.body.job_id}`).set('Authorization', `Bearer ${token}`)).body;
      expect([job.status, job.error_code]).toEqual(['failed', 'WORKER_LOST']);
    } finally {
      await rogue.close();
      await ctx.close();
    }
  });
});
