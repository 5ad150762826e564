import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isTerminal, startTestApp, TestContext, waitForJob } from './support/test-app';

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
      return isTerminal(j);
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

/** The generator runs someone else's code: it sees an allow-listed environment, never the service's secrets. */
describe('external generator environment', () => {
  const ENV_GENERATOR = join(__dirname, 'fixtures', 'env-printing-generator.mjs');
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await startTestApp({
      APP_ROLE: 'all',
      PIPELINE: 'command',
      PIPELINE_COMMAND: `"${process.execPath}" "${ENV_GENERATOR}"`,
      CLERK_SECRET_KEY: 'sk_test_service_secret',
      WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
      LLM_API_KEY: 'llm-key-of-the-service',
      TZ: 'UTC',
      PIPELINE_ENV_OPENAI_API_KEY: 'sk-for-the-generator',
    });
  });
  afterAll(() => ctx.close());

  test('gets PATH, HOME, LANG, TZ and PIPELINE_ENV_<NAME> as <NAME>, and nothing else', async () => {
    const token = ctx.tokenFor('user_env');
    const created = await ctx.http().post('/api/v1/videos/generate').set('Authorization', `Bearer ${token}`).send({ topic: 'Environment', context: 'What a generator may see.', quality: 'low' });
    expect(created.status).toBe(201);
    const job = await waitForJob(ctx, token, created.body.job_id, isTerminal);
    expect(job.status).toBe('completed'); // ffmpeg was found through PATH
    const logs = (await ctx.http().get(`/api/v1/jobs/${created.body.job_id}/logs?limit=1000`).set('Authorization', `Bearer ${token}`)).body.logs as Array<{ message: string }>;
    const seen = new Map(
      logs.filter((l) => l.message.startsWith('env ')).map((l) => {
        const [name, ...value] = l.message.slice(4).split('=');
        return [name, value.join('=')] as const;
      }),
    );
    expect(seen.get('OPENAI_API_KEY')).toBe('sk-for-the-generator');
    expect(seen.get('TZ')).toBe('UTC');
    expect(seen.get('PATH')).toBe(process.env.PATH);
    expect([...seen.keys()].every((name) => ['PATH', 'HOME', 'LANG', 'TZ', 'OPENAI_API_KEY'].includes(name))).toBe(true);
    const everything = logs.map((l) => l.message).join('\n');
    for (const secret of ['sk_test_service_secret', 'whsec_', 'llm-key-of-the-service', 'BEGIN PUBLIC KEY', ctx.redis.url]) {
      expect(everything).not.toContain(secret);
    }
  });
});

/** A completed job's scratch is already gone: clients that see `completed` may count on the disk being free. */
describe('external generator scratch', () => {
  const SCRATCH_GENERATOR = join(__dirname, 'fixtures', 'scratch-heavy-generator.mjs');
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await startTestApp({ APP_ROLE: 'all', PIPELINE: 'command', PIPELINE_COMMAND: `"${process.execPath}" "${SCRATCH_GENERATOR}"`, PIPELINE_TIMEOUT_S: '120' });
  });
  afterAll(() => ctx.close());

  test('the work directory, with every file the generator left in it, is removed before the job reads completed', async () => {
    const token = ctx.tokenFor('user_scratch');
    const created = await ctx.http().post('/api/v1/videos/generate').set('Authorization', `Bearer ${token}`).send({ topic: 'Scratch', context: 'Frames on disk.', quality: 'low' });
    expect(created.status).toBe(201);
    const job = await waitForJob(ctx, token, created.body.job_id, isTerminal);
    expect(job.status).toBe('completed');
    expect(readdirSync(join(ctx.dataDir, 'storage', 'work'))).toEqual([]);
  });
});
