import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RenderStatsStore } from '../src/jobs/render-stats.store';
import { binaryBody, ffprobe } from './support/media';
import { isTerminal, startTestApp, TestContext, waitForJob } from './support/test-app';

/** The built-in pipeline's options through the API: custom_config checks, aspect ratios, captions, ETA. */
describe('built-in pipeline through the API', () => {
  let ctx: TestContext;
  let token: string;

  beforeAll(async () => {
    ctx = await startTestApp({ APP_ROLE: 'all' });
    token = ctx.tokenFor('user_pipeline');
  });
  afterAll(() => ctx.close());

  const submit = (body: Record<string, unknown>) =>
    ctx.http().post('/api/v1/videos/generate').set('Authorization', `Bearer ${token}`).send({ topic: 'Tides', context: 'The moon pulls the oceans. Twice a day the water rises and falls.', quality: 'low', ...body });

  test('custom_config keys the built-in pipeline does not know, or bad values, are 422 naming them', async () => {
    const unknown = await submit({ custom_config: { colour: 'red' } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.details.fields.map((f: { field: string }) => f.field)).toContain('custom_config.colour');
    const badRatio = await submit({ custom_config: { aspect_ratio: '4:3' } });
    expect(badRatio.status).toBe(422);
    expect(badRatio.body.error.details.fields[0].field).toBe('custom_config.aspect_ratio');
    const badScene = await submit({ custom_config: { scenes: [{ title: 'A', text: 'B', duration: 500 }] } });
    expect(badScene.status).toBe(422);
    expect(badScene.body.error.details.fields[0].field).toMatch(/^custom_config\.scenes\[0\]\.duration/);
  });

  test('portrait video with captions: 9:16 frame, WebVTT served and in sync', async () => {
    const created = await submit({ custom_config: { aspect_ratio: '9:16', theme: 'forest' } });
    expect(created.status).toBe(201);
    const id = created.body.job_id as string;
    const job = await waitForJob(ctx, token, id, isTerminal);
    expect(job.status).toBe('completed');
    const meta = (job as any).video;
    expect(meta.resolution).toBe('480x854');
    expect(meta.captions_url).toBe(`/api/v1/videos/jobs/${id}/captions`);

    const video = await ctx.http().get(`/api/v1/videos/jobs/${id}/download`).set('Authorization', `Bearer ${token}`).buffer(true).parse(binaryBody);
    const file = join(ctx.dataDir, 'portrait.mp4');
    writeFileSync(file, video.body);
    const probe = ffprobe(file);
    expect(probe).toEqual(expect.objectContaining({ width: 480, height: 854, videoCodec: 'h264', audioCodec: 'aac' }));

    const vtt = await ctx.http().get(meta.captions_url).set('Authorization', `Bearer ${token}`);
    expect(vtt.status).toBe(200);
    expect(vtt.headers['content-type']).toMatch(/^text\/vtt/);
    expect(vtt.text.startsWith('WEBVTT')).toBe(true);
    const cues = [...vtt.text.matchAll(/(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})/g)].map((m) => {
      const t = (h: string, mi: string, s: string, ms: string) => Number(h) * 3600 + Number(mi) * 60 + Number(s) + Number(ms) / 1000;
      return [t(m[1], m[2], m[3], m[4]), t(m[5], m[6], m[7], m[8])];
    });
    expect(cues.length).toBeGreaterThan(1);
    for (let i = 0; i < cues.length; i++) {
      expect(cues[i][1]).toBeGreaterThan(cues[i][0]);
      if (i > 0) expect(cues[i][0]).toBeGreaterThanOrEqual(cues[i - 1][1] - 0.001);
    }
    expect(cues[cues.length - 1][1]).toBeLessThanOrEqual(probe.duration + 0.05);
    expect(vtt.text).toContain('moon');
  });

  test('square video; captions of another user are 404; a video without captions answers 404 there', async () => {
    const created = await submit({ custom_config: { aspect_ratio: '1:1', captions: false } });
    const id = created.body.job_id as string;
    const job = await waitForJob(ctx, token, id, isTerminal);
    expect((job as any).video.resolution).toBe('480x480');
    const other = await ctx.http().get(`/api/v1/videos/jobs/${id}/captions`).set('Authorization', `Bearer ${ctx.tokenFor('user_else')}`);
    expect(other.status).toBe(404);
  });

  test('a saved configuration applies first and the request wins; uploads are used and must be the caller\'s', async () => {
    const dir = ctx.dataDir;
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=1', '-frames:v', '1', join(dir, 'picture.png')]);
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=330:duration=4', '-ac', '2', join(dir, 'music.wav')]);
    const upload = async (file: string, as = token) =>
      (await ctx.http().post('/api/v1/uploads/content').set('Authorization', `Bearer ${as}`).attach('file', join(dir, file))).body;
    const picture = await upload('picture.png');
    const music = await upload('music.wav');
    expect([picture.kind, music.kind]).toEqual(['image', 'audio']);

    const saved = await ctx
      .http()
      .post('/api/v1/configurations')
      .set('Authorization', `Bearer ${token}`)
      .send({ name: 'Square lessons', settings: { quality: 'medium', model: 'gpt-test', custom_config: { aspect_ratio: '1:1', theme: 'daylight' } } });
    expect(saved.status).toBe(201);

    const created = await submit({
      quality: 'low',
      configuration_id: saved.body.configuration_id,
      custom_config: {
        background_audio_file_id: music.file_id,
        scenes: [{ title: 'A picture', text: 'Here is a picture from an upload.', image_file_id: picture.file_id }],
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.configuration).toEqual(
      expect.objectContaining({
        quality: 'low', // the request wins
        model: 'gpt-test', // from the saved configuration
        configuration_id: saved.body.configuration_id,
        custom_config: expect.objectContaining({ aspect_ratio: '1:1', background_audio_file_id: music.file_id }),
      }),
    );
    const job = (await waitForJob(ctx, token, created.body.job_id, isTerminal)) as any;
    expect(job.status).toBe('completed');
    expect(job.video.resolution).toBe('480x480');

    const stranger = ctx.tokenFor('user_stranger');
    const foreignUpload = await ctx
      .http()
      .post('/api/v1/videos/generate')
      .set('Authorization', `Bearer ${stranger}`)
      .send({ topic: 'Mine?', context: 'Not mine.', custom_config: { scenes: [{ title: 'x', text: 'y', image_file_id: picture.file_id }] } });
    expect(foreignUpload.status).toBe(404);
    const foreignConfig = await ctx
      .http()
      .post('/api/v1/videos/generate')
      .set('Authorization', `Bearer ${stranger}`)
      .send({ topic: 'Mine?', context: 'Not mine.', configuration_id: saved.body.configuration_id });
    expect(foreignConfig.status).toBe(404);
    const wrongKind = await submit({ custom_config: { background_audio_file_id: picture.file_id } });
    expect(wrongKind.status).toBe(422);
  });

  test('without a model the deterministic planner turns the context\'s markup into math, code and bullet scenes, and the logs say so', async () => {
    const context = [
      'A right triangle links its three sides.',
      '$$a^2 + b^2 = c^2$$',
      'Three facts to remember:',
      '- The hypotenuse is the longest side',
      '- It faces the right angle',
      '- The theorem fails for other triangles',
      '```python',
      'import math',
      'print(math.hypot(3, 4))',
      '```',
    ].join('\n');
    const created = await submit({ topic: 'Pythagoras', context, model: 'some-model', use_rag: true });
    expect(created.status).toBe(201);
    const job = (await waitForJob(ctx, token, created.body.job_id, isTerminal)) as any;
    expect(job.status).toBe('completed');
    expect(job.video.generation).toEqual(expect.objectContaining({ planner: 'deterministic', voice: expect.stringContaining('espeak-ng') }));
    expect(job.video.generation.model).toBeUndefined();
    const logs = await ctx.http().get(`/api/v1/jobs/${job.job_id}/logs?limit=1000`).set('Authorization', `Bearer ${token}`);
    const text = (logs.body.logs as Array<{ message: string }>).map((l) => l.message).join('\n');
    expect(text).toMatch(/deterministic planner/);
    expect(text).toMatch(/no planning model is configured/); // the request named a model
    expect(text).toMatch(/no documents/); // use_rag without documents still renders
    const scenes = [...text.matchAll(/scene \d+\/(\d+) \(content\)/g)];
    expect(scenes.length).toBeGreaterThanOrEqual(3); // prose, formula, bullets, code
  });

  test('ETA: estimated_completion comes from the measured render times of the quality', async () => {
    // Earlier tests completed low-quality renders: their timings are the moving average now.
    const measured = await ctx.app.get(RenderStatsStore).renderTimes('low');
    expect(measured.total).toBeGreaterThan(0);
    expect(measured.render).toBeGreaterThan(0);
    const before = Date.now();
    const created = await submit({});
    const eta = Date.parse(created.body.estimated_completion) - before;
    expect(Math.abs(eta - (measured.total as number) * 1000)).toBeLessThan(1500); // empty queue: one render
    await waitForJob(ctx, token, created.body.job_id, isTerminal);
  });
});
