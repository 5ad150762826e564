import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { buildServiceIfStale } from '../../scripts/build-service';
import { pollDelayMs } from './polling';
import { killWithThisProcess } from './orphan-guard';

const ROOT = join(__dirname, '..', '..');

/**
 * The service as a real OS process, for restart, crash and multi-process tests and the bench: dist/main.js, as
 * production runs it, built first whenever the sources changed since the last build.
 */
export class AppProcess {
  private output = '';
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly host: string,
  ) {
    child.stdout?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-20_000)));
    child.stderr?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-20_000)));
  }

  /** `wrapper` runs the service under a command (`ip netns exec <ns>`: a test host of its own), reached at `host`, its HOST. */
  static async start(
    env: Record<string, string>,
    port: number,
    { wrapper = [], host = '127.0.0.1' }: { wrapper?: string[]; host?: string } = {},
  ): Promise<AppProcess> {
    // Synchronous: starts in parallel (Promise.all) build once, the first; the others find the stamp current.
    buildServiceIfStale();
    const [command, ...commandArgs] = [...wrapper, process.execPath, 'dist/main.js'];
    const child = spawn(command, commandArgs, {
      cwd: ROOT,
      env: { ...process.env, ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    killWithThisProcess(child);
    const app = new AppProcess(child, port, host);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`app exited with ${child.exitCode}: ${app.output}`);
      try {
        const res = await fetch(`${app.url}/health/live`);
        if (res.ok) return app;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    child.kill('SIGKILL');
    throw new Error(`app did not become live: ${app.output}`);
  }

  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  /** A JSON API call with a bearer token. */
  async api(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: Record<string, any>; headers: Headers }> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any>, headers: res.headers };
  }

  /** Polls a job until `done` holds (facts, not sleeps); fails with the last state seen. */
  async waitForJob(id: string, token: string, done: (job: Record<string, any>) => boolean, timeoutMs = 90_000): Promise<Record<string, any>> {
    const deadline = Date.now() + timeoutMs;
    let last: Record<string, any> = {};
    while (Date.now() < deadline) {
      const res = await this.api('GET', `/api/v1/jobs/${id}`, token);
      last = res.body;
      if (res.status === 200 && done(last)) return last;
      await new Promise((r) => setTimeout(r, pollDelayMs(res.status, (name) => res.headers.get(name), 200)));
    }
    throw new Error(`job ${id} did not reach the expected state: ${JSON.stringify(last).slice(0, 400)}`);
  }

  get logs(): string {
    return this.output;
  }

  /** Resolves with how the process ended: its exit code, or the signal that ended it. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | NodeJS.Signals | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode ?? this.child.signalCode;
    return new Promise((resolve) => {
      this.child.once('exit', (code, sig) => resolve(code ?? sig));
      this.child.kill(signal);
    });
  }
}
