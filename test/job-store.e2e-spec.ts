import { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { isAfterEventId } from '../src/jobs/job-events';
import { Job, JobConfiguration } from '../src/jobs/job.model';
import { JobCursor, JobStore } from '../src/jobs/job.store';
import { startTestApp, TestContext } from './support/test-app';

const configuration: JobConfiguration = {
  topic: 'Races',
  context: 'Cancel versus completion.',
  quality: 'low',
  use_rag: false,
  custom_config: {},
  priority: 'normal',
};

/** The job store's atomic transitions on a real Redis: races end in exactly one terminal state. */
describe('job store transitions', () => {
  let ctx: TestContext;
  let store: JobStore;

  beforeAll(async () => {
    ctx = await startTestApp({ APP_ROLE: 'api', MAX_QUEUE_DEPTH: '1000' });
    store = (ctx.app as INestApplication).get(JobStore);
  });
  afterAll(() => ctx.close());

  async function runningJob() {
    const id = randomUUID();
    const created = await store.create({ id, userId: 'user_store', configuration, estimatedCompletion: new Date() });
    expect(created.kind).toBe('created');
    const attempt = await store.startAttempt(id);
    expect(attempt).toBe(1);
    return { id, attempt: attempt as number };
  }

  const video = {
    filename: 'video.mp4', file_size: 1, duration: 1, width: 854, height: 480, format: 'mp4', video_codec: 'h264',
    audio_codec: 'aac', fps: 30, checksum_sha256: 'x', captions: false, created_at: new Date().toISOString(),
    performance: { queued_seconds: 0, processing_seconds: 1, stages: {} },
  };

  test('cancel racing completion: exactly one wins, and the loser changes nothing', async () => {
    for (let i = 0; i < 50; i++) {
      const { id, attempt } = await runningJob();
      const [completed, cancelled] = await Promise.all([store.complete(id, attempt, video), store.cancel(id)]);
      expect([completed.ok, cancelled.ok].filter(Boolean)).toHaveLength(1);
      const job = await store.get(id);
      expect(job?.status).toBe(completed.ok ? 'completed' : 'cancelled');
      expect(job?.video === null).toBe(!completed.ok);
    }
  });

  test('progress: dropped after a terminal state, dropped from a stale attempt, never backwards', async () => {
    const { id, attempt } = await runningJob();
    expect(await store.writeProgress(id, attempt, 40, 'render')).toBe(true);
    expect(await store.writeProgress(id, attempt, 30, 'render')).toBe(true);
    expect((await store.get(id))?.progress).toBe(40);

    const second = await store.startAttempt(id); // a recovered job: new attempt, progress starts over
    expect(second).toBe(2);
    expect((await store.get(id))?.progress).toBe(0);
    expect(await store.writeProgress(id, attempt, 90, 'render')).toBe(false);
    expect((await store.get(id))?.progress).toBe(0);

    expect((await store.cancel(id)).ok).toBe(true);
    expect(await store.writeProgress(id, second as number, 95, 'render')).toBe(false);
    const job = await store.get(id);
    expect([job?.status, job?.progress]).toEqual(['cancelled', 0]);
    expect(await store.startAttempt(id)).toBeNull(); // a cancelled job is never started again
  });

  test('a stale attempt cannot complete a job another worker took over', async () => {
    const { id, attempt } = await runningJob();
    await store.startAttempt(id);
    expect((await store.complete(id, attempt, video)).ok).toBe(false);
    expect((await store.get(id))?.status).toBe('processing');
  });

  test('status indexes follow every transition', async () => {
    const { id } = await runningJob();
    await store.cancel(id);
    const cancelled = await store.list({ userId: 'user_store', status: 'cancelled', order: 'desc', offset: 0, limit: 100 });
    const processing = await store.list({ userId: 'user_store', status: 'processing', order: 'desc', offset: 0, limit: 100 });
    expect(cancelled.jobs.map((j) => j.id)).toContain(id);
    expect(processing.jobs.map((j) => j.id)).not.toContain(id);
    expect((await store.getStatusWithQueuePosition(id)).queuePosition).toBeNull();
  });

  test("a status read answers the job's state as a whole read has it, without the configuration", async () => {
    const stateOf = ({ id, userId, status, progress, currentStage, errorMessage, createdAt, updatedAt, completedAt, estimatedCompletion }: Job) =>
      ({ id, userId, status, progress, currentStage, errorMessage, createdAt, updatedAt, completedAt, estimatedCompletion });
    const { id, attempt } = await runningJob();
    expect(await store.writeProgress(id, attempt, 40, 'rendering', new Date(Date.now() + 60_000))).toBe(true);
    expect((await store.getStatusWithQueuePosition(id)).job).toEqual(stateOf((await store.get(id)) as Job));
    expect((await store.fail(id, 'RENDER_FAILED', 'ffmpeg exited 1', attempt)).ok).toBe(true);
    const failed = (await store.getStatusWithQueuePosition(id)).job;
    expect(failed).toEqual(stateOf((await store.get(id)) as Job));
    expect(failed).toEqual(expect.objectContaining({ status: 'failed', errorMessage: 'ffmpeg exited 1' }));
    expect(await store.getStatusWithQueuePosition(randomUUID())).toEqual({ job: null, queuePosition: null });
  });

  test('creation answers with the stored record; a replay with the same key answers the same record', async () => {
    const id = randomUUID();
    const idempotency = { key: `k-${id}`, bodyHash: 'h' };
    const created = await store.create({ id, userId: 'user_record', configuration, idempotency, estimatedCompletion: new Date() });
    expect(created).toEqual({ kind: 'created', record: await store.get(id) });
    const replay = await store.create({ id: randomUUID(), userId: 'user_record', configuration, idempotency, estimatedCompletion: new Date() });
    expect(replay).toEqual({ kind: 'existing', record: await store.get(id) });
    await store.remove((await store.get(id))!);
    const afterDelete = await store.create({ id: randomUUID(), userId: 'user_record', configuration, idempotency, estimatedCompletion: new Date() });
    expect(afterDelete).toEqual({ kind: 'gone', id });
  });

  test("a terminal job keeps only its terminal event, which a resume from any earlier id gets, and nothing after it", async () => {
    const { id, attempt } = await runningJob();
    for (const progress of [10, 20, 30]) await store.writeProgress(id, attempt, progress, 'render');
    const before = await store.eventsAfter(id, '0');
    expect(before.length).toBeGreaterThanOrEqual(5);
    expect((await store.complete(id, attempt, video)).ok).toBe(true);
    const after = await store.eventsAfter(id, '0');
    const job = await store.get(id);
    expect(after).toHaveLength(1);
    expect(after[0].job).toEqual({ job_id: id, status: 'completed', progress: 100, current_stage: 'completed', error_message: null, updated_at: job?.updatedAt, batch_id: null });
    expect(isAfterEventId(after[0].event_id, before[before.length - 1].event_id)).toBe(true);
    expect(await store.eventsAfter(id, before[1].event_id)).toEqual(after);
    expect(await store.eventsAfter(id, after[0].event_id)).toEqual([]);
    expect(await store.latestEvent(id)).toEqual(after[0]);
    expect([job?.errorMessage, job?.errorCode, job?.status, job?.video?.filename]).toEqual([null, null, 'completed', 'video.mp4']);
  });

  test('cursor pages over jobs created in the same millisecond: each once, in index order, both ways', async () => {
    const userId = `user_ties_${randomUUID()}`;
    // Created in one synchronous loop (15: within the per-user quota), so most share a creation millisecond and
    // only their ids order them.
    const created = await Promise.all(
      Array.from({ length: 15 }, () => store.create({ id: randomUUID(), userId, configuration, estimatedCompletion: new Date() })),
    );
    const instants = new Set(created.map((c) => (c.kind === 'created' ? c.record.createdAt : '')));
    expect(instants.size).toBeLessThan(15);
    for (const order of ['asc', 'desc'] as const) {
      const all = (await store.list({ userId, order, offset: 0, limit: 100 })).jobs.map((j) => j.id);
      expect(all).toHaveLength(15);
      const seen: string[] = [];
      let after: JobCursor | undefined;
      for (let page = 0; page < 20; page++) {
        const result = await store.list({ userId, order, offset: 0, limit: 4, after });
        seen.push(...result.jobs.map((j) => j.id));
        if (!result.next) break;
        after = result.next;
      }
      expect(seen).toEqual(all);
    }
  });

  test('backpressure: creation is refused once the waiting queue is at its maximum', async () => {
    const depth = await store.queueDepth();
    const limited = await startTestApp({ APP_ROLE: 'api', MAX_QUEUE_DEPTH: '2', LOG_LEVEL: 'fatal' }); // 503s are logged as errors
    try {
      const token = limited.tokenFor('user_flood');
      const body = { topic: 't', context: 'c' };
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push(await limited.http().post('/api/v1/videos/generate').set('Authorization', `Bearer ${token}`).send(body));
      expect(statuses.map((r) => r.status)).toEqual([201, 201, 503]);
      expect(statuses[2].body.error.error_code).toBe('QUEUE_FULL');
      expect(Number(statuses[2].headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
    expect(await store.queueDepth()).toBe(depth);
  });
});
