import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { RENDER_QUEUE } from '../src/queue/queue.constants';
import { UploadAssets } from '../src/uploads/upload-assets';
import { isTerminal, startTestApp, TestContext, waitForJob } from './support/test-app';

/** The storage-level resolver: plain answers for the HTTP side and the worker, and the worker's ASSET_MISSING. */
describe('upload assets', () => {
  let ctx: TestContext;
  let assets: UploadAssets;
  const png = execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x120', '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', 'pipe:1']);
  const token = (userId: string) => ctx.tokenFor(userId);
  const upload = async (userId: string, data: Buffer, filename: string) => {
    const res = await ctx.http().post('/api/v1/uploads/content').set('Authorization', `Bearer ${token(userId)}`).attach('file', data, { filename });
    expect(res.status).toBe(201);
    return res.body.file_id as string;
  };

  beforeAll(async () => {
    ctx = await startTestApp({ APP_ROLE: 'all' });
    assets = ctx.app.get(UploadAssets);
  });
  afterAll(() => ctx.close());

  test('the caller\'s own uploads resolve to files that exist', async () => {
    const image = await upload('user_ann', png, 'scene.png');
    const doc = await upload('user_ann', Buffer.from('Notes about pollen.\n'), 'notes.txt');
    const resolution = await assets.resolve('user_ann', { scenes: [{ image_file_id: image }], document_ids: [doc] }, true);
    if (!resolution.ok) throw new Error(`expected to resolve: ${JSON.stringify(resolution)}`);
    expect(existsSync(resolution.assets.images[image])).toBe(true);
    expect(resolution.assets.documents).toEqual([{ fileId: doc, name: 'notes.txt', file: expect.stringMatching(/\.txt$/) }]);
  });

  test('what cannot be used is named, never thrown: missing (gone, unknown, another user\'s, not an id) and wrong kind', async () => {
    const mine = await upload('user_ben', png, 'a.png');
    const gone = await upload('user_ben', png, 'b.png');
    const other = await upload('user_cid', png, 'c.png');
    const document = await upload('user_ben', Buffer.from('Just text.\n'), 'd.txt');
    const kept = await assets.resolve('user_ben', { scenes: [{ image_file_id: gone }] }, false);
    if (!kept.ok) throw new Error(`expected ${gone} to resolve`);
    rmSync(kept.assets.images[gone]); // the record stays, its file does not

    const resolution = await assets.resolve(
      'user_ben',
      {
        scenes: [{ image_file_id: mine }, { image_file_id: gone }, { image_file_id: other }, { image_file_id: 'not-an-id' }],
        background_audio_file_id: document,
      },
      false,
    );
    expect(resolution).toEqual({
      ok: false,
      missing: [
        { field: 'custom_config.scenes[1].image_file_id', fileId: gone, kind: 'image' },
        { field: 'custom_config.scenes[2].image_file_id', fileId: other, kind: 'image' },
        { field: 'custom_config.scenes[3].image_file_id', fileId: 'not-an-id', kind: 'image' },
      ],
      wrongKind: [{ field: 'custom_config.background_audio_file_id', fileId: document, kind: 'audio' }],
    });
  });

  test('the worker fails a job whose upload was deleted after submission with ASSET_MISSING, once, without retrying', async () => {
    const picture = await upload('user_dee', png, 'picture.png');
    const queue = ctx.app.get<Queue>(getQueueToken(RENDER_QUEUE));
    await queue.pause(); // the job waits until its upload is gone
    try {
      const created = await ctx
        .http()
        .post('/api/v1/videos/generate')
        .set('Authorization', `Bearer ${token('user_dee')}`)
        .send({ topic: 'Gone', context: 'Its picture is deleted.', custom_config: { scenes: [{ title: 'A', text: 'B', image_file_id: picture }] } });
      expect(created.status).toBe(201);
      await ctx.http().delete(`/api/v1/uploads/${picture}`).set('Authorization', `Bearer ${token('user_dee')}`).expect(204);
      await queue.resume();
      const job = await waitForJob(ctx, token('user_dee'), created.body.job_id, isTerminal);
      expect(job).toEqual(expect.objectContaining({ status: 'failed', error_code: 'ASSET_MISSING', attempts: 1 }));
      expect(job.error_message).toBe(`an upload this job uses is gone: custom_config.scenes[0].image_file_id (${picture})`);
    } finally {
      await queue.resume();
    }
  });
});
