import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig } from '../src/config/app-config';
import { StorageService, SweepJob } from '../src/files/storage.service';
import { S3Event, TestS3 } from './support/s3-server';
import { isTerminal, startTestApp, TestContext, waitForJob } from './support/test-app';
import { until } from './support/wait';
import { binaryBody } from './support/media';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const eventsOf = (s3: TestS3, key: string) => s3.events.filter((e: S3Event) => e.key === key).map((e) => e.event);

/** STORAGE_DRIVER=s3 against a real S3-compatible server (s3rver, started by the test): no mock of the AWS SDK. */
describe('S3 storage', () => {
  let s3: TestS3;

  beforeAll(async () => {
    s3 = await TestS3.start();
  });
  afterAll(() => s3.destroy());

  describe('StorageService on a bucket', () => {
    let scratch: string;
    let storage: StorageService;

    beforeAll(async () => {
      scratch = mkdtempSync(join(tmpdir(), 'vgs-s3-scratch-'));
      const env = s3.env();
      const config = {
        storageDir: scratch,
        s3: {
          endpoint: env.S3_ENDPOINT,
          region: env.S3_REGION,
          bucket: env.S3_BUCKET,
          accessKeyId: env.S3_ACCESS_KEY_ID,
          secretAccessKey: env.S3_SECRET_ACCESS_KEY,
          forcePathStyle: true,
          downloadMode: 'proxy',
          presignTtlSeconds: 60,
        },
      } as AppConfig;
      storage = new StorageService(config);
      await storage.onModuleInit();
    });
    afterAll(() => rmSync(scratch, { recursive: true, force: true }));

    /** A finished render in a local work directory, as a pipeline leaves it. */
    async function render(jobId: string, attempt: number, video: Buffer) {
      const workDir = await storage.createWorkDir(jobId, attempt);
      const files = { video: join(workDir, 'video.mp4'), thumbnail: join(workDir, 'thumbnail.jpg'), captions: join(workDir, 'captions.vtt') };
      writeFileSync(files.video, video);
      writeFileSync(files.thumbnail, `thumbnail of attempt ${attempt}`);
      writeFileSync(files.captions, 'WEBVTT\n');
      return { workDir, files };
    }

    test('each attempt keeps its files under a prefix of its own; a large video goes up in parts; a losing attempt deletes only its own objects', async () => {
      const id = randomUUID();
      const large = randomBytes(12 * 1024 * 1024 + 5); // more than one 8 MiB part
      const first = await render(id, 1, Buffer.from('the late loser'));
      const second = await render(id, 2, large);

      const winner = await storage.keepOutputs(id, 2, second.files);
      const loser = await storage.keepOutputs(id, 1, first.files);
      expect(winner).toMatch(new RegExp(`^jobs/${id}/2-[A-Za-z0-9]{6}$`));
      expect(loser).toMatch(new RegExp(`^jobs/${id}/1-[A-Za-z0-9]{6}$`));
      expect(readdirSync(second.workDir)).toEqual([]); // moved into the bucket, not copied
      expect(await s3.keys(`jobs/${id}/`)).toEqual(
        [loser, winner].flatMap((folder) => ['captions.vtt', 'thumbnail.jpg', 'video.mp4'].map((name) => `${folder}/${name}`)).sort(),
      );
      expect(eventsOf(s3, `${winner}/video.mp4`)).toEqual(['ObjectCreated:Post']); // a completed multipart upload
      expect(eventsOf(s3, `${winner}/thumbnail.jpg`)).toEqual(['ObjectCreated:Put']); // small: one PUT

      await storage.removeAttemptFiles(id, loser);
      expect(await s3.keys(`jobs/${id}/`)).toEqual([`${winner}/captions.vtt`, `${winner}/thumbnail.jpg`, `${winner}/video.mp4`]);
      const video = await storage.statVideo(id, winner);
      expect(video).toEqual({ key: `${winner}/video.mp4`, size: large.length, modifiedAt: expect.any(Date) });
      const fetched = await storage.localFile(`${winner}/video.mp4`, join(scratch, 'fetched'));
      expect(sha256(readFileSync(fetched))).toBe(sha256(large));

      await storage.removeJobFiles(id);
      expect(await s3.keys(`jobs/${id}/`)).toEqual([]);
      expect(await storage.statVideo(id, winner)).toBeNull();
    });

    test('a keep that fails leaves no object of that attempt behind', async () => {
      const id = randomUUID();
      const { files } = await render(id, 1, Buffer.from('x'));
      rmSync(files.thumbnail);
      await expect(storage.keepOutputs(id, 1, files)).rejects.toThrow(/ENOENT/);
      expect(await s3.keys(`jobs/${id}/`)).toEqual([]);
    });

    test('the start-up sweep lists the bucket by prefix: stale attempts of finished jobs go, the winner and live jobs stay', async () => {
      const completed = randomUUID();
      const processing = randomUUID();
      const missing = randomUUID();
      const winner = await storage.keepOutputs(completed, 2, (await render(completed, 2, Buffer.from('won'))).files);
      const stray = await storage.keepOutputs(completed, 1, (await render(completed, 1, Buffer.from('lost'))).files);
      const moving = await storage.keepOutputs(processing, 1, (await render(processing, 1, Buffer.from('moving'))).files);
      const orphan = await storage.keepOutputs(missing, 1, (await render(missing, 1, Buffer.from('deleted job'))).files);
      const jobs = new Map<string, SweepJob>([
        [completed, { processing: false, terminal: true, storageDir: winner }],
        [processing, { processing: true, terminal: false }],
      ]);
      const asked: string[] = [];
      const lookup = async (ids: string[]) => {
        asked.push(...ids);
        return new Map(ids.flatMap((id) => (jobs.has(id) ? [[id, jobs.get(id) as SweepJob] as const] : [])));
      };

      // Within the minimum age nothing goes, whatever its job.
      expect(await storage.sweep(lookup, 3_600_000)).toEqual({ workDirs: 0, attemptDirs: 0 });
      expect((await s3.keys(`${stray}/`)).length).toBe(3);

      // Every (emptied) work directory render() left goes too, but the processing job's.
      const workDirs = readdirSync(join(scratch, 'work'));
      expect(await storage.sweep(lookup, 0)).toEqual({ workDirs: workDirs.length - 1, attemptDirs: 1 });
      expect(readdirSync(join(scratch, 'work'))).toEqual([expect.stringMatching(new RegExp(`^${processing}-1-`))]);
      expect(await s3.keys(`${stray}/`)).toEqual([]);
      for (const kept of [winner, moving, orphan]) expect((await s3.keys(`${kept}/`)).length).toBe(3);
      expect(asked).toEqual(expect.arrayContaining([completed, processing, missing]));
      for (const id of [completed, processing, missing]) await storage.removeJobFiles(id);
    });
  });

  describe('a whole job with STORAGE_DRIVER=s3', () => {
    let ctx: TestContext;
    let redirecting: TestContext;
    let token: string;
    let jobId: string;
    let imageId: string;
    let video: Buffer;
    let etag: string;
    const png = execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240', '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', 'pipe:1']);
    const auth = (req: any) => req.set('Authorization', `Bearer ${token}`);
    const download = (path = `/api/v1/videos/jobs/${jobId}/download`) => auth(ctx.http().get(path)).buffer(true).parse(binaryBody);

    beforeAll(async () => {
      ctx = await startTestApp({ APP_ROLE: 'all', ...s3.env() });
      token = ctx.tokenFor('user_s3');
    });
    afterAll(async () => {
      await redirecting?.close();
      await ctx?.close();
    });

    test('an uploaded image lives in the bucket and a render that uses it completes, its files in an attempt prefix', async () => {
      const uploaded = await auth(ctx.http().post('/api/v1/uploads/content')).attach('file', png, { filename: 'scene.png' });
      expect(uploaded.status).toBe(201);
      imageId = uploaded.body.file_id;
      const userDir = createHash('sha256').update('user_s3').digest('hex');
      expect(await s3.keys('uploads/')).toEqual([`uploads/${userDir}/${imageId}.png`]);
      expect(existsSync(join(ctx.dataDir, 'storage', 'uploads'))).toBe(false);

      const created = await auth(ctx.http().post('/api/v1/videos/generate')).send({
        topic: 'Colour bars',
        context: 'Test patterns help engineers line up a picture.',
        quality: 'low',
        custom_config: { scenes: [{ title: 'Bars', text: 'A test pattern on screen.', image_file_id: imageId }] },
      });
      expect(created.status).toBe(201);
      jobId = created.body.job_id;
      const done = await waitForJob(ctx, token, jobId, isTerminal);
      expect(done).toEqual(expect.objectContaining({ status: 'completed', attempts: 1 }));

      const keys = await s3.keys(`jobs/${jobId}/`);
      expect(keys).toEqual(['captions.vtt', 'thumbnail.jpg', 'video.mp4'].map((name) => expect.stringMatching(new RegExp(`^jobs/${jobId}/1-[A-Za-z0-9]{6}/${name}$`))));
      // Renders work on local scratch only, and leave nothing there.
      expect(existsSync(join(ctx.dataDir, 'storage', 'jobs'))).toBe(false);
      expect(readdirSync(join(ctx.dataDir, 'storage', 'work'))).toEqual([]);
    });

    test('proxied downloads: whole, Range, suffix range, 416, ETag 304, If-Range, HEAD; thumbnail and captions', async () => {
      const whole = await download();
      expect(whole.status).toBe(200);
      expect(whole.headers['content-type']).toBe('video/mp4');
      expect(whole.headers['accept-ranges']).toBe('bytes');
      expect(whole.headers['content-disposition']).toMatch(/^attachment; filename="colour-bars-[0-9a-f]{8}\.mp4"$/);
      video = whole.body as Buffer;
      etag = whole.headers.etag;
      expect(Number(whole.headers['content-length'])).toBe(video.length);
      const meta = await auth(ctx.http().get(`/api/v1/videos/jobs/${jobId}/metadata`));
      expect(sha256(video)).toBe(meta.body.checksum_sha256);
      expect(etag).toBe(`"${meta.body.checksum_sha256.slice(0, 32)}"`);

      const part = await download().set('Range', 'bytes=100-1099');
      expect(part.status).toBe(206);
      expect(part.headers['content-range']).toBe(`bytes 100-1099/${video.length}`);
      expect(Buffer.compare(part.body, video.subarray(100, 1100))).toBe(0);

      const tail = await download().set('Range', 'bytes=-500');
      expect(tail.status).toBe(206);
      expect(Buffer.compare(tail.body, video.subarray(video.length - 500))).toBe(0);

      const bad = await auth(ctx.http().get(`/api/v1/videos/jobs/${jobId}/download`)).set('Range', `bytes=${video.length + 10}-`);
      expect(bad.status).toBe(416);
      expect(bad.headers['content-range']).toBe(`bytes */${video.length}`);
      expect(bad.body.error.error_code).toBe('RANGE_NOT_SATISFIABLE');

      expect((await auth(ctx.http().get(`/api/v1/videos/jobs/${jobId}/download`)).set('If-None-Match', etag)).status).toBe(304);
      const stale = await download().set('Range', 'bytes=0-9').set('If-Range', '"not-the-current-one"');
      expect(stale.status).toBe(200); // the client's copy changed: the whole file, not a piece of the new one
      expect(stale.body.length).toBe(video.length);
      const current = await download().set('Range', 'bytes=0-9').set('If-Range', etag);
      expect(current.status).toBe(206);

      const head = await auth(ctx.http().head(`/api/v1/videos/jobs/${jobId}/download`));
      expect(head.status).toBe(200);
      expect(Number(head.headers['content-length'])).toBe(video.length);

      const thumb = await download(`/api/v1/videos/jobs/${jobId}/thumbnail`);
      expect(thumb.status).toBe(200);
      expect(thumb.headers['content-type']).toBe('image/jpeg');
      expect((thumb.body as Buffer).subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
      const captions = await auth(ctx.http().get(`/api/v1/videos/jobs/${jobId}/captions`));
      expect(captions.status).toBe(200);
      expect(captions.headers['content-type']).toBe('text/vtt; charset=utf-8');
      expect(captions.text).toMatch(/^WEBVTT/);
    });

    test('DOWNLOAD_MODE=redirect (an API process sharing only Redis and the bucket): 302 to a presigned URL that serves ranges', async () => {
      redirecting = await startTestApp({ APP_ROLE: 'api', ...s3.env({ DOWNLOAD_MODE: 'redirect', S3_PRESIGN_TTL_S: '120' }) }, { redis: ctx.redis, issuer: ctx.issuer });
      const get = (path: string) => redirecting.http().get(path).set('Authorization', `Bearer ${token}`);

      const moved = await get(`/api/v1/videos/jobs/${jobId}/download`);
      expect(moved.status).toBe(302);
      expect(moved.headers['cache-control']).toBe('no-store');
      const location = new URL(moved.headers.location);
      expect(location.origin).toBe(s3.endpoint);
      expect(location.searchParams.get('X-Amz-Expires')).toBe('120');

      const whole = await fetch(location);
      expect(whole.status).toBe(200);
      expect(whole.headers.get('content-disposition')).toMatch(/^attachment; filename="colour-bars-[0-9a-f]{8}\.mp4"$/);
      expect(whole.headers.get('content-type')).toBe('video/mp4');
      expect(sha256(Buffer.from(await whole.arrayBuffer()))).toBe(sha256(video));
      const part = await fetch(location, { headers: { Range: 'bytes=100-1099' } });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes 100-1099/${video.length}`);
      expect(Buffer.compare(Buffer.from(await part.arrayBuffer()), video.subarray(100, 1100))).toBe(0);
      expect((await fetch(location, { headers: { Range: `bytes=${video.length + 10}-` } })).status).toBe(416);

      // A client that holds the current file is told so at once, without a trip to the bucket.
      expect((await get(`/api/v1/videos/jobs/${jobId}/download`).set('If-None-Match', etag)).status).toBe(304);

      // A signed URL (for <video>) goes the same way.
      const urls = await redirecting.http().post(`/api/v1/videos/jobs/${jobId}/download-url`).set('Authorization', `Bearer ${token}`);
      expect(urls.status).toBe(200);
      const signed = await redirecting.http().get(urls.body.thumbnail_url);
      expect(signed.status).toBe(302);
      const thumbnail = await fetch(signed.headers.location);
      expect(thumbnail.headers.get('content-type')).toBe('image/jpeg');
      expect(thumbnail.headers.get('content-disposition')).toMatch(/^inline; /);
    });

    test('readiness checks the bucket: 503 while the S3 server is down, 200 once it is back', async () => {
      const ready = await ctx.http().get('/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.details.storage).toEqual({ status: 'up' });

      await s3.stop();
      try {
        const down = await ctx.http().get('/health/ready');
        expect(down.status).toBe(503);
        expect(down.body.error.details.checks.storage).toEqual({ status: 'down', message: expect.stringMatching(/^bucket not reachable: \w+$/) });
      } finally {
        await s3.restart();
      }
      await until('ready again', async () => (await ctx.http().get('/health/ready')).status === 200, 15_000);
    });

    test('deleting the job deletes its prefix; deleting the upload deletes its object', async () => {
      expect((await auth(ctx.http().delete(`/api/v1/jobs/${jobId}`))).status).toBe(204);
      expect(await s3.keys(`jobs/${jobId}/`)).toEqual([]);
      expect((await auth(ctx.http().get(`/api/v1/videos/jobs/${jobId}/download`))).status).toBe(404);

      expect((await auth(ctx.http().delete(`/api/v1/uploads/${imageId}`))).status).toBe(204);
      expect(await s3.keys('uploads/')).toEqual([]);
    });
  });
});
