import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppProcess } from './support/app-process';
import { freePort, TestRedis } from './support/redis-server';
import { RecordingSocket } from './support/sockets';
import { AZP, testEnv } from './support/test-app';
import { TestIssuer } from './support/tokens';

/** Events cross processes: a worker process renders, two API processes (no worker) tell their sockets. */
describe('events between real processes on one Redis', () => {
  let redis: TestRedis;
  let dataDir: string;
  const apps: AppProcess[] = [];
  let issuer: TestIssuer;

  beforeAll(async () => {
    redis = await TestRedis.start();
    issuer = new TestIssuer();
    dataDir = mkdtempSync(join(tmpdir(), 'vgs-xproc-'));
    const env = testEnv(redis, issuer, dataDir, { LOG_LEVEL: 'error' });
    const [api1, api2, worker] = await Promise.all([
      freePort().then((p) => AppProcess.start({ ...env, APP_ROLE: 'api' }, p)),
      freePort().then((p) => AppProcess.start({ ...env, APP_ROLE: 'api' }, p)),
      freePort().then((p) => AppProcess.start({ ...env, APP_ROLE: 'worker' }, p)),
    ]);
    apps.push(api1, api2, worker);
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop('SIGKILL')));
    await redis.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('a job submitted on one API instance and rendered by the worker reaches sockets on both API instances', async () => {
    const [api1, api2] = apps;
    const token = issuer.token({ sub: 'user_x', azp: AZP });
    const [s1, s2, stranger] = await Promise.all([
      RecordingSocket.connect(api1.url, token),
      RecordingSocket.connect(api2.url, token),
      RecordingSocket.connect(api2.url, issuer.token({ sub: 'user_y', azp: AZP })),
    ]);
    try {
      const created = await api1.api('POST', '/api/v1/videos/generate', token, { topic: 'Across', context: 'Two processes, one Redis.', quality: 'low' });
      expect(created.status).toBe(201);
      const id = created.body.job_id as string;
      const done = (s: RecordingSocket) => s.waitFor(() => s.for(id).some((u) => u.status === 'completed'));
      await Promise.all([done(s1), done(s2)]);
      for (const s of [s1, s2]) {
        const statuses = s.for(id).map((u) => u.status);
        expect(statuses[0]).toBe('queued');
        expect(statuses).toContain('processing');
        expect(statuses[statuses.length - 1]).toBe('completed');
      }
      expect(stranger.updates).toEqual([]);
      const job = await api2.api('GET', `/api/v1/jobs/${id}`, token);
      expect(job.body.status).toBe('completed');
    } finally {
      [s1, s2, stranger].forEach((s) => s.close());
    }
  });
});
