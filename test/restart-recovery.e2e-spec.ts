import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppProcess } from './support/app-process';
import { processesMentioning } from './support/media';
import { freePort, TestRedis } from './support/redis-server';
import { AZP, testEnv } from './support/test-app';
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
  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop('SIGKILL')));
    await redis.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async (role: string) => {
    const app = await AppProcess.start({ ...env, APP_ROLE: role }, await freePort());
    running.push(app);
    return app;
  };
  const token = () => issuer.token({ sub: 'user_restart', azp: AZP });
  const call = async (app: AppProcess, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${app.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token()}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const waitFor = async (app: AppProcess, id: string, done: (j: Record<string, any>) => boolean, timeoutMs = 90_000) => {
    const deadline = Date.now() + timeoutMs;
    let last: Record<string, any> = {};
    while (Date.now() < deadline) {
      last = (await call(app, 'GET', `/api/v1/jobs/${id}`)).body;
      if (done(last)) return last;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`job ${id} stuck: ${JSON.stringify(last).slice(0, 400)}`);
  };

  test('a job queued when the app process stops completes after the restart', async () => {
    const api = await start('api');
    const created = await call(api, 'POST', '/api/v1/videos/generate', { topic: 'Restart', context: 'Survives a restart.', quality: 'low' });
    expect(created.status).toBe(201);
    // Graceful stop: Nest's shutdown hooks run, then the process ends by the signal it was sent.
    expect(await api.stop('SIGTERM')).toBe('SIGTERM');

    const app = await start('all');
    const done = await waitFor(app, created.body.job_id, (j) => ['completed', 'failed', 'cancelled'].includes(j.status));
    expect(done.status).toBe('completed');
    expect(done.video.resolution).toBe('854x480');
    await app.stop();
  });

  test('a worker killed mid-render: the job is picked up again by another worker and completes', async () => {
    const api = await start('api');
    const firstWorker = await start('worker');
    const created = await call(api, 'POST', '/api/v1/videos/generate', {
      topic: 'Crash',
      context: Array.from({ length: 10 }, (_, i) => `Sentence ${i + 1} keeps this render going for a while.`).join(' '),
      quality: 'low',
    });
    const id = created.body.job_id as string;
    await waitFor(api, id, (j) => j.status === 'processing' && j.progress > 5, 60_000);
    await firstWorker.stop('SIGKILL');
    // The dead worker's orphaned encoder (if any) finishes on its own; don't let it skew the next attempt.
    for (const line of processesMentioning(id)) execFileSync('kill', ['-9', line.trim().split(/\s+/)[0]]);

    const stuck = (await call(api, 'GET', `/api/v1/jobs/${id}`)).body;
    expect(stuck.status).toBe('processing');
    await start('worker');
    const done = await waitFor(api, id, (j) => ['completed', 'failed', 'cancelled'].includes(j.status));
    expect(done.status).toBe('completed');
    expect(done.attempts).toBe(2);
  });
});
