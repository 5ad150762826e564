/**
 * Real-time latency: 1,000 Socket.IO clients across 10 users. For each user's job, the bench makes the
 * worker's progress write (JobStore.writeProgress, the call the worker makes) and measures the time until
 * each of that user's 100 sockets receives the `job.update`. Beside it, in the same run, a bare socket.io
 * server with the same clients, rooms and cadence emits the same payloads directly: the floor.
 *
 *   npm run bench:realtime            (ROUNDS=30 SOCKETS=1000 USERS=10 to change the load)
 */
import { INestApplication } from '@nestjs/common';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Server } from 'socket.io';
import { io, Socket } from 'socket.io-client';
import { createApp } from '../../src/app.factory';
import { JobStore } from '../../src/jobs/job.store';
import { freePort, TestRedis } from '../../test/support/redis-server';
import { AZP, testEnv } from '../../test/support/test-app';
import { TestIssuer } from '../../test/support/tokens';

const ROUNDS = Number(process.env.ROUNDS ?? 30);
const SOCKETS = Number(process.env.SOCKETS ?? 1000);
const USERS = Number(process.env.USERS ?? 10);
const ROUND_MS = 300; // above the 250 ms progress interval: every write is delivered, none is thinned

interface Sample {
  latencies: number[];
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function connectAll(url: string, tokens: string[], onUpdate: (payload: { job_id: string; progress: number }) => void): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < SOCKETS; i += 50) {
    const batch = Array.from({ length: Math.min(50, SOCKETS - i) }, (_, k) => {
      const token = tokens[(i + k) % tokens.length];
      const socket = io(`${url}/jobs`, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
      socket.on('job.update', onUpdate);
      return new Promise<Socket>((resolve, reject) => {
        socket.once('connect', () => resolve(socket));
        socket.once('connect_error', reject);
      });
    });
    sockets.push(...(await Promise.all(batch)));
  }
  return sockets;
}

async function rounds(emit: (round: number) => Promise<void> | void): Promise<void> {
  for (let r = 1; r <= ROUNDS; r++) {
    await emit(r);
    await new Promise((resolve) => setTimeout(resolve, ROUND_MS));
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
}

/** The service: API process, events from the job store through Redis to the gateway. */
async function measureService(): Promise<Sample> {
  const redis = await TestRedis.start();
  const issuer = new TestIssuer();
  const dataDir = mkdtempSync(join(tmpdir(), 'vgs-bench-rt-'));
  Object.assign(process.env, testEnv(redis, issuer, dataDir, { APP_ROLE: 'api', LOG_LEVEL: 'error', RATE_LIMIT_PER_MINUTE: '100000' }));
  const app: INestApplication = await createApp();
  await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  const store = app.get(JobStore);

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
  const latencies: number[] = [];
  const sockets = await connectAll(url, users.map((sub) => issuer.token({ sub, azp: AZP }, { expiresInSeconds: 3600 })), (u) => {
    const at = written.get(`${u.job_id}:${u.progress}`);
    if (at !== undefined) latencies.push(performance.now() - at);
  });
  await new Promise((resolve) => setTimeout(resolve, 500));
  await rounds(async (round) => {
    await Promise.all(
      jobs.map(({ id, attempt }) => {
        written.set(`${id}:${round}`, performance.now());
        return store.writeProgress(id, attempt, round, 'render');
      }),
    );
  });
  sockets.forEach((s) => s.close());
  await app.close();
  await redis.destroy();
  rmSync(dataDir, { recursive: true, force: true });
  return { latencies };
}

/** The floor: a bare socket.io server emitting the same payloads to the same rooms. */
async function measureBare(): Promise<Sample> {
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
  const latencies: number[] = [];
  const sockets = await connectAll(`http://127.0.0.1:${port}`, users, (u) => {
    const at = emitted.get(`${u.job_id}:${u.progress}`);
    if (at !== undefined) latencies.push(performance.now() - at);
  });
  await new Promise((resolve) => setTimeout(resolve, 500));
  await rounds((round) => {
    for (const user of users) {
      const payload = { job_id: `job-${user}`, status: 'processing', progress: round, current_stage: 'render', error_message: null, updated_at: new Date().toISOString(), batch_id: null };
      emitted.set(`${payload.job_id}:${round}`, performance.now());
      namespace.to(`user:${user}`).emit('job.update', payload);
    }
  });
  sockets.forEach((s) => s.close());
  await new Promise((resolve) => server.close(() => resolve(undefined)));
  return { latencies };
}

function summary(name: string, sample: Sample) {
  const sorted = [...sample.latencies].sort((a, b) => a - b);
  return { name, received: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] };
}

async function main(): Promise<void> {
  const expected = ROUNDS * SOCKETS;
  const bare = summary('bare socket.io', await measureBare());
  const service = summary('service (store → Redis → gateway)', await measureService());
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

main().catch((err: Error) => {
  console.error(err);
  process.exit(1);
});
