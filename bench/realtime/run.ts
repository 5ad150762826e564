/**
 * Real-time latency: 1,000 Socket.IO clients across 10 users, in a separate process as real clients would be.
 * For each user's job, the bench makes the worker's progress write (JobStore.writeProgress, the call the
 * worker makes) and measures the time until each of that user's 100 sockets receives the `job.update`.
 * Beside it, in the same run, a bare socket.io server with the same clients, rooms and cadence emits the same
 * payloads directly: the floor.
 *
 *   npm run bench:realtime            (ROUNDS=30 SOCKETS=1000 USERS=10 to change the load)
 *
 * `npm run bench` (bench/run.ts) runs the same measurements against the built service in production mode.
 */
import { INestApplication } from '@nestjs/common';
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Server } from 'socket.io';
import { createApp } from '../../src/app.factory';
import { JobStore } from '../../src/jobs/job.store';
import { freePort, TestRedis } from '../../test/support/redis-server';
import { AZP, testEnv } from '../../test/support/test-app';
import { TestIssuer } from '../../test/support/tokens';

const ROUNDS = Number(process.env.ROUNDS ?? 30);
const SOCKETS = Number(process.env.SOCKETS ?? 1000);
const USERS = Number(process.env.USERS ?? 10);
const ROUND_MS = 300; // above the 250 ms progress interval: every write is delivered, none is thinned
/** Epoch milliseconds with sub-millisecond precision: comparable between the bench and its client process. */
const epochNow = () => performance.timeOrigin + performance.now();

export interface Sample {
  latencies: number[];
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Starts the client process, connects its sockets, and later collects what they received. */
async function startClients(url: string, tokens: string[]): Promise<{ collect(): Promise<Array<[string, number, number]>> }> {
  const child = fork(join(__dirname, 'clients.ts'), [], { execArgv: ['-r', 'ts-node/register/transpile-only'] });
  const next = <T>(type: string) =>
    new Promise<T>((resolve, reject) =>
      child.on('message', (m: { type: string; message?: string }) => (m.type === type ? resolve(m as T) : m.type === 'error' ? reject(new Error(m.message)) : undefined)),
    );
  child.send({ type: 'start', start: { url, tokens, sockets: SOCKETS } });
  await next('connected');
  return {
    async collect() {
      const done = next<{ receipts: Array<[string, number, number]> }>('receipts');
      child.send({ type: 'collect' });
      return (await done).receipts;
    },
  };
}

/** Latency of every receipt whose send time is known (both sides use epoch milliseconds). */
function latencies(sent: Map<string, number>, receipts: Array<[string, number, number]>): number[] {
  return receipts.flatMap(([jobId, progress, at]) => {
    const from = sent.get(`${jobId}:${progress}`);
    return from === undefined ? [] : [at - from];
  });
}

async function rounds(emit: (round: number) => Promise<void> | void): Promise<void> {
  for (let r = 1; r <= ROUNDS; r++) {
    await emit(r);
    await new Promise((resolve) => setTimeout(resolve, ROUND_MS));
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
}

/** Where the service under test listens, its job store (for the worker's progress writes) and its tokens. */
export interface RealtimeTarget {
  url: string;
  store: JobStore;
  token(sub: string): string;
}

/** The service: events from the job store through Redis to the gateway, to every socket of the job's owner. */
export async function measureService({ url, store, token }: RealtimeTarget): Promise<Sample> {
  const users = Array.from({ length: USERS }, (_, i) => `user_bench_${i}`);
  const jobs: Array<{ id: string; attempt: number }> = [];
  for (const userId of users) {
    const id = crypto.randomUUID();
    await store.create({
      id,
      userId,
      configuration: { topic: 'bench', context: 'bench', quality: 'low', use_rag: false, custom_config: {}, priority: 'normal' },
      estimatedCompletion: new Date(),
    });
    jobs.push({ id, attempt: (await store.startAttempt(id)) as number });
  }
  const written = new Map<string, number>();
  const clients = await startClients(url, users.map(token));
  await new Promise((resolve) => setTimeout(resolve, 500));
  await rounds(async (round) => {
    await Promise.all(
      jobs.map(({ id, attempt }) => {
        written.set(`${id}:${round}`, epochNow());
        return store.writeProgress(id, attempt, round, 'render');
      }),
    );
  });
  return { latencies: latencies(written, await clients.collect()) };
}

/** The service in this process (test settings), for running this bench alone. */
async function inProcessService(): Promise<Sample> {
  const redis = await TestRedis.start();
  const issuer = new TestIssuer();
  const dataDir = mkdtempSync(join(tmpdir(), 'vgs-bench-rt-'));
  Object.assign(process.env, testEnv(redis, issuer, dataDir, { APP_ROLE: 'api', LOG_LEVEL: 'error', RATE_LIMIT_PER_MINUTE: '100000' }));
  const app: INestApplication = await createApp();
  await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  try {
    return await measureService({ url, store: app.get(JobStore), token: (sub) => issuer.token({ sub, azp: AZP }, { expiresInSeconds: 3600 }) });
  } finally {
    await app.close();
    await redis.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The floor: a bare socket.io server emitting the same payloads to the same rooms. */
export async function measureBare(): Promise<Sample> {
  const port = await freePort();
  const http = createServer();
  const server = new Server(http);
  const namespace = server.of('/jobs');
  namespace.use((socket, next) => {
    socket.data.user = String((socket.handshake.auth as { token: string }).token);
    next();
  });
  namespace.on('connection', (socket) => void socket.join(`user:${socket.data.user}`));
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  const users = Array.from({ length: USERS }, (_, i) => `user_bench_${i}`);
  const emitted = new Map<string, number>();
  const clients = await startClients(`http://127.0.0.1:${port}`, users);
  await new Promise((resolve) => setTimeout(resolve, 500));
  await rounds((round) => {
    for (const user of users) {
      const payload = { job_id: `job-${user}`, status: 'processing', progress: round, current_stage: 'render', error_message: null, updated_at: new Date().toISOString(), batch_id: null };
      emitted.set(`${payload.job_id}:${round}`, epochNow());
      namespace.to(`user:${user}`).emit('job.update', payload);
    }
  });
  const received = latencies(emitted, await clients.collect());
  await new Promise((resolve) => server.close(() => resolve(undefined)));
  return { latencies: received };
}

export function summary(name: string, sample: Sample) {
  const sorted = [...sample.latencies].sort((a, b) => a - b);
  return { name, received: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] };
}

async function main(): Promise<void> {
  const expected = ROUNDS * SOCKETS;
  const bare = summary('bare socket.io', await measureBare());
  const service = summary('service (store → Redis → gateway)', await inProcessService());
  const rows = [bare, service].map((s) => ({
    run: s.name,
    'received / expected': `${s.received} / ${expected}`,
    'p50 ms': s.p50.toFixed(2),
    'p99 ms': s.p99.toFixed(2),
    'max ms': s.max.toFixed(2),
  }));
  console.table(rows);
  const ratio = service.p99 / bare.p99;
  console.log(`p99 service / bare = ${ratio.toFixed(2)}  (targets: p99 <= 50 ms and <= 2x bare)`);
  console.log(`verdict: ${service.p99 <= 50 && ratio <= 2 && service.received === expected ? 'PASS' : 'MISS'}`);
  process.exit(0);
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(err);
    process.exit(1);
  });
}
