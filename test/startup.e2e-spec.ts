import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServiceIfStale } from '../scripts/build-service';
import { AppProcess } from './support/app-process';
import { freePort, TestRedis } from './support/redis-server';
import { AZP, testEnv } from './support/test-app';
import { TestIssuer } from './support/tokens';

const ROOT = join(__dirname, '..');

/** Start-up as an operator sees it: bad settings refuse to start; development works without Clerk keys. */
describe('start-up', () => {
  let redis: TestRedis;
  let dataDir: string;
  let base: Record<string, string>;
  let issuer: TestIssuer;

  beforeAll(async () => {
    redis = await TestRedis.start();
    dataDir = mkdtempSync(join(tmpdir(), 'vgs-startup-'));
    issuer = new TestIssuer();
    base = testEnv(redis, issuer, dataDir, { LOG_LEVEL: 'error' });
  });
  afterAll(async () => {
    await redis.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('bad settings stop the start with a message naming each bad variable', async () => {
    const start = AppProcess.start({ ...base, REDIS_URL: 'http://nope', WORKER_CONCURRENCY: 'many', APP_ROLE: 'everything' }, await freePort());
    await expect(start).rejects.toThrow(/exited with 1/);
    const message = await start.catch((e: Error) => e.message);
    for (const name of ['REDIS_URL', 'WORKER_CONCURRENCY', 'APP_ROLE']) expect(message).toContain(name);
  });

  test('SIGTERM after Redis went away ends the process cleanly: no shutdown hook waits for Redis', async () => {
    const own = await TestRedis.start();
    const app = await AppProcess.start({ ...base, REDIS_URL: own.url, SHUTDOWN_GRACE_MS: '1000', APP_ROLE: 'all' }, await freePort());
    await own.destroy(); // as `npm run stop` did: the service and its Redis stopped at once
    const hung = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 30_000).unref());
    const ended = await Promise.race([app.stop(), hung]);
    if (ended === 'hung') app.child.kill('SIGKILL');
    expect(ended).not.toBe('hung');
    // Every shutdown hook finished and Nest ended the process by the signal, as with Redis up; the deadline would
    // have cut it off with exit code 1.
    expect(app.logs).not.toContain('shutdown did not finish');
    expect(ended).toBe('SIGTERM');
  });

  test('SIGTERM with a Server-Sent Events stream open ends the stream cleanly, and then the process', async () => {
    const app = await AppProcess.start({ ...base, APP_ROLE: 'api', SHUTDOWN_GRACE_MS: '1000' }, await freePort());
    const token = issuer.token({ sub: 'user_sse_shutdown', azp: AZP });
    const created = await app.api('POST', '/api/v1/videos/generate', token, { topic: 'Shutdown', context: 'A stream open while the service stops.' });
    const res = await fetch(`${app.url}/api/v1/jobs/${created.body.job_id}/events`, { headers: { Authorization: `Bearer ${token}` } });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read(); // the stream is open
    const stream = (async () => {
      while (!(await reader.read()).done);
      return 'ended'; // a clean end: the client resumes on another instance with Last-Event-ID
    })().catch(() => 'cut off');
    const ended = await app.stop();
    expect(await stream).toBe('ended');
    expect(app.logs).not.toContain('shutdown did not finish');
    expect(ended).toBe('SIGTERM');
  });

  test('production without Clerk keys refuses to start', async () => {
    const start = AppProcess.start({ ...base, NODE_ENV: 'production', CLERK_JWT_KEY: '' }, await freePort());
    await expect(start).rejects.toThrow(/CLERK_JWT_KEY/);
  });

  test('`npm run token` reads its arguments as its usage says, and refuses what it cannot read', async () => {
    const env = { ...process.env, ...base, NODE_ENV: 'development', CLERK_JWT_KEY: '' };
    buildServiceIfStale(); // the built command, as the demo and the image run it (`npm run token` is the same source)
    const token = (...args: string[]) =>
      promisify(execFile)('node', ['dist/auth/dev-token.cli.js', ...args], { cwd: ROOT, env }).then(
        ({ stdout }) => ({ code: 0, out: stdout.trim() }),
        (err: { code: number; stderr: string }) => ({ code: err.code, out: err.stderr.trim() }),
      );
    const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as { sub: string; iat: number; exp: number };
    const flagsFirst = await token('--ttl', '60', 'user_123');
    expect(flagsFirst.code).toBe(0);
    const { sub, iat, exp } = claims(flagsFirst.out);
    expect({ sub, ttl: exp - iat }).toEqual({ sub: 'user_123', ttl: 60 });
    for (const args of [['user_1', '--ttl', 'abc'], ['user_1', '--ttl', '-5'], [], ['user_1', '--bogus']]) {
      const refused = await token(...args);
      expect([args, refused.code, refused.out.split('\n').length]).toEqual([args, 1, 1]);
    }
    const help = await token('--help');
    expect([help.code, help.out]).toEqual([0, expect.stringContaining('<user_id>')]);
  });

  test('development without Clerk keys: a local signing key, and `npm run token` prints a token it accepts', async () => {
    const env = { ...base, NODE_ENV: 'development', CLERK_JWT_KEY: '', CLERK_AUTHORIZED_PARTIES: '', APP_ROLE: 'api' };
    const app = await AppProcess.start(env, await freePort());
    try {
      // Not execFileSync: a blocked event loop keeps fetch from retiring a keep-alive socket the app has closed.
      const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'token', '--', 'user_dev_42'], {
        cwd: ROOT,
        env: { ...process.env, ...env },
      });
      const token = stdout.trim();
      expect(token.split('.')).toHaveLength(3);
      const res = await app.api('POST', '/api/v1/videos/generate', token, { topic: 'Dev', context: 'Local key.' });
      expect(res.status).toBe(201);
      expect(res.body.user_id).toBe('user_dev_42');
      // A token from some other key is still refused.
      const foreign = await app.api('GET', '/api/v1/jobs', new TestIssuer().token({ sub: 'user_dev_42' }));
      expect(foreign.status).toBe(401);
    } finally {
      await app.stop();
    }
  });
});
