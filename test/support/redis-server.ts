import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { killWithThisProcess } from './orphan-guard';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A throwaway redis-server on a free port with its own data directory (AOF on), so tests can kill and
 * restart it and never touch a database they did not create.
 */
export class TestRedis {
  private process?: ChildProcess;
  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly args: string[],
  ) {}

  /** `extraArgs`: more redis-server options (a replica's --replicaof, a cluster node's --cluster-enabled). */
  static async start(extraArgs: string[] = []): Promise<TestRedis> {
    const [port, dir] = [await freePort(), mkdtempSync(join(tmpdir(), 'vgs-redis-'))];
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '', '--daemonize', 'no', '--loglevel', 'warning', ...extraArgs];
    const redis = new TestRedis(port, dir, args);
    await redis.launch();
    return redis;
  }

  /** A Sentinel (redis-server in sentinel mode, which needs a config file it can rewrite) watching `master` as `name`. */
  static async startSentinel(master: TestRedis, name: string, downAfterMs = 1000): Promise<TestRedis> {
    const [port, dir] = [await freePort(), mkdtempSync(join(tmpdir(), 'vgs-sentinel-'))];
    const config = join(dir, 'sentinel.conf');
    writeFileSync(
      config,
      [
        `sentinel monitor ${name} 127.0.0.1 ${master.port} 1`,
        `sentinel down-after-milliseconds ${name} ${downAfterMs}`,
        `sentinel failover-timeout ${name} 10000`,
        '',
      ].join('\n'),
    );
    const sentinel = new TestRedis(port, dir, [config, '--sentinel', '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning']);
    await sentinel.launch();
    return sentinel;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  private async launch(): Promise<void> {
    this.process = spawn('redis-server', this.args, { stdio: 'ignore' });
    killWithThisProcess(this.process);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const client = new Redis({ port: this.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => undefined); // refused while the server starts: the loop tries again
      try {
        await client.connect();
        if ((await client.ping()) === 'PONG') return;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      } finally {
        client.disconnect();
      }
    }
    throw new Error(`redis-server did not start on port ${this.port}`);
  }

  /** Stops the server (its AOF keeps the data) and waits until the process is gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
    this.process = undefined;
  }

  /** Stops the server answering without closing its connections (SIGSTOP), as a stalled or swapped-out Redis does. */
  freeze(): void {
    this.process?.kill('SIGSTOP');
  }

  thaw(): void {
    this.process?.kill('SIGCONT');
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  async destroy(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
