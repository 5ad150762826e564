import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { AppException } from '../src/common/error-codes';
import { DecodeSlots } from '../src/uploads/decode-slots';
import { UploadStore } from '../src/uploads/upload.store';
import { UploadsService } from '../src/uploads/uploads.service';
import { ffprobe } from './support/media';
import { pngDeclaring } from './support/png';
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
      .resolveAssets(userId, kind === 'image' ? { scenes: [{ image_file_id: fileId }] } : { background_audio_file_id: fileId }, false);
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
        name: 'a.png',
        content_type: 'image/png',
        size: expect.any(Number),
        width: 320,
        height: 240,
        duration: null,
        characters: null,
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
    test('binary data that is no accepted format is 415, whatever its name', async () => {
      const res = await upload(alice(), Buffer.from([0x00, 0x01, 0x02, 0x03, 0xfe, 0xff, 0x10, 0x20]), 'x.png', 'image/png');
      expect(res.status).toBe(415);
      expect(res.body.error.error_code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(res.body.error.details.accepted).toEqual(expect.arrayContaining(['image/png', 'text/plain', 'text/markdown']));
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

    test('an image of more than 4096x4096 pixels is 422, refused by its header before it is decoded', async () => {
      const res = await upload(alice(), fx.bombPng, 'bomb.png');
      expect(res.status).toBe(422);
      expect(res.body.error.details.fields).toEqual([
        { field: 'file', errors: ['image must have at most 16.8 megapixels (4096x4096); this one is 8000x7000'] },
      ]);
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

  describe('decoding limits', () => {
    /** Takes every decode slot (2 by default) until the returned function is called. */
    const holdAllSlots = () => {
      const slots = ctx.app.get(DecodeSlots);
      let free!: () => void;
      const held = new Promise<void>((resolve) => (free = resolve));
      const holders = [slots.run(() => held), slots.run(() => held)];
      expect(slots.load).toEqual({ running: 2, waiting: 0 });
      return async () => {
        free();
        await Promise.all(holders);
      };
    };
    const until = async (condition: () => boolean) => {
      const deadline = Date.now() + 10_000;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error('condition not reached in 10 s');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };

    test('a header declaring a huge canvas is refused without waiting for a decode slot; 4096x4096 goes on to the decoder', async () => {
      const release = holdAllSlots();
      try {
        // Were it decoded, it would wait behind the held slots and never answer.
        const res = await upload(alice(), pngDeclaring(20_000, 20_000), 'bomb.png');
        expect(res.status).toBe(422);
        expect(res.body.error.details.fields[0].errors).toEqual(['image must have at most 16.8 megapixels (4096x4096); this one is 20000x20000']);
      } finally {
        await release();
      }
      // At the limit the header passes; having no image data, the decoder then finds nothing to decode.
      const atLimit = await upload(alice(), pngDeclaring(4096, 4096), 'edge.png');
      expect(atLimit.status).toBe(415);
      expect(atLimit.body.error.message).toMatch(/could not be decoded/);
    });

    test('uploads beyond the decode concurrency wait their turn, never more than 2 decoding, and all succeed', async () => {
      const slots = ctx.app.get(DecodeSlots);
      const token = ctx.tokenFor('user_parallel');
      const release = holdAllSlots();
      const pending = Array.from({ length: 6 }, (_, i) => upload(token, fx.png, `p${i}.png`).then((res) => res));
      await until(() => slots.load.waiting === 6); // queued, not refused: nothing has answered
      let most = 0;
      const sampler = setInterval(() => (most = Math.max(most, slots.load.running)), 5);
      await release();
      const results = await Promise.all(pending);
      clearInterval(sampler);
      expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201, 201]);
      expect(most).toBeLessThanOrEqual(2);
      expect(slots.load).toEqual({ running: 0, waiting: 0 });
    });

    test('past the default queue of 20 waiting uploads: 503 SERVICE_UNAVAILABLE with Retry-After; the queued ones still succeed', async () => {
      const slots = ctx.app.get(DecodeSlots);
      const token = ctx.tokenFor('user_crowd');
      const release = holdAllSlots();
      const pending = Array.from({ length: 21 }, (_, i) => upload(token, fx.png, `c${i}.png`).then((res) => res));
      let results: Awaited<(typeof pending)[number]>[];
      try {
        // With every slot held, the only upload that can answer is the one refused.
        const refused = await Promise.race(pending);
        expect(refused.status).toBe(503);
        expect(refused.body.error).toMatchObject({ error_code: 'SERVICE_UNAVAILABLE', details: { retry_after_seconds: 5 } });
        expect(refused.headers['retry-after']).toBe('5');
        expect(slots.load.waiting).toBe(20);
      } finally {
        await release();
        results = await Promise.all(pending);
      }
      expect(results.filter((r) => r.status === 201)).toHaveLength(20);
      expect(results.filter((r) => r.status === 503)).toHaveLength(1);
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
          name: 'q.png',
          contentType: 'image/png',
          size,
          width: 1,
          height: 1,
          duration: null,
          characters: null,
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

  describe('text documents (for use_rag)', () => {
    const dora = () => ctx.tokenFor('user_dora');
    const MARKDOWN = '# Hives\n\nA colony lives in a hive.\n\n- queen\n- workers\n- drones\n\nSee [the guide](https://example.com/bees).\n';
    const documentsOf = async (userId: string, customConfig: Record<string, unknown> = {}) =>
      (await ctx.app.get(UploadsService).resolveAssets(userId, customConfig, true)).documents ?? [];
    const keptFile = async (userId: string, fileId: string) => (await documentsOf(userId, { document_ids: [fileId] }))[0].file;

    test('plain text: 201 document, kept as UTF-8 without BOM and with LF line ends; characters counted', async () => {
      const text = '\ufeffBees make honey.\r\nIls dansent: 🐝\r\nThey live in hives.\r\n';
      const res = await upload(dora(), Buffer.from(text, 'utf8'), 'bees.txt', 'text/plain');
      expect(res.status).toBe(201);
      const kept = 'Bees make honey.\nIls dansent: 🐝\nThey live in hives.\n';
      expect(res.body).toEqual({
        file_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        kind: 'document',
        name: 'bees.txt',
        content_type: 'text/plain',
        size: Buffer.byteLength(kept),
        width: null,
        height: null,
        duration: null,
        characters: Array.from(kept).length,
        created_at: expect.any(String),
      });
      const file = await keptFile('user_dora', res.body.file_id);
      expect(file).toMatch(/\/uploads\/[0-9a-f]{64}\/[0-9a-f-]{36}\.txt$/);
      expect(readFileSync(file, 'utf8')).toBe(kept);
    });

    test('Markdown: recognised by its syntax whatever the name, or by a .md name; kept as .md', async () => {
      const bySyntax = await upload(dora(), Buffer.from(MARKDOWN), 'notes.txt');
      expect(bySyntax.status).toBe(201);
      expect(bySyntax.body).toMatchObject({ kind: 'document', content_type: 'text/markdown', name: 'notes.txt' });
      expect(await keptFile('user_dora', bySyntax.body.file_id)).toMatch(/\.md$/);

      const byName = await upload(dora(), Buffer.from('Just a sentence about drones.\n'), 'drones.md', 'application/octet-stream');
      expect(byName.body).toMatchObject({ kind: 'document', content_type: 'text/markdown', name: 'drones.md' });
    });

    test('text named like a picture is still a document: the bytes decide', async () => {
      const res = await upload(dora(), Buffer.from('just some text, not a picture\n'), 'x.png', 'image/png');
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ kind: 'document', content_type: 'text/plain', name: 'x.png' });
    });

    test('the file name is kept as sent in UTF-8, without directories or control characters', async () => {
      const res = await ctx
        .http()
        .post('/api/v1/uploads/content')
        .set('Authorization', `Bearer ${dora()}`)
        .attach('file', Buffer.from('Wax is made by young workers.\n'), { filename: '../../Cire d’abeille — notes\u202Egpj.md' });
      expect(res.status).toBe(201);
      expect(res.body.name).toBe('Cire d’abeille — notesgpj.md');
    });

    test.each([
      ['bad UTF-8', Buffer.from([0x42, 0x65, 0x65, 0x73, 0x20, 0xc3, 0x28, 0x0a])],
      ['Latin-1 text', Buffer.from('Les abeilles préfèrent le trèfle.\n', 'latin1')],
      ['NUL bytes', Buffer.from('Bees\0make\0honey\n')],
      ['an ASCII PDF', Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n')],
    ])('%s: 415', async (_name, bytes) => {
      const res = await upload(dora(), bytes, 'doc.txt', 'text/plain');
      expect(res.status).toBe(415);
      expect(res.body.error.error_code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });

    test('a document over 2 MiB is 413; an empty one is 422', async () => {
      const big = Buffer.alloc(2 * MiB + 1, 'bees ');
      const res = await upload(dora(), big, 'big.txt', 'text/plain');
      expect(res.status).toBe(413);
      expect(res.body.error).toMatchObject({ error_code: 'PAYLOAD_TOO_LARGE', details: { max_bytes: 2 * MiB, size: 2 * MiB + 1 } });

      const blank = await upload(dora(), Buffer.from(' \n\t\n'), 'blank.txt');
      expect(blank.status).toBe(422);
      expect(blank.body.error.details.fields).toEqual([{ field: 'file', errors: ['a document must contain some text'] }]);
    });

    test('listed by kind, read, counted in the quota and deleted like any upload', async () => {
      const erin = () => ctx.tokenFor('user_erin');
      const store = ctx.app.get(UploadStore);
      const first = (await upload(erin(), Buffer.from('First document about pollen.\n'), 'one.txt')).body;
      const picture = (await upload(erin(), fx.png, 'picture.png')).body;
      const second = (await upload(erin(), Buffer.from(MARKDOWN), 'two.md')).body;
      expect(await store.usage('user_erin')).toEqual({ files: 3, bytes: first.size + picture.size + second.size });

      const list = await get(erin(), '/api/v1/uploads?kind=document');
      expect(list.status).toBe(200);
      expect(list.body).toMatchObject({ total_count: 2 });
      expect(list.body.data.map((u: { file_id: string }) => u.file_id)).toEqual([second.file_id, first.file_id]);
      expect((await get(erin(), `/api/v1/uploads/${first.file_id}`)).body).toEqual(first);
      expect((await get(bob(), `/api/v1/uploads/${first.file_id}`)).status).toBe(404);

      const file = await keptFile('user_erin', first.file_id);
      const del = await ctx.http().delete(`/api/v1/uploads/${first.file_id}`).set('Authorization', `Bearer ${erin()}`);
      expect(del.status).toBe(204);
      expect(existsSync(file)).toBe(false);
      expect((await get(erin(), '/api/v1/uploads?kind=document')).body.total_count).toBe(1);
      expect((await store.usage('user_erin')).files).toBe(2);
    });

    describe('resolveAssets with use_rag', () => {
      const frank = () => ctx.tokenFor('user_frank');
      let docs: Array<{ file_id: string; name: string }>;
      let picture: string;
      let bobsDocument: string;

      beforeAll(async () => {
        docs = [];
        for (const name of ['a.md', 'b.txt', 'c.md']) docs.push((await upload(frank(), Buffer.from(`Notes ${name} on bees.\n`), name)).body);
        picture = (await upload(frank(), fx.png, 'p.png')).body.file_id;
        bobsDocument = (await upload(bob(), Buffer.from('Bob keeps bees too.\n'), 'bob.txt')).body.file_id;
      });

      test("without document_ids: every document of the caller's, newest first; none without use_rag", async () => {
        const service = ctx.app.get(UploadsService);
        const assets = await service.resolveAssets('user_frank', {}, true);
        expect(assets.documents?.map((d) => [d.fileId, d.name])).toEqual([...docs].reverse().map((d) => [d.file_id, d.name]));
        expect(assets.documents?.every((d) => existsSync(d.file))).toBe(true);
        expect(await service.resolveAssets('user_frank', {}, false)).toEqual({ images: {} });
        expect(await service.resolveAssets('user_nobody', {}, true)).toEqual({ images: {}, documents: [] });
      });

      test('document_ids narrow them, in the order given, once each; ignored without use_rag', async () => {
        const service = ctx.app.get(UploadsService);
        const ids = [docs[2].file_id, docs[0].file_id, docs[2].file_id];
        const assets = await service.resolveAssets('user_frank', { document_ids: ids }, true);
        expect(assets.documents?.map((d) => d.name)).toEqual(['c.md', 'a.md']);
        expect(await service.resolveAssets('user_frank', { document_ids: [bobsDocument] }, false)).toEqual({ images: {} });
      });

      test("submission with use_rag: another user's document is 404, a picture is 422 on that field, the caller's own is accepted", async () => {
        const submit = (documentIds: string[]) =>
          ctx
            .http()
            .post('/api/v1/videos/generate')
            .set('Authorization', `Bearer ${frank()}`)
            .send({ topic: 'Bees', context: 'How bees keep warm.', quality: 'low', use_rag: true, custom_config: { document_ids: documentIds } });

        const others = await submit([docs[0].file_id, bobsDocument]);
        expect(others.status).toBe(404);
        expect(others.body.error).toMatchObject({
          error_code: 'NOT_FOUND',
          details: { missing: [{ field: 'custom_config.document_ids[1]', file_id: bobsDocument }] },
        });

        const image = await submit([picture]);
        expect(image.status).toBe(422);
        expect(image.body.error.details.fields).toEqual([{ field: 'custom_config.document_ids[0]', errors: ['must name a document upload'] }]);

        const own = await submit([docs[1].file_id]);
        expect(own.status).toBe(201);
        expect(own.body.configuration).toMatchObject({ use_rag: true, custom_config: { document_ids: [docs[1].file_id] } });
      });
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
      const assets = await ctx.app.get(UploadsService).resolveAssets(
        'user_alice',
        { scenes: [{ image_file_id: image }, { title: 'no picture' }, { image_file_id: image }], background_audio_file_id: audio },
        false,
      );
      expect(Object.keys(assets.images)).toEqual([image]);
      expect(existsSync(assets.images[image])).toBe(true);
      expect(assets.backgroundAudio && existsSync(assets.backgroundAudio)).toBe(true);
    });

    test('nothing named: nothing to resolve; values of the wrong JSON type are left to the pipeline check', async () => {
      const service = ctx.app.get(UploadsService);
      expect(await service.resolveAssets('user_alice', {}, false)).toEqual({ images: {} });
      expect(await service.resolveAssets('user_alice', { scenes: 'x', background_audio_file_id: 42 }, false)).toEqual({ images: {} });
      expect(await service.resolveAssets('user_alice', { scenes: [null, 3, { image_file_id: 7 }] }, false)).toEqual({ images: {} });
    });

    test("another user's id, an unknown id, or a non-UUID is NOT_FOUND naming the id", async () => {
      const service = ctx.app.get(UploadsService);
      for (const id of [bobsImage, '00000000-0000-4000-8000-000000000000', 'nope']) {
        const error = await service
          .resolveAssets('user_alice', { scenes: [{ image_file_id: image }, { image_file_id: id }] }, false)
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(AppException);
        expect((error as AppException).errorCode).toBe('NOT_FOUND');
        expect((error as AppException).message).toContain(id);
        expect((error as AppException).details).toEqual({ missing: [{ field: 'custom_config.scenes[1].image_file_id', file_id: id }] });
      }
    });

    test('an upload of the wrong kind is a VALIDATION_ERROR on that field', async () => {
      const error = await ctx
        .app.get(UploadsService)
        .resolveAssets('user_alice', { scenes: [{ image_file_id: image }, { image_file_id: audio }], background_audio_file_id: image }, false)
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
