/**
 * Real-time latency: 1,000 Socket.IO clients across 10 users, in a separate process as real clients would be.
 * For each user's job, the bench makes the worker's progress write (JobStore.writeProgress, the call the
 * worker makes) and measures the time until each of that user's 100 sockets receives the `job.update`.
 * Beside it, in the same run, a bare socket.io server with the same clients, rooms and cadence emits the same
 * payloads as it receives them from Redis pub/sub: the floor.
 *
 *   npm run bench:realtime            (ROUNDS=30 SOCKETS=1000 USERS=10 to change the load)
 *
 * `npm run bench` (bench/run.ts) runs the same measurements against the built service in production mode.
 */
import { INestApplication } from '@nestjs/common';
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import Redis from 'ioredis';
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
/**
 * Unmeasured rounds first, for the bare server and the service alike: the first deliveries run cold code (JIT)
 * and would otherwise be the first run's p99.
 */
const WARMUP_ROUNDS = 3;
/** Epoch milliseconds with sub-millisecond precision: comparable between the bench and its client process. */
const epochNow = () => performance.timeOrigin + performance.now();

export interface Sample {
  latencies: number[];
  /** Rounds (1-based) with a receipt later than LATE_MS. */
  lateRounds: number[];
  /** The longest each process's event loop was late during the rounds (ms), the service's GC, Redis's own stalls. */
  stalls: { clientsMs: number; benchMs: number; serviceMs?: number; serviceGcMs?: number; serviceGcOver10Ms?: number; redis?: string; machine: string };
}

/** A receipt later than this is an outlier worth attributing. */
const LATE_MS = 50;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Starts the client process, connects its sockets, and later collects what they received. */
interface Receipts {
  receipts: Array<[string, number, number]>;
  loopDelayMaxMs: number;
}

async function startClients(url: string, tokens: string[]): Promise<{ collect(): Promise<Receipts> }> {
  const child = fork(join(__dirname, 'clients.ts'), [], { execArgv: ['-r', 'ts-node/register/transpile-only'] });
  const next = <T>(type: string) =>
    new Promise<T>((resolve, reject) =>
      child.on('message', (m: { type: string; message?: string }) => (m.type === type ? resolve(m as T) : m.type === 'error' ? reject(new Error(m.message)) : undefined)),
    );
  child.send({ type: 'start', start: { url, tokens, sockets: SOCKETS } });
  await next('connected');
  return {
    collect() {
      const done = next<Receipts>('receipts');
      child.send({ type: 'collect' });
      return done;
    },
  };
}

/** Latency of every receipt whose send time is known (both sides use epoch milliseconds), and the late rounds. */
function latencies(sent: Map<string, number>, { receipts }: Receipts): Pick<Sample, 'latencies' | 'lateRounds'> {
  const late = new Set<number>();
  const measured = receipts.flatMap(([jobId, progress, at]) => {
    const from = sent.get(`${jobId}:${progress}`);
    if (from === undefined) return [];
    if (at - from > LATE_MS) late.add(progress);
    return [at - from];
  });
  return { latencies: measured, lateRounds: [...late].sort((a, b) => a - b) };
}

/** The machine's CPU time by kind (Linux /proc/stat, in ticks) and its runnable processes now. */
function machineNow(): { busy: number; steal: number; total: number; running: number } {
  const stat = readFileSync('/proc/stat', 'utf8');
  const [user, nice, system, idle, iowait, irq, softirq, steal] = (/^cpu +(.*)$/m.exec(stat)?.[1] ?? '').split(/\s+/).map(Number);
  const running = Number(/^procs_running (\d+)$/m.exec(stat)?.[1] ?? 0);
  return { busy: user + nice + system + irq + softirq, steal, total: user + nice + system + idle + iowait + irq + softirq + steal, running };
}

/**
 * Runs the warm-up rounds, then the measured ones (`measured` says which, rounds count from 1 either way);
 * resolves with the longest this (the sending) process's event loop was late during the measured rounds (ms),
 * and how busy the whole machine was meanwhile (every process on it: a stall in all of them at once is the
 * machine's, not one program's).
 */
async function rounds(emit: (round: number, measured: boolean) => Promise<void> | void): Promise<{ loopMs: number; machine: string }> {
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  let start = machineNow();
  let maxRunning = 0;
  const sampler = setInterval(() => (maxRunning = Math.max(maxRunning, machineNow().running)), 100);
  for (let r = 1; r <= WARMUP_ROUNDS + ROUNDS; r++) {
    if (r === WARMUP_ROUNDS + 1) {
      loopDelay.enable();
      start = machineNow();
      maxRunning = 0;
    }
    await emit(r, r > WARMUP_ROUNDS);
    await new Promise((resolve) => setTimeout(resolve, ROUND_MS));
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  loopDelay.disable();
  clearInterval(sampler);
  const end = machineNow();
  const share = (ticks: number) => `${((100 * ticks) / Math.max(1, end.total - start.total)).toFixed(0)}%`;
  return { loopMs: loopDelay.max / 1e6, machine: `CPU busy ${share(end.busy - start.busy)}, steal ${share(end.steal - start.steal)}, run queue max ${maxRunning}` };
}

/**
 * The service's own event-loop delay and GC between two scrapes of its /metrics (prom-client's
 * monitorEventLoopDelay, reset at every scrape; GC by kind as a histogram).
 */
async function serviceStalls(url: string): Promise<() => Promise<Pick<Sample['stalls'], 'serviceMs' | 'serviceGcMs' | 'serviceGcOver10Ms'>>> {
  const scrape = async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const sum = (pattern: RegExp) => [...text.matchAll(pattern)].reduce((total, m) => total + Number(m[1]), 0);
    return {
      lagMaxMs: sum(/^vgs_nodejs_eventloop_lag_max_seconds (\S+)$/gm) * 1000,
      gcMs: sum(/^vgs_nodejs_gc_duration_seconds_sum\{[^}]*\} (\S+)$/gm) * 1000,
      gcCount: sum(/^vgs_nodejs_gc_duration_seconds_count\{[^}]*\} (\S+)$/gm),
      gcUpTo10Ms: sum(/^vgs_nodejs_gc_duration_seconds_bucket\{le="0.01",[^}]*\} (\S+)$/gm),
    };
  };
  const before = await scrape();
  return async () => {
    const after = await scrape();
    return {
      serviceMs: after.lagMaxMs,
      serviceGcMs: after.gcMs - before.gcMs,
      serviceGcOver10Ms: after.gcCount - after.gcUpTo10Ms - (before.gcCount - before.gcUpTo10Ms),
    };
  };
}

/** Where the service under test listens, its job store (for the worker's progress writes) and its tokens. */
export interface RealtimeTarget {
  url: string;
  store: JobStore;
  token(sub: string): string;
  /** The service's Redis, when the bench may read its latency monitor (`LATENCY LATEST`). */
  redis?: Redis;
}

/**
 * Redis's own stalls of 10 ms or more (fork, AOF fsync, slow commands) while `run` runs, as `event max ms`, and
 * its forks (an AOF rewrite's child competes for the CPU).
 */
async function redisStalls<T>(redis: Redis | undefined, run: () => Promise<T>): Promise<[T, string | undefined]> {
  if (!redis) return [await run(), undefined];
  const forks = async () => Number(/total_forks:(\d+)/.exec(await redis.info('stats'))?.[1] ?? 0);
  await redis.config('SET', 'latency-monitor-threshold', '10');
  await redis.call('LATENCY', 'RESET');
  const forksBefore = await forks();
  const result = await run();
  const latest = (await redis.call('LATENCY', 'LATEST')) as Array<[string, number, number, number]>;
  return [result, `${latest.map(([event, , , max]) => `${event} ${max}`).join(', ') || 'none'}, ${(await forks()) - forksBefore} forks`];
}

/** The service: events from the job store through Redis to the gateway, to every socket of the job's owner. */
export async function measureService({ url, store, token, redis }: RealtimeTarget): Promise<Sample> {
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
  const service = await serviceStalls(url);
  const [{ loopMs: benchMs, machine }, redisMs] = await redisStalls(redis, () =>
    rounds(async (round, measured) => {
      await Promise.all(
        jobs.map(({ id, attempt }) => {
          if (measured) written.set(`${id}:${round}`, epochNow());
          return store.writeProgress(id, attempt, round, 'render');
        }),
      );
    }),
  );
  const stalls = await service();
  const received = await clients.collect();
  return { ...latencies(written, received), stalls: { clientsMs: received.loopDelayMaxMs, benchMs, ...stalls, redis: redisMs, machine } };
}

/** The service in this process (test settings), for running this bench alone. */
async function inProcessService(redis: TestRedis): Promise<Sample> {
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
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The floor: a bare socket.io server emitting the same payloads to the same rooms. Like the service, it is told
 * of each update through Redis pub/sub (the worker that makes an update is another process), so both paths
 * cross the same hop: the sender PUBLISHes, the server's subscriber emits what it receives.
 */
export async function measureBare(redisUrl: string): Promise<Sample> {
  const port = await freePort();
  const http = createServer();
  const server = new Server(http);
  const namespace = server.of('/jobs');
  namespace.use((socket, next) => {
    socket.data.user = String((socket.handshake.auth as { token: string }).token);
    next();
  });
  namespace.on('connection', (socket) => void socket.join(`user:${socket.data.user}`));
  const channel = `bench-bare-updates-${crypto.randomUUID()}`;
  const subscriber = new Redis(redisUrl);
  const publisher = new Redis(redisUrl);
  subscriber.on('message', (_channel: string, message: string) => {
    const { user, payload } = JSON.parse(message) as { user: string; payload: unknown };
    namespace.to(`user:${user}`).emit('job.update', payload);
  });
  await subscriber.subscribe(channel);
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  const users = Array.from({ length: USERS }, (_, i) => `user_bench_${i}`);
  const emitted = new Map<string, number>();
  const clients = await startClients(`http://127.0.0.1:${port}`, users);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const { loopMs: benchMs, machine } = await rounds(async (round, measured) => {
    await Promise.all(
      users.map((user) => {
        const payload = { job_id: `job-${user}`, status: 'processing', progress: round, current_stage: 'render', error_message: null, updated_at: new Date().toISOString(), batch_id: null };
        if (measured) emitted.set(`${payload.job_id}:${round}`, epochNow());
        return publisher.publish(channel, JSON.stringify({ user, payload }));
      }),
    );
  });
  const received = await clients.collect();
  await new Promise((resolve) => server.close(() => resolve(undefined)));
  subscriber.disconnect();
  publisher.disconnect();
  return { ...latencies(emitted, received), stalls: { clientsMs: received.loopDelayMaxMs, benchMs, machine } };
}

export function summary(name: string, sample: Sample) {
  const sorted = [...sample.latencies].sort((a, b) => a - b);
  const { lateRounds, stalls } = sample;
  return { name, received: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1], lateRounds, stalls };
}

/** Where a run's outliers came from: late rounds and each process's longest event-loop delay. */
export function attribution(s: ReturnType<typeof summary>): string {
  const ms = (n: number | undefined) => (n === undefined ? '–' : n.toFixed(0));
  const { stalls } = s;
  const service = stalls.serviceMs === undefined ? '' : `, service ${ms(stalls.serviceMs)} (GC ${ms(stalls.serviceGcMs)} ms in all, ${stalls.serviceGcOver10Ms} pauses > 10 ms)`;
  const redis = stalls.redis === undefined ? '' : `; Redis stalls ≥ 10 ms: ${stalls.redis}`;
  return `${s.name}: ${s.lateRounds.length} of ${ROUNDS} rounds with a receipt > ${LATE_MS} ms [${s.lateRounds.join(', ')}]; loop delay max: clients ${ms(stalls.clientsMs)}, sender ${ms(stalls.benchMs)}${service} ms${redis}; machine: ${stalls.machine}`;
}

async function main(): Promise<void> {
  const expected = ROUNDS * SOCKETS;
  const redis = await TestRedis.start();
  const bare = summary('bare socket.io (Redis pub/sub → room)', await measureBare(redis.url));
  const service = summary('service (store → Redis → gateway)', await inProcessService(redis));
  await redis.destroy();
  const rows = [bare, service].map((s) => ({
    run: s.name,
    'received / expected': `${s.received} / ${expected}`,
    'p50 ms': s.p50.toFixed(2),
    'p99 ms': s.p99.toFixed(2),
    'max ms': s.max.toFixed(2),
  }));
  console.table(rows);
  for (const s of [bare, service]) console.log(attribution(s));
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
