import { createHash } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { binaryBody, ffprobe, processesMentioning } from './support/media';
import { isTerminal, startTestApp, TestContext, waitForJob } from './support/test-app';


/** The whole life of a job on a real Redis, real BullMQ worker and real ffmpeg renders. */
describe('video job lifecycle', () => {
  let ctx: TestContext;
  let token: string;
  let completedId: string;
  let video: Buffer;

  beforeAll(async () => {
    ctx = await startTestApp({ APP_ROLE: 'all' });
    token = ctx.tokenFor('user_viewer');
  });
  afterAll(() => ctx.close());

  const auth = (req: any) => req.set('Authorization', `Bearer ${token}`);

  test('submit → completed → download an H.264 + AAC MP4 at the requested resolution', async () => {
    const created = await auth(ctx.http().post('/api/v1/videos/generate')).send({
      topic: 'Why the sky is blue',
      context: 'Sunlight scatters off air molecules. Blue light scatters the most, so the sky looks blue.',
      quality: 'low',
    });
    expect(created.status).toBe(201);
    completedId = created.body.job_id;

    const seen = new Set<string>();
    const done = await waitForJob(ctx, token, completedId, (j) => {
      seen.add(j.status);
      return isTerminal(j);
    });
    expect(done).toEqual(expect.objectContaining({ status: 'completed', progress: 100, attempts: 1 }));

    const download = await auth(ctx.http().get(`/api/v1/videos/jobs/${completedId}/download`)).buffer(true).parse(binaryBody);
    expect(download.status).toBe(200);
    expect(download.headers['content-type']).toBe('video/mp4');
    expect(download.headers['accept-ranges']).toBe('bytes');
    expect(download.headers['content-disposition']).toMatch(/^attachment; filename="why-the-sky-is-blue-[0-9a-f]{8}\.mp4"$/);
    expect(download.headers.etag).toEqual(expect.any(String));
    video = download.body as Buffer;
    expect(Number(download.headers['content-length'])).toBe(video.length);

    const file = join(ctx.dataDir, 'downloaded.mp4');
    writeFileSync(file, video);
    const probe = ffprobe(file);
    expect(probe).toEqual(expect.objectContaining({ videoCodec: 'h264', audioCodec: 'aac', width: 854, height: 480, pixFmt: 'yuv420p' }));
    expect(probe.duration).toBeGreaterThan(1);

    const meta = await auth(ctx.http().get(`/api/v1/videos/jobs/${completedId}/metadata`));
    expect(meta.status).toBe(200);
    expect(meta.body).toEqual(
      expect.objectContaining({
        job_id: completedId,
        resolution: '854x480',
        format: 'mp4',
        video_codec: 'h264',
        audio_codec: 'aac',
        fps: 30,
        file_size: video.length,
        checksum_sha256: createHash('sha256').update(video).digest('hex'),
        download_url: `/api/v1/videos/jobs/${completedId}/download`,
        thumbnail_url: `/api/v1/videos/jobs/${completedId}/thumbnail`,
        logs_url: `/api/v1/jobs/${completedId}/logs`,
      }),
    );
    expect(Math.abs(meta.body.duration - probe.duration)).toBeLessThan(0.1);
    expect(meta.body.performance.processing_seconds).toBeGreaterThan(0);
    expect(Object.keys(meta.body.performance.stages)).toEqual(expect.arrayContaining(['plan', 'narrate', 'render', 'compose', 'finalize']));

    const job = await auth(ctx.http().get(`/api/v1/jobs/${completedId}`));
    expect(job.body.video).toEqual(meta.body);
    expect(readdirSync(join(ctx.dataDir, 'storage', 'work'))).toEqual([]); // the work directory is gone
  });

  test('Range requests return exactly the asked bytes; bad ranges are 416; ETag revalidates', async () => {
    const part = await auth(ctx.http().get(`/api/v1/videos/jobs/${completedId}/download`)).set('Range', 'bytes=100-1099').buffer(true).parse(binaryBody);
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100-1099/${video.length}`);
    expect(Buffer.compare(part.body, video.subarray(100, 1100))).toBe(0);

    const tail = await auth(ctx.http().get(`/api/v1/videos/jobs/${completedId}/download`)).set('Range', 'bytes=-500').buffer(true).parse(binaryBody);
    expect(tail.status).toBe(206);
    expect(Buffer.compare(tail.body, video.subarray(video.length - 500))).toBe(0);

    const bad = await auth(ctx.http().get(`/api/v1/videos/jobs/${completedId}/download`)).set('Range', `bytes=${video.length + 10}-`);
    expect(bad.status).toBe(416);
    expect(bad.headers['content-range']).toBe(`bytes */${video.length}`);
    expect(bad.body.error.error_code).toBe('RANGE_NOT_SATISFIABLE');

    const first = await auth(ctx.http().get(`/api/v1/videos/jobs/${completedId}/download`)).buffer(true).parse(binaryBody);
    const cached = await auth(ctx.http().get(`/api/v1/videos/jobs/${completedId}/download`)).set('If-None-Match', first.headers.etag);
    expect(cached.status).toBe(304);
  });

  test('thumbnail and logs of the completed job', async () => {
    const thumb = await auth(ctx.http().get(`/api/v1/videos/jobs/${completedId}/thumbnail`)).buffer(true).parse(binaryBody);
    expect(thumb.status).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/jpeg');
    expect((thumb.body as Buffer).subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));

    const logs = await auth(ctx.http().get(`/api/v1/jobs/${completedId}/logs?limit=2`));
    expect(logs.status).toBe(200);
    expect(logs.body.logs).toHaveLength(2);
    expect(logs.body.next_cursor).toBe('2');
    const rest = await auth(ctx.http().get(`/api/v1/jobs/${completedId}/logs?cursor=${logs.body.next_cursor}&limit=1000`));
    const all = [...logs.body.logs, ...rest.body.logs];
    expect(rest.body.next_cursor).toBeNull();
    const stages = new Set(all.map((l: { stage: string }) => l.stage));
    for (const stage of ['plan', 'narrate', 'render', 'compose', 'finalize']) expect(stages).toContain(stage);
    expect(all.every((l: { timestamp: string; level: string }) => !Number.isNaN(Date.parse(l.timestamp)) && l.level)).toBe(true);
  });

  test('cancel a running job: cancelled, its ffmpeg/espeak children gone, later progress ignored', async () => {
    const created = await auth(ctx.http().post('/api/v1/videos/generate')).send({
      topic: 'A long lecture',
      context: Array.from({ length: 24 }, (_, i) => `This is sentence number ${i + 1} of a long explanation that keeps the renderer busy.`).join(' '),
      quality: 'medium',
    });
    const id = created.body.job_id as string;
    await waitForJob(ctx, token, id, (j) => j.status === 'processing' && j.progress > 5, 60_000);
    const workDirs = () => readdirSync(join(ctx.dataDir, 'storage', 'work')).filter((d) => d.startsWith(id));
    expect(workDirs()).toHaveLength(1);

    const cancelledAt = Date.now();
    const cancel = await auth(ctx.http().post(`/api/v1/jobs/${id}/cancel`));
    expect(cancel.status).toBe(200);
    expect(cancel.body.status).toBe('cancelled');
    const progressAtCancel = cancel.body.progress;

    // Children die and the work directory is removed within seconds.
    while ((processesMentioning(id).length > 0 || workDirs().length > 0) && Date.now() - cancelledAt < 10_000) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(processesMentioning(id)).toEqual([]);
    expect(workDirs()).toEqual([]);

    await new Promise((r) => setTimeout(r, 1500));
    const later = await auth(ctx.http().get(`/api/v1/jobs/${id}`));
    expect(later.body.status).toBe('cancelled');
    expect(later.body.progress).toBe(progressAtCancel);
    expect(later.body.video).toBeUndefined();
    expect(existsSync(join(ctx.dataDir, 'storage', 'jobs', id))).toBe(false);
  });

  test('delete: every route answers 404 afterwards, files and Redis keys are gone', async () => {
    const routes = [
      `/api/v1/jobs/${completedId}`,
      `/api/v1/videos/jobs/${completedId}/status`,
      `/api/v1/videos/jobs/${completedId}/download`,
      `/api/v1/videos/jobs/${completedId}/metadata`,
      `/api/v1/videos/jobs/${completedId}/thumbnail`,
      `/api/v1/jobs/${completedId}/logs`,
    ];
    expect(existsSync(join(ctx.dataDir, 'storage', 'jobs', completedId))).toBe(true);
    const del = await auth(ctx.http().delete(`/api/v1/jobs/${completedId}`));
    expect(del.status).toBe(204);
    for (const path of routes) {
      const res = await auth(ctx.http().get(path));
      expect([path, res.status]).toEqual([path, 404]);
    }
    expect((await auth(ctx.http().post(`/api/v1/jobs/${completedId}/cancel`))).status).toBe(404);
    expect((await auth(ctx.http().delete(`/api/v1/jobs/${completedId}`))).status).toBe(404);
    const list = await auth(ctx.http().get('/api/v1/jobs?items_per_page=100'));
    expect(list.body.data.map((j: { job_id: string }) => j.job_id)).not.toContain(completedId);
    expect(existsSync(join(ctx.dataDir, 'storage', 'jobs', completedId))).toBe(false);

    const redis = new Redis(ctx.redis.url);
    try {
      const keys = await redis.keys(`*${completedId}*`);
      // Only the audit tombstone remains (BullMQ's record of the job went too).
      expect(keys).toEqual([`vgs-test:tombstone:${completedId}`]);
      for (const set of await redis.keys('vgs-test:user:*:jobs*')) expect(await redis.zscore(set, completedId)).toBeNull();
    } finally {
      redis.disconnect();
    }
  });
});
