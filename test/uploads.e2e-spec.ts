import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { AppException } from '../src/common/error-codes';
import { UploadStore } from '../src/uploads/upload.store';
import { UploadsService } from '../src/uploads/uploads.service';
import { ffprobe } from './support/media';
import { startTestApp, TestContext } from './support/test-app';

const MiB = 1024 * 1024;

/** Real fixtures, made by the installed ffmpeg (Debian's, which scripts/setup.sh installs, has every encoder used). */
function makeFixtures(dir: string) {
  const ffmpeg = (...args: string[]) => execFileSync('ffmpeg', ['-hide_banner', '-v', 'error', '-y', ...args]);
  const file = (name: string) => join(dir, name);

  ffmpeg('-f', 'lavfi', '-i', 'testsrc=size=320x240', '-frames:v', '1', file('a.png'));
  ffmpeg('-f', 'lavfi', '-i', 'testsrc=size=5000x2000', '-frames:v', '1', file('wide.png'));
  ffmpeg('-f', 'lavfi', '-i', 'color=black:size=8000x7000', '-frames:v', '1', file('bomb.png'));
  ffmpeg('-f', 'lavfi', '-i', 'testsrc=size=640x480', '-frames:v', '1', file('b.jpg'));
  ffmpeg('-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', '-metadata', 'title=SECRET-TITLE', file('a.wav'));
  ffmpeg('-f', 'lavfi', '-i', 'testsrc=size=200x100', '-frames:v', '1', '-c:v', 'libwebp', file('a.webp'));
  ffmpeg('-f', 'lavfi', '-i', 'sine=duration=3', '-c:a', 'libmp3lame', '-b:a', '64k', '-metadata', 'title=SECRET-TITLE', file('a.mp3'));
  ffmpeg('-f', 'lavfi', '-i', 'sine=duration=1.5', '-c:a', 'libvorbis', file('a.ogg'));

  // A JPEG carrying an EXIF block (orientation 6: "rotate 90° to display"), a comment, and a payload after
  // its end-of-image marker: none of it may survive, but the orientation must be applied to the pixels.
  const jpeg = readFileSync(file('b.jpg'));
  const tiff = Buffer.from([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0]);
  const segment = (marker: number, body: Buffer) => Buffer.concat([Buffer.from([0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff]), body]);
  const tainted = Buffer.concat([
    jpeg.subarray(0, 2),
    segment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff, Buffer.from('SECRET-EXIF', 'latin1')])),
    segment(0xfe, Buffer.from('SECRET-COMMENT', 'latin1')),
    jpeg.subarray(2),
    Buffer.from('SECRET-TRAILER', 'latin1'),
  ]);
  return {
    png: readFileSync(file('a.png')),
    widePng: readFileSync(file('wide.png')),
    bombPng: readFileSync(file('bomb.png')),
    taintedJpeg: tainted,
    wav: readFileSync(file('a.wav')),
    webp: readFileSync(file('a.webp')),
    mp3: readFileSync(file('a.mp3')),
    ogg: readFileSync(file('a.ogg')),
  };
}

describe('uploads', () => {
  let ctx: TestContext;
  const fixtureDir = mkdtempSync(join(tmpdir(), 'vgs-upload-fixtures-'));
  const fx = makeFixtures(fixtureDir);
  const alice = () => ctx.tokenFor('user_alice');
  const bob = () => ctx.tokenFor('user_bob');

  const upload = (token: string, data: Buffer, filename: string, contentType = 'application/octet-stream') =>
    ctx.http().post('/api/v1/uploads/content').set('Authorization', `Bearer ${token}`).attach('file', data, { filename, contentType });
  const get = (token: string, path: string) => ctx.http().get(path).set('Authorization', `Bearer ${token}`);
  const storedPath = async (userId: string, fileId: string, kind: 'image' | 'audio') => {
    const assets = await ctx.app
      .get(UploadsService)
      .resolveAssets(userId, kind === 'image' ? { scenes: [{ image_file_id: fileId }] } : { background_audio_file_id: fileId });
    return kind === 'image' ? assets.images[fileId] : (assets.backgroundAudio as string);
  };

  beforeAll(async () => {
    ctx = await startTestApp({ APP_ROLE: 'api' });
  });
  afterAll(async () => {
    await ctx?.close();
    rmSync(fixtureDir, { recursive: true, force: true });
  });

  describe('accepted formats', () => {
    test('PNG: 201 with its dimensions, a Location, and the metadata readable again', async () => {
      const res = await upload(alice(), fx.png, 'a.png', 'image/png');
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        file_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        kind: 'image',
        content_type: 'image/png',
        size: expect.any(Number),
        width: 320,
        height: 240,
        duration: null,
        created_at: expect.any(String),
      });
      expect(res.headers.location).toBe(`/api/v1/uploads/${res.body.file_id}`);
      const again = await get(alice(), `/api/v1/uploads/${res.body.file_id}`);
      expect(again.status).toBe(200);
      expect(again.body).toEqual(res.body);
    });

    test('JPEG: re-encoded without EXIF, comment or trailing payload, orientation applied to the pixels', async () => {
      expect(fx.taintedJpeg.includes('SECRET-TRAILER')).toBe(true);
      const res = await upload(alice(), fx.taintedJpeg, 'photo.jpg', 'image/jpeg');
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ kind: 'image', content_type: 'image/jpeg', width: 480, height: 640 });
      const stored = await storedPath('user_alice', res.body.file_id, 'image');
      const bytes = readFileSync(stored);
      expect(bytes.includes('SECRET')).toBe(false);
      expect(bytes.includes('Exif')).toBe(false);
      expect(bytes.length).toBe(res.body.size);
      expect(ffprobe(stored)).toMatchObject({ videoCodec: 'mjpeg', width: 480, height: 640 });
    });

    test('an image larger than 3840x3840 is scaled down to fit, keeping its aspect ratio', async () => {
      const res = await upload(alice(), fx.widePng, 'wide.png');
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ width: 3840, height: 1536 });
      expect(ffprobe(await storedPath('user_alice', res.body.file_id, 'image'))).toMatchObject({ width: 3840, height: 1536 });
    });

    test('WebP, kept as PNG', async () => {
      const res = await upload(alice(), fx.webp, 'a.webp', 'image/webp');
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ kind: 'image', content_type: 'image/png', width: 200, height: 100 });
      expect(ffprobe(await storedPath('user_alice', res.body.file_id, 'image')).videoCodec).toBe('png');
    });

    test('WAV: 201 with its duration; tags are not kept', async () => {
      const res = await upload(alice(), fx.wav, 'tone.wav', 'audio/wav');
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ kind: 'audio', content_type: 'audio/wav', width: null, height: null, duration: 2 });
      const stored = await storedPath('user_alice', res.body.file_id, 'audio');
      expect(readFileSync(stored).includes('SECRET')).toBe(false);
      expect(ffprobe(stored)).toMatchObject({ audioCodec: 'pcm_s16le', duration: 2 });
    });

    test('MP3: 201 with its duration; the ID3 title is not kept', async () => {
      const res = await upload(alice(), fx.mp3, 'tone.mp3', 'audio/mpeg');
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ kind: 'audio', content_type: 'audio/mpeg', width: null, height: null });
      expect(res.body.duration).toBeCloseTo(3, 1);
      const stored = await storedPath('user_alice', res.body.file_id, 'audio');
      expect(readFileSync(stored).includes('SECRET')).toBe(false);
      expect(ffprobe(stored).audioCodec).toBe('mp3');
    });

    test('OGG: 201 with its duration', async () => {
      const res = await upload(alice(), fx.ogg, 'tone.ogg', 'audio/ogg');
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ kind: 'audio', content_type: 'audio/ogg' });
      expect(res.body.duration).toBeCloseTo(1.5, 1);
    });

    test('the type comes from the bytes: a PNG named .mp3 and sent as audio/mpeg is an image', async () => {
      const res = await upload(alice(), fx.png, 'song.mp3', 'audio/mpeg');
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ kind: 'image', content_type: 'image/png', width: 320, height: 240 });
    });
  });

  describe('refused uploads', () => {
    test('a text file named x.png is 415', async () => {
      const res = await upload(alice(), Buffer.from('just some text, not a picture\n'), 'x.png', 'image/png');
      expect(res.status).toBe(415);
      expect(res.body.error.error_code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });

    test('a PNG signature followed by garbage is 415: it cannot be decoded', async () => {
      const res = await upload(alice(), Buffer.concat([fx.png.subarray(0, 8), Buffer.alloc(4096, 7)]), 'broken.png');
      expect(res.status).toBe(415);
      expect(res.body.error.message).toMatch(/could not be decoded/);
    });

    test('an image over 10 MiB is 413 (a real PNG padded to 11 MiB)', async () => {
      const res = await upload(alice(), Buffer.concat([fx.png, Buffer.alloc(11 * MiB - fx.png.length)]), 'big.png');
      expect(res.status).toBe(413);
      expect(res.body.error).toMatchObject({ error_code: 'PAYLOAD_TOO_LARGE', details: { max_bytes: 10 * MiB, size: 11 * MiB } });
    });

    test('any file over 20 MiB is 413 before its type matters', async () => {
      const res = await upload(alice(), Buffer.concat([fx.wav, Buffer.alloc(21 * MiB)]), 'huge.wav');
      expect(res.status).toBe(413);
      expect(res.body.error).toMatchObject({ error_code: 'PAYLOAD_TOO_LARGE', details: { max_bytes: 20 * MiB } });
    });

    test('an image declaring more than 50 megapixels is 422, refused before it is decoded', async () => {
      const res = await upload(alice(), fx.bombPng, 'bomb.png');
      expect(res.status).toBe(422);
      expect(res.body.error.details.fields).toEqual([{ field: 'file', errors: ['image must have at most 50 megapixels'] }]);
    });

    test('a JSON body is 415; a form without a file is 422; a file under another name is 422', async () => {
      const json = await ctx.http().post('/api/v1/uploads/content').set('Authorization', `Bearer ${alice()}`).send({ file: 'x' });
      expect(json.status).toBe(415);
      expect(json.body.error.error_code).toBe('UNSUPPORTED_MEDIA_TYPE');

      const noFile = await ctx.http().post('/api/v1/uploads/content').set('Authorization', `Bearer ${alice()}`).field('note', 'hello');
      expect(noFile.status).toBe(422);
      expect(noFile.body.error.details.fields[0].field).toBe('file');

      const otherName = await ctx
        .http()
        .post('/api/v1/uploads/content')
        .set('Authorization', `Bearer ${alice()}`)
        .attach('picture', fx.png, { filename: 'a.png', contentType: 'image/png' });
      expect(otherName.status).toBe(422);
      expect(otherName.body.error.error_code).toBe('VALIDATION_ERROR');
    });

    test('without credentials: 401', async () => {
      const res = await ctx.http().post('/api/v1/uploads/content').attach('file', fx.png, { filename: 'a.png' });
      expect(res.status).toBe(401);
    });
  });

  describe('listing, reading and deleting', () => {
    const carol = () => ctx.tokenFor('user_carol');
    const ids: { image: string[]; audio: string[] } = { image: [], audio: [] };

    beforeAll(async () => {
      for (const [data, name, kind] of [
        [fx.png, 'one.png', 'image'],
        [fx.wav, 'one.wav', 'audio'],
        [fx.png, 'two.png', 'image'],
        [fx.png, 'three.png', 'image'],
        [fx.wav, 'two.wav', 'audio'],
      ] as const) {
        const res = await upload(carol(), data, name);
        expect(res.status).toBe(201);
        ids[kind].push(res.body.file_id);
      }
    });

    test('paginated, newest first, optionally by kind; others see none of it', async () => {
      const page1 = await get(carol(), '/api/v1/uploads?items_per_page=2');
      expect(page1.status).toBe(200);
      expect(page1.body).toMatchObject({ total_count: 5, page: 1, items_per_page: 2, has_more: true });
      expect(page1.body.data.map((u: { file_id: string }) => u.file_id)).toEqual([ids.audio[1], ids.image[2]]);
      const page3 = await get(carol(), '/api/v1/uploads?items_per_page=2&page=3');
      expect(page3.body).toMatchObject({ total_count: 5, has_more: false });
      expect(page3.body.data.map((u: { file_id: string }) => u.file_id)).toEqual([ids.image[0]]);

      const images = await get(carol(), '/api/v1/uploads?kind=image');
      expect(images.body.total_count).toBe(3);
      expect(images.body.data.map((u: { file_id: string }) => u.file_id)).toEqual([...ids.image].reverse());
      const audio = await get(carol(), '/api/v1/uploads?kind=audio');
      expect(audio.body.data.every((u: { kind: string }) => u.kind === 'audio')).toBe(true);

      expect((await get(carol(), '/api/v1/uploads?kind=video')).status).toBe(422);
      expect((await get(bob(), '/api/v1/uploads')).body).toMatchObject({ total_count: 0, data: [] });
    });

    test("another user's upload is 404 to read and to delete; a non-UUID id is 404", async () => {
      const id = ids.image[0];
      expect((await get(bob(), `/api/v1/uploads/${id}`)).status).toBe(404);
      const del = await ctx.http().delete(`/api/v1/uploads/${id}`).set('Authorization', `Bearer ${bob()}`);
      expect(del.status).toBe(404);
      expect(del.body.error.error_code).toBe('NOT_FOUND');
      expect((await get(carol(), `/api/v1/uploads/${id}`)).status).toBe(200);
      expect((await get(carol(), '/api/v1/uploads/not-a-uuid')).status).toBe(404);
    });

    test('delete: 204, then the file, the keys and every read are gone', async () => {
      const id = ids.image[1];
      const file = await storedPath('user_carol', id, 'image');
      expect(existsSync(file)).toBe(true);
      const { size } = (await get(carol(), `/api/v1/uploads/${id}`)).body as { size: number };
      const before = await ctx.app.get(UploadStore).usage('user_carol');
      const del = await ctx.http().delete(`/api/v1/uploads/${id}`).set('Authorization', `Bearer ${carol()}`);
      expect(del.status).toBe(204);
      expect(existsSync(file)).toBe(false);
      expect(await ctx.app.get(UploadStore).usage('user_carol')).toEqual({ files: before.files - 1, bytes: before.bytes - size });
      expect((await get(carol(), `/api/v1/uploads/${id}`)).status).toBe(404);
      expect((await ctx.http().delete(`/api/v1/uploads/${id}`).set('Authorization', `Bearer ${carol()}`)).status).toBe(404);
      const list = await get(carol(), '/api/v1/uploads?items_per_page=100');
      expect(list.body.total_count).toBe(4);
      expect(list.body.data.some((u: { file_id: string }) => u.file_id === id)).toBe(false);

      const redis = new Redis(ctx.redis.url);
      try {
        expect(await redis.exists(`vgs-test:upload:${id}`)).toBe(0);
        expect(await redis.zscore('vgs-test:user:user_carol:uploads:image', id)).toBeNull();
        const keys = await redis.keys('*upload*');
        expect(keys.length).toBeGreaterThan(0);
        expect(keys.filter((k) => !k.startsWith('vgs-test:'))).toEqual([]);
      } finally {
        redis.disconnect();
      }
    });

    test('files live under a directory named by the hash of the user id, never the id itself', async () => {
      const file = await storedPath('user_carol', ids.image[0], 'image');
      expect(file.startsWith(join(ctx.dataDir, 'storage', 'uploads'))).toBe(true);
      expect(file).not.toContain('user_carol');
      expect(file).toMatch(/\/uploads\/[0-9a-f]{64}\/[0-9a-f-]{36}\.png$/);
    });
  });

  describe('quota', () => {
    test('a user at the quota gets 409 CONFLICT', async () => {
      const redis = new Redis(ctx.redis.url);
      try {
        await redis.hset('vgs-test:user:user_full:upload-usage', 'bytes', String(2048 * MiB));
      } finally {
        redis.disconnect();
      }
      const res = await upload(ctx.tokenFor('user_full'), fx.png, 'a.png');
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ error_code: 'CONFLICT', details: { quota: { max_bytes: 2048 * MiB } } });
    });

    test('the store checks the quota atomically: of two uploads racing for the last place, one gets in', async () => {
      const store = ctx.app.get(UploadStore);
      const record = (size: number) => {
        const fileId = randomUUID();
        return {
          fileId,
          userId: 'user_quota',
          kind: 'image' as const,
          contentType: 'image/png',
          size,
          width: 1,
          height: 1,
          duration: null,
          path: `uploads/${'0'.repeat(64)}/${fileId}.png`,
          createdAt: new Date().toISOString(),
        };
      };
      const outcomes = await Promise.all([store.create(record(100), { maxFiles: 1, maxBytes: 1000 }), store.create(record(100), { maxFiles: 1, maxBytes: 1000 })]);
      expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
      expect(outcomes.find((o) => !o.ok)).toEqual({ ok: false, exceeded: 'files' });
      expect(await store.create(record(60), { maxFiles: 10, maxBytes: 150 })).toEqual({ ok: false, exceeded: 'bytes' });
      expect(await store.usage('user_quota')).toEqual({ files: 1, bytes: 100 });
    });
  });

  describe('resolveAssets (used by submission and the worker)', () => {
    let image: string;
    let audio: string;
    let bobsImage: string;

    beforeAll(async () => {
      image = (await upload(alice(), fx.png, 'scene.png')).body.file_id;
      audio = (await upload(alice(), fx.wav, 'music.wav')).body.file_id;
      bobsImage = (await upload(bob(), fx.png, 'bob.png')).body.file_id;
    });

    test("the user's own files resolve to existing absolute paths", async () => {
      const assets = await ctx.app.get(UploadsService).resolveAssets('user_alice', {
        scenes: [{ image_file_id: image }, { title: 'no picture' }, { image_file_id: image }],
        background_audio_file_id: audio,
      });
      expect(Object.keys(assets.images)).toEqual([image]);
      expect(existsSync(assets.images[image])).toBe(true);
      expect(assets.backgroundAudio && existsSync(assets.backgroundAudio)).toBe(true);
    });

    test('nothing named: nothing to resolve; values of the wrong JSON type are left to the pipeline check', async () => {
      const service = ctx.app.get(UploadsService);
      expect(await service.resolveAssets('user_alice', {})).toEqual({ images: {} });
      expect(await service.resolveAssets('user_alice', { scenes: 'x', background_audio_file_id: 42 })).toEqual({ images: {} });
      expect(await service.resolveAssets('user_alice', { scenes: [null, 3, { image_file_id: 7 }] })).toEqual({ images: {} });
    });

    test("another user's id, an unknown id, or a non-UUID is NOT_FOUND naming the id", async () => {
      const service = ctx.app.get(UploadsService);
      for (const id of [bobsImage, '00000000-0000-4000-8000-000000000000', 'nope']) {
        const error = await service.resolveAssets('user_alice', { scenes: [{ image_file_id: image }, { image_file_id: id }] }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(AppException);
        expect((error as AppException).errorCode).toBe('NOT_FOUND');
        expect((error as AppException).message).toContain(id);
        expect((error as AppException).details).toEqual({ missing: [{ field: 'custom_config.scenes[1].image_file_id', file_id: id }] });
      }
    });

    test('an upload of the wrong kind is a VALIDATION_ERROR on that field', async () => {
      const error = await ctx
        .app.get(UploadsService)
        .resolveAssets('user_alice', { scenes: [{ image_file_id: image }, { image_file_id: audio }], background_audio_file_id: image })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppException);
      expect((error as AppException).errorCode).toBe('VALIDATION_ERROR');
      expect((error as AppException).details).toEqual({
        fields: [
          { field: 'custom_config.scenes[1].image_file_id', errors: ['must name an image upload'] },
          { field: 'custom_config.background_audio_file_id', errors: ['must name an audio upload'] },
        ],
      });
    });
  });
});
