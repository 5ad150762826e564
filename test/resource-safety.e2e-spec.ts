import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isTerminal, startTestApp, TestContext, waitForJob } from './support/test-app';

/** Renders are refused when storage is short of space, and nothing is left behind. */
describe('free-disk floor for renders', () => {
  let ctx: TestContext;

  beforeAll(async () => {
    // A floor no disk can meet: every render must be refused before it starts.
    ctx = await startTestApp({ APP_ROLE: 'all', RENDER_MIN_FREE_DISK_MB: '1000000000', JOB_MAX_ATTEMPTS: '2', JOB_BACKOFF_MS: '100' });
  });
  afterAll(() => ctx.close());

  test('the job fails with INSUFFICIENT_DISK after its attempts, without a work directory', async () => {
    const token = ctx.tokenFor('user_disk');
    const res = await ctx.http().post('/api/v1/videos/generate').set('Authorization', `Bearer ${token}`).send({ topic: 'Disk', context: 'No room.', quality: 'low' });
    const job = await waitForJob(ctx, token, res.body.job_id, isTerminal);
    expect(job).toEqual(expect.objectContaining({ status: 'failed', error_code: 'INSUFFICIENT_DISK', attempts: 2 }));
    expect(job.error_message).toMatch(/MiB free in storage/);
    const work = join(ctx.dataDir, 'storage', 'work');
    expect(existsSync(work) ? readdirSync(work) : []).toEqual([]);
  });
});
