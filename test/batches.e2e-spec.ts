import { RecordingSocket } from './support/sockets';
import { startTestApp, TestContext } from './support/test-app';

const request = (i: number, extra: Record<string, unknown> = {}) => ({ topic: `Batch item ${i}`, context: `Item number ${i} of the batch.`, quality: 'low', ...extra });

/** Batches: all-or-nothing validation, aggregation, real-time batch.update, cancel and delete. */
describe('batches', () => {
  let ctx: TestContext;
  let token: string;
  const auth = () => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    ctx = await startTestApp({ APP_ROLE: 'all' });
    token = ctx.tokenFor('user_batch');
  });
  afterAll(() => ctx.close());

  const jobCount = async () => (await ctx.http().get('/api/v1/jobs').set(auth())).body.total_count as number;

  test('more than 50 requests is 422 BATCH_TOO_LARGE naming the maximum', async () => {
    const res = await ctx.http().post('/api/v1/videos/batch').set(auth()).send({ jobs: Array.from({ length: 51 }, (_, i) => request(i)) });
    expect(res.status).toBe(422);
    expect(res.body.error.error_code).toBe('BATCH_TOO_LARGE');
    expect(res.body.error.message).toContain('50');
  });

  test('jobs missing, null or not an array is 422 VALIDATION_ERROR naming jobs, not BATCH_TOO_LARGE', async () => {
    const cases: Array<[unknown, string]> = [
      [undefined, 'jobs is required'],
      [null, 'jobs is required'],
      [{ topic: 'x' }, 'jobs must be an array'],
      ['many', 'jobs must be an array'],
    ];
    for (const [jobs, message] of cases) {
      const res = await ctx.http().post('/api/v1/videos/batch').set(auth()).send({ name: 'shapeless', jobs });
      expect([JSON.stringify(jobs), res.status, res.body.error.error_code]).toEqual([JSON.stringify(jobs), 422, 'VALIDATION_ERROR']);
      expect(res.body.error.details.fields).toEqual([{ field: 'jobs', errors: expect.arrayContaining([message]) }]);
    }
  });

  test('a missing configuration or upload in one request is named by its index', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ configuration_id: unknown }, 'jobs[1].configuration_id'],
      [{ custom_config: { scenes: [{ title: 'Pictured', image_file_id: unknown }] } }, 'jobs[1].custom_config.scenes[0].image_file_id'],
      [{ custom_config: { background_audio_file_id: unknown } }, 'jobs[1].custom_config.background_audio_file_id'],
    ];
    for (const [extra, field] of cases) {
      const res = await ctx.http().post('/api/v1/videos/batch').set(auth()).send({ jobs: [request(0), request(1, extra)] });
      expect([field, res.status, res.body.error.error_code]).toEqual([field, 404, 'NOT_FOUND']);
      expect(res.body.error.message).toContain(`(${field})`);
      expect(JSON.stringify(res.body.error.details)).toContain(`"${field}"`);
    }
  });

  test('one bad request is named by its index and nothing is created', async () => {
    const before = await jobCount();
    const res = await ctx
      .http()
      .post('/api/v1/videos/batch')
      .set(auth())
      .send({ name: 'bad', jobs: [request(0), request(1), request(2, { topic: '  ' })] });
    expect(res.status).toBe(422);
    expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['jobs[2].topic']);
    const empty = await ctx.http().post('/api/v1/videos/batch').set(auth()).send({ jobs: [] });
    expect(empty.status).toBe(422);
    expect(await jobCount()).toBe(before);
  });

  test('a batch runs to completion; its owner gets batch.update events; it is listed and filterable', async () => {
    const socket = await RecordingSocket.connect(ctx.url, token);
    const batchUpdates: Array<Record<string, any>> = [];
    socket.socket.on('batch.update', (b: Record<string, any>) => batchUpdates.push(b));
    const stranger = await RecordingSocket.connect(ctx.url, ctx.tokenFor('user_stranger'));
    const strangerBatches: unknown[] = [];
    stranger.socket.on('batch.update', (b: unknown) => strangerBatches.push(b));
    try {
      const res = await ctx.http().post('/api/v1/videos/batch').set(auth()).send({ name: 'Week 3', jobs: [request(0), request(1), request(2)] });
      expect(res.status).toBe(201);
      expect(res.headers.location).toBe(`/api/v1/batches/${res.body.batch_id}`);
      expect(res.body).toEqual(expect.objectContaining({ name: 'Week 3', total_jobs: 3, completed_at: null }));
      expect(['queued', 'processing']).toContain(res.body.status); // the worker may have started already
      expect(res.body.counts.queued + res.body.counts.processing).toBe(3);
      expect(res.body.jobs.map((j: { configuration: { topic: string } }) => j.configuration.topic)).toEqual(['Batch item 0', 'Batch item 1', 'Batch item 2']);
      const id = res.body.batch_id as string;

      const deadline = Date.now() + 120_000;
      while (!batchUpdates.some((b) => b.batch_id === id && b.status === 'completed') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const last = batchUpdates.filter((b) => b.batch_id === id).pop();
      expect(last).toEqual(expect.objectContaining({ status: 'completed', progress: 100, counts: expect.objectContaining({ completed: 3 }) }));
      expect(batchUpdates.some((b) => b.status === 'processing')).toBe(true);
      expect(strangerBatches).toEqual([]);

      const got = await ctx.http().get(`/api/v1/batches/${id}`).set(auth());
      expect(got.body).toEqual(expect.objectContaining({ status: 'completed', completed_at: expect.any(String), progress: 100 }));
      expect(got.body.jobs.every((j: { status: string; batch_id: string }) => j.status === 'completed' && j.batch_id === id)).toBe(true);
      const listed = await ctx.http().get('/api/v1/batches').set(auth());
      expect(listed.body.data.map((b: { batch_id: string }) => b.batch_id)).toContain(id);
      expect(listed.body.data[0].jobs).toBeUndefined();
      const filtered = await ctx.http().get(`/api/v1/jobs?batch_id=${id}`).set(auth());
      expect(filtered.body.total_count).toBe(3);
      expect((await ctx.http().get(`/api/v1/batches/${id}`).set({ Authorization: `Bearer ${ctx.tokenFor('user_stranger')}` })).status).toBe(404);
    } finally {
      socket.close();
      stranger.close();
    }
  });

  test('cancel stops what has not finished; delete removes the batch and all its jobs', async () => {
    const long = { context: Array.from({ length: 15 }, (_, i) => `Sentence ${i} makes this one take a while to render.`).join(' ') };
    const res = await ctx.http().post('/api/v1/videos/batch').set(auth()).send({ jobs: [request(0, long), request(1, long)] });
    const id = res.body.batch_id as string;
    const cancelled = await ctx.http().post(`/api/v1/batches/${id}/cancel`).set(auth());
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.counts.queued + cancelled.body.counts.processing).toBe(0);
    expect(['cancelled', 'partially_completed']).toContain(cancelled.body.status);

    const jobIds = cancelled.body.jobs.map((j: { job_id: string }) => j.job_id);
    expect((await ctx.http().delete(`/api/v1/batches/${id}`).set(auth())).status).toBe(204);
    expect((await ctx.http().get(`/api/v1/batches/${id}`).set(auth())).status).toBe(404);
    for (const jobId of jobIds) expect((await ctx.http().get(`/api/v1/jobs/${jobId}`).set(auth())).status).toBe(404);
  });
});
