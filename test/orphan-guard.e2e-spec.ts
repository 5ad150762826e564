import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import Redis from 'ioredis';

/** The test servers a test process starts die with it, even when it is killed outright (see support/orphan-guard). */
describe('test servers of a killed test process', () => {
  test('its redis-server stops within seconds of a SIGKILL', async () => {
    const script = `
      const { TestRedis } = require('./test/support/redis-server');
      TestRedis.start().then((redis) => { console.log(redis.url); setInterval(() => undefined, 1000); });
    `;
    const holder = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const url = await new Promise<string>((resolve) => createInterface({ input: holder.stdout }).once('line', resolve));
    const client = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    client.on('error', () => undefined);
    await client.connect();
    expect(await client.ping()).toBe('PONG');

    holder.kill('SIGKILL');
    const closed = new Promise<void>((resolve) => client.once('end', () => resolve()));
    const deadline = new Promise<string>((resolve) => setTimeout(() => resolve('still running after 5 s'), 5000).unref());
    expect(await Promise.race([closed.then(() => 'gone'), deadline])).toBe('gone');
  });
});
