import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AppProcess } from './support/app-process';
import { freePort, TestRedis } from './support/redis-server';
import { AZP, isTerminal, testEnv } from './support/test-app';
import { TestIssuer } from './support/tokens';

/**
 * Several workers on one STORAGE_DIR with real processes. A wrapper earlier on the workers' PATH runs the real
 * ffprobe, except that a run probing a finished render (…/video.mp4) may take a "hold" token: it then says so
 * (held.<n>, holding its argument) and waits for release.<n>. A worker stopped (SIGSTOP) while its render is held
 * loses its lock, so another worker takes the job over: a stalled attempt that later finishes, as on an
 * overloaded or suspended machine.
 */
function gatedProbe(dir: string): void {
  writeFileSync(
    join(dir, 'ffprobe'),
    `#!/bin/sh
for last in "$@"; do :; done
case "$last" in */video.mp4)
  for token in "${dir}"/hold.*; do
    if [ -e "$token" ] && rm "$token" 2>/dev/null; then
      n="\${token##*.}"
      echo "$last" > "${dir}/held.$n"
      while [ -d "${dir}" ] && [ ! -e "${dir}/release.$n" ]; do sleep 0.1; done
      break
    fi
  done
esac
exec /usr/bin/ffprobe "$@"
`,
  );
  chmodSync(join(dir, 'ffprobe'), 0o755);
}

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const AN_HOUR_AGO = new Date(Date.now() - 3600_000);

describe('attempts keep their own files; a stale attempt never deletes the finished video', () => {
  let redis: TestRedis;
  let issuer: TestIssuer;
  let tools: string;
  let dataDir: string;
  let storage: string;
  let env: Record<string, string>;
  let api: AppProcess;
  const running: AppProcess[] = [];
  let completedId: string;
  let checksum: string;

  beforeAll(async () => {
    tools = mkdtempSync(join(tmpdir(), 'vgs-gate-'));
    gatedProbe(tools);
    dataDir = mkdtempSync(join(tmpdir(), 'vgs-stale-'));
    storage = join(dataDir, 'storage');
    redis = await TestRedis.start();
    issuer = new TestIssuer();
    // A short stalled interval: a stopped worker's lock expires within seconds.
    env = testEnv(redis, issuer, dataDir, { PATH: `${tools}:${process.env.PATH}`, STALLED_INTERVAL_MS: '1500', LOG_LEVEL: 'error' });
    api = await start('api');
  });
  afterAll(async () => {
    for (const app of running) if (app.child.exitCode === null && app.child.signalCode === null) app.child.kill('SIGCONT');
    await Promise.all(running.map((p) => p.stop('SIGKILL')));
    await redis?.destroy();
    rmSync(tools, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(role: string): Promise<AppProcess> {
    const app = await AppProcess.start({ ...env, APP_ROLE: role }, await freePort());
    running.push(app);
    return app;
  }
  const token = () => issuer.token({ sub: 'user_stale', azp: AZP });
  const hold = (n: number) => writeFileSync(join(tools, `hold.${n}`), '');
  const release = (n: number) => writeFileSync(join(tools, `release.${n}`), '');
  /** The work directory of the render held by token n, once it is held. */
  const heldWorkDir = (n: number) =>
    until(`render ${n} to be held`, () => existsSync(join(tools, `held.${n}`)) && dirname(readFileSync(join(tools, `held.${n}`), 'utf8').trim()));
  const submit = async (topic: string) => {
    const res = await api.api('POST', '/api/v1/videos/generate', token(), { topic, context: 'Short and sweet.', quality: 'low' });
    expect(res.status).toBe(201);
    return res.body.job_id as string;
  };
  const download = async (id: string, what = 'download') => {
    const res = await fetch(`${api.url}/api/v1/videos/jobs/${id}/${what}`, { headers: { Authorization: `Bearer ${token()}` } });
    return { status: res.status, sha256: createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex') };
  };

  test('attempt 1 stalls, attempt 2 completes, attempt 1 finishes late and loses: the video stays downloadable', async () => {
    const workerA = await start('worker');
    hold(1);
    const id = await submit('Late loser');
    await api.waitForJob(id, token(), (j) => j.status === 'processing');
    const workerB = start('worker'); // booting while attempt 1 renders; it takes the job once A's lock expires
    const lateWorkDir = await heldWorkDir(1);
    workerA.child.kill('SIGSTOP');
    await workerB;

    const done = await api.waitForJob(id, token(), isTerminal);
    expect(done).toEqual(expect.objectContaining({ status: 'completed', attempts: 2 }));
    checksum = done.video.checksum_sha256 as string;
    expect(await download(id)).toEqual({ status: 200, sha256: checksum });

    release(1);
    workerA.child.kill('SIGCONT');
    // Attempt 1 ends (its finally removes its work directory) after trying to complete and being refused.
    await until('the late attempt to end', () => !existsSync(lateWorkDir));

    expect(await download(id)).toEqual({ status: 200, sha256: checksum });
    expect((await download(id, 'thumbnail')).status).toBe(200);
    const logs = (await api.api('GET', `/api/v1/jobs/${id}/logs?limit=1000`, token())).body.logs as Array<{ level: string; message: string }>;
    expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', message: expect.stringMatching(/^attempt 1 finished late \(job completed\); its files were discarded$/) }));
    // Only the winner's files are kept, and where they are is nobody's business outside the service.
    const kept = readdirSync(join(storage, 'jobs', id));
    expect(kept).toEqual([expect.stringMatching(/^2-[A-Za-z0-9]{6}$/)]);
    const views = [
      (await api.api('GET', `/api/v1/jobs/${id}`, token())).body,
      (await api.api('GET', `/api/v1/videos/jobs/${id}/metadata`, token())).body,
      (await api.api('GET', '/api/v1/jobs?limit=100', token())).body,
    ];
    for (const view of views) expect(JSON.stringify(view)).not.toMatch(new RegExp(`storage_dir|${kept[0]}`));
    completedId = id;
  });

  test('the sweep at worker start removes an orphaned work dir and a stray attempt folder, never a render in progress or the winner', async () => {
    const [winner] = readdirSync(join(storage, 'jobs', completedId));
    const strayAttempt = join(storage, 'jobs', completedId, '1-Stray1');
    const orphanWork = join(storage, 'work', `${completedId}-1-Orphan`);
    for (const dir of [strayAttempt, orphanWork]) {
      mkdirSync(dir);
      writeFileSync(join(dir, 'video.mp4'), 'left behind by a crashed worker');
      utimesSync(dir, AN_HOUR_AGO, AN_HOUR_AGO);
    }
    hold(2);
    const processingId = await submit('Rendering during the sweep');
    const liveWork = await heldWorkDir(2);
    // Old enough to be swept by age alone: only the job's processing state protects these two.
    utimesSync(liveWork, AN_HOUR_AGO, AN_HOUR_AGO);
    utimesSync(join(storage, 'jobs', completedId, winner), AN_HOUR_AGO, AN_HOUR_AGO);

    await start('worker');
    await until('the sweep', () => !existsSync(strayAttempt) && !existsSync(orphanWork), 60_000);
    expect(existsSync(liveWork)).toBe(true);
    expect(readdirSync(join(storage, 'jobs', completedId))).toEqual([winner]);
    expect(await download(completedId)).toEqual({ status: 200, sha256: checksum });

    release(2);
    const done = await api.waitForJob(processingId, token(), isTerminal);
    expect(done).toEqual(expect.objectContaining({ status: 'completed', attempts: 1 }));
    expect((await download(processingId)).sha256).toBe(done.video.checksum_sha256);
  });
});
