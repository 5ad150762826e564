import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppProcess } from './support/app-process';
import { processesMentioning } from './support/media';
import { freePort, TestRedis } from './support/redis-server';
import { AZP, isTerminal, testEnv } from './support/test-app';
import { TestIssuer } from './support/tokens';

/** Nothing accepted is lost: app restarts with a queued job, and a worker killed in the middle of a render. */
describe('restart and crash recovery (real processes)', () => {
  let redis: TestRedis;
  let issuer: TestIssuer;
  let dataDir: string;
  let env: Record<string, string>;
  const running: AppProcess[] = [];

  beforeAll(async () => {
    redis = await TestRedis.start();
    issuer = new TestIssuer();
    dataDir = mkdtempSync(join(tmpdir(), 'vgs-restart-'));
    env = testEnv(redis, issuer, dataDir, { LOG_LEVEL: 'error' });
  });
  // Each test's processes go with it: a worker left running would take the next test's jobs.
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop('SIGKILL')));
  });
  afterAll(async () => {
    await redis.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async (role: string, overrides: Record<string, string> = {}) => {
    const app = await AppProcess.start({ ...env, APP_ROLE: role, ...overrides }, await freePort());
    running.push(app);
    return app;
  };
  const token = () => issuer.token({ sub: 'user_restart', azp: AZP });
  test('a job queued when the app process stops completes after the restart', async () => {
    const api = await start('api');
    const created = await api.api('POST', '/api/v1/videos/generate', token(), { topic: 'Restart', context: 'Survives a restart.', quality: 'low' });
    expect(created.status).toBe(201);
    // Graceful stop: Nest's shutdown hooks run, then the process ends by the signal it was sent.
    expect(await api.stop('SIGTERM')).toBe('SIGTERM');

    const app = await start('all');
    const done = await app.waitForJob(created.body.job_id, token(), isTerminal);
    expect(done.status).toBe('completed');
    expect(done.video.resolution).toBe('854x480');
    await app.stop();
  });

  test('a worker killed mid-render: the job is picked up again by another worker and completes', async () => {
    const api = await start('api');
    const firstWorker = await start('worker');
    const created = await api.api('POST', '/api/v1/videos/generate', token(), {
      topic: 'Crash',
      // Long enough (about a minute of 720p video) that the kill surely lands mid-render.
      context: Array.from({ length: 16 }, (_, i) => `Sentence ${i + 1} keeps this render going for a while.`).join(' '),
      quality: 'medium',
    });
    const id = created.body.job_id as string;
    await api.waitForJob(id, token(), (j) => j.status === 'processing' && j.progress > 5, 60_000);
    await firstWorker.stop('SIGKILL');
    // The dead worker's orphaned encoder (if any) finishes on its own; don't let it skew the next attempt.
    for (const line of processesMentioning(id)) execFileSync('kill', ['-9', line.trim().split(/\s+/)[0]]);

    const stuck = (await api.api('GET', `/api/v1/jobs/${id}`, token())).body;
    expect(stuck.status).toBe('processing');
    await start('worker');
    const done = await api.waitForJob(id, token(), isTerminal);
    expect(done.status).toBe('completed');
    expect(done.attempts).toBe(2);
  });

  test('SIGTERM to a rendering worker: the render finishes within SHUTDOWN_GRACE_MS, then the process ends', async () => {
    const api = await start('api');
    const worker = await start('worker', { SHUTDOWN_GRACE_MS: '60000' });
    const created = await api.api('POST', '/api/v1/videos/generate', token(), { topic: 'Graceful', context: 'Finished before the worker stops.', quality: 'low' });
    const id = created.body.job_id as string;
    await api.waitForJob(id, token(), (j) => j.status === 'processing', 60_000);
    expect(await worker.stop('SIGTERM')).toBe('SIGTERM');
    const done = (await api.api('GET', `/api/v1/jobs/${id}`, token())).body;
    expect(done).toEqual(expect.objectContaining({ status: 'completed', attempts: 1 }));
  });

  test('SIGTERM to a rendering worker past its grace: the render is interrupted and another worker completes the job', async () => {
    const api = await start('api');
    const worker = await start('worker', { SHUTDOWN_GRACE_MS: '500' });
    const created = await api.api('POST', '/api/v1/videos/generate', token(), {
      topic: 'Interrupted',
      // Seconds of rendering left when the worker is told to stop, against half a second of grace.
      context: Array.from({ length: 10 }, (_, i) => `Sentence ${i + 1} keeps this render going for a while.`).join(' '),
      quality: 'low',
    });
    const id = created.body.job_id as string;
    await api.waitForJob(id, token(), (j) => j.status === 'processing' && j.progress > 5, 60_000);
    const stopping = Date.now();
    expect(await worker.stop('SIGTERM')).toBe('SIGTERM');
    expect(Date.now() - stopping).toBeLessThan(10_000); // the grace, the render's tools stopping, the queues closing
    expect(worker.logs).not.toContain('shutdown did not finish');
    expect(processesMentioning(id)).toEqual([]); // no encoder left behind

    await start('worker');
    const done = await api.waitForJob(id, token(), isTerminal);
    expect(done).toEqual(expect.objectContaining({ status: 'completed', attempts: 2 }));
    const logs = (await api.api('GET', `/api/v1/jobs/${id}/logs?limit=1000`, token())).body.logs as Array<{ message: string }>;
    expect(logs.some((l) => l.message.includes('interrupted'))).toBe(true);
  });
});
