import { join } from 'node:path';
import { startTestApp, TestContext, waitForJob } from './support/test-app';

const GENERATOR = join(__dirname, '..', 'examples', 'generator', 'explainer-generator.mjs');

/** PIPELINE=command: the example external generator, through the API end to end. */
describe('external generator through the API', () => {
  let ctx: TestContext;
  let token: string;

  beforeAll(async () => {
    ctx = await startTestApp({ APP_ROLE: 'all', PIPELINE: 'command', PIPELINE_COMMAND: `"${process.execPath}" "${GENERATOR}"`, PIPELINE_TIMEOUT_S: '120' });
    token = ctx.tokenFor('user_generator');
  });
  afterAll(() => ctx.close());

  test('the request reaches the generator; its progress and logs are relayed; its video is served', async () => {
    const created = await ctx
      .http()
      .post('/api/v1/videos/generate')
      .set('Authorization', `Bearer ${token}`)
      .send({ topic: 'Photosynthesis', context: 'Plants turn light into sugar.', quality: 'low', model: 'gpt-test', use_rag: true, custom_config: { anything: 'goes' } });
    expect(created.status).toBe(201); // custom_config is passed through untouched to an external generator
    const stages = new Set<string>();
    const job = (await waitForJob(ctx, token, created.body.job_id, (j) => {
      stages.add(j.current_stage);
      return ['completed', 'failed', 'cancelled'].includes(j.status);
    })) as any;
    expect(job.status).toBe('completed');
    expect(job.video).toEqual(expect.objectContaining({ video_codec: 'h264', format: 'mp4' }));
    expect(job.video.duration).toBeGreaterThan(0);
    const logs = (await ctx.http().get(`/api/v1/jobs/${job.job_id}/logs?limit=1000`).set('Authorization', `Bearer ${token}`)).body.logs as Array<{ message: string }>;
    // The generator's own log lines, relayed (it logs the job id it was given and the frame size of the quality).
    expect(logs.some((l) => l.message.includes(`job ${job.job_id}:`) && l.message.includes('854x480'))).toBe(true);
    expect(stages.size).toBeGreaterThan(2); // its progress stages were relayed while it ran
    const download = await ctx.http().get(`/api/v1/videos/jobs/${job.job_id}/download`).set('Authorization', `Bearer ${token}`);
    expect(download.status).toBe(200);
  });
});
