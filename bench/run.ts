/**
 * `npm run bench`: every performance case of the service side by side with a bare baseline, in one command.
 * The npm script runs this file on Node 24, the Docker image's runtime (BENCH_NODE=20: the other supported major;
 * the service and every baseline run on the Node that runs this file). It builds the service when its sources
 * changed (scripts/build-service.ts), starts its own redis-server and the built service in production mode
 * (dist/main.js, APP_ROLE=api), runs each case and its baseline back to back (HTTP load by autocannon, the bare
 * servers in bench/bare/), prints the table and writes bench/results.json. Never part of `npm test`.
 *
 *   npm run bench
 *   BENCH_DURATION=10 BENCH_CASES=status,submit,list,memory,download,render,socketio BENCH_LIST_JOBS=100000 \
 *   BENCH_HTTP_RUNS=3 BENCH_RENDER_RUNS=3 BENCH_SOCKET_RUNS=3 BENCH_VIDEO_MIB=2 BENCH_LOG_LEVEL=warn npm run bench
 *   BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" BENCH_CASES=status npm run bench
 *   BENCH_NODE=20 npm run bench
 *
 * Ratios come from back-to-back runs on the same machine; absolute numbers vary with its load.
 */
import autocannon from 'autocannon';
import Redis from 'ioredis';
import { ChildProcess, fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AppConfig } from '../src/config/app-config';
import { validateEnvironment } from '../src/config/environment';
import { JobConfiguration, VideoInfo } from '../src/jobs/job.model';
import { JobStore } from '../src/jobs/job.store';
import { RedisKeys } from '../src/redis/redis-keys';
import { AppProcess } from '../test/support/app-process';
import { freePort, TestRedis } from '../test/support/redis-server';
import { AZP } from '../test/support/test-app';
import { TestIssuer } from '../test/support/tokens';
import { measureRender, median } from './pipeline/run';
import { attribution, measureBare as socketBare, measureService as socketService, summary as socketSummary } from './realtime/run';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CASES = (process.env.BENCH_CASES ?? 'status,submit,list,memory,download,render,socketio').split(',');
const LIST_JOBS = Number(process.env.BENCH_LIST_JOBS ?? 100_000);
const HTTP_RUNS = Math.max(1, Number(process.env.BENCH_HTTP_RUNS ?? 3));
const RENDER_RUNS = Number(process.env.BENCH_RENDER_RUNS ?? 3);
const SOCKET_RUNS = Number(process.env.BENCH_SOCKET_RUNS ?? 3);
const VIDEO_MIB = Number(process.env.BENCH_VIDEO_MIB ?? 2);
const PREFIX = 'vgs-bench';

/** One line of the table (and of results.json). */
interface Row {
  case: string;
  service: string;
  baseline: string;
  ratio: string;
  target: string;
  met: boolean;
}

interface Load {
  rps: number;
  p50: number;
  p99: number;
  bytesPerSecond: number;
  failures: number;
  /** Microseconds of the server process's CPU (user + system) per answered request. */
  cpuMicros: number;
}

const configuration: JobConfiguration = { topic: 'Bench', context: 'Bench', quality: 'low', use_rag: false, custom_config: {}, priority: 'normal' };
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mbps = (bytes: number) => `${fmt(bytes / 1e6, 1)} MB/s`;

/** CPU seconds (user + system) a process has used so far (Linux /proc; utime and stime in 1/100 s ticks). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * autocannon against one URL served by process `pid`: a short warm-up (JIT, connection pools), then the measured
 * run. The server's CPU per request is the steadier figure on a shared machine: throughput moves with whatever
 * else runs, CPU time much less.
 */
async function load(
  pid: number,
  options: { url: string; connections: number; method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string },
): Promise<Load> {
  await autocannon({ ...options, duration: Math.min(2, DURATION) });
  const cpuBefore = cpuSeconds(pid);
  const result = await autocannon({ ...options, duration: DURATION });
  const cpu = cpuSeconds(pid) - cpuBefore;
  return {
    cpuMicros: (cpu * 1e6) / Math.max(1, result.requests.total),
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    bytesPerSecond: result.throughput.average,
    failures: result.non2xx + result.errors + result.timeouts,
  };
}

const describeLoad = (l: Load) =>
  `${fmt(l.rps)} req/s, p50 ${l.p50} ms, p99 ${l.p99} ms, CPU ${fmt(l.cpuMicros)} µs/req${l.failures ? `, ${l.failures} failed` : ''}`;

interface Rounds {
  service: Load;
  baseline: Load;
  nest?: Load;
  /** The service's throughput (requests or bytes a second) over the baseline's, and over bare Nest's, one a round. */
  ratios: number[];
  nestRatios: number[];
}

/**
 * The service, its bare baseline and (when given) the same route on bare Nest, the framework's floor, loaded in
 * turn HTTP_RUNS times, the order rotating from round to round so that a change in the machine's load hits all
 * alike; the round nearest the median service/baseline ratio gives the figures. On a shared machine one round's
 * ratio swings by ±30%, the median of three much less.
 */
async function rounds(
  service: () => Promise<Load>,
  baseline: () => Promise<Load>,
  nest?: () => Promise<Load>,
  throughput: (l: Load) => number = (l) => l.rps,
): Promise<Rounds> {
  const runners = nest ? [service, baseline, nest] : [service, baseline];
  const measured: Load[][] = [];
  for (let run = 0; run < HTTP_RUNS; run++) {
    const loads: Load[] = [];
    for (let k = 0; k < runners.length; k++) {
      const which = (run + k) % runners.length;
      loads[which] = await runners[which]();
    }
    measured.push(loads);
  }
  const ratios = measured.map(([s, b]) => throughput(s) / throughput(b));
  const middle = median(ratios);
  const [chosenService, chosenBaseline, chosenNest] = measured[ratios.reduce((best, r, i) => (Math.abs(r - middle) < Math.abs(ratios[best] - middle) ? i : best), 0)];
  const nestRatios = nest ? measured.map(([s, , n]) => throughput(s) / throughput(n)) : [];
  return { service: chosenService, baseline: chosenBaseline, nest: chosenNest, ratios, nestRatios };
}

/** " (for reference, bare Nest 11 doing the same: …, 0.53× bare Express; the service 0.87× (…) bare Nest)", when measured. */
const describeNest = ({ nest, baseline, nestRatios }: Rounds) =>
  nest ? ` (for reference, bare Nest 11 doing the same: ${describeLoad(nest)}, ${fmt(nest.rps / baseline.rps, 2)}× bare Express; the service ${describeRatios(nestRatios)} bare Nest)` : '';

/** "0.41× (0.37 / 0.41 / 0.45)": the median ratio, and every round's when there were several. */
const describeRatios = (ratios: number[]) =>
  `${fmt(median(ratios), 2)}×${ratios.length > 1 ? ` (${ratios.map((r) => fmt(r, 2)).join(' / ')})` : ''}`;

/** A bare baseline server (bench/bare/<script>, in its own process) for the length of `use`. */
async function withBare<T>(script: string, mode: string, env: Record<string, string>, use: (server: { url: string; pid: number }) => Promise<T>): Promise<T> {
  const child: ChildProcess = fork(join(__dirname, 'bare', script), [mode], {
    execArgv: ['-r', 'ts-node/register/transpile-only'],
    env: { ...process.env, ...env },
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m: { port: number }) => resolve(m.port));
      child.once('exit', (code) => reject(new Error(`bare ${mode} server exited with ${code}`)));
    });
    return await use({ url: `http://127.0.0.1:${port}`, pid: child.pid as number });
  } finally {
    child.kill();
  }
}

interface Bench {
  redis: TestRedis;
  client: Redis;
  service: AppProcess;
  servicePid: number;
  store: JobStore;
  config: AppConfig;
  dataDir: string;
  token(sub: string): string;
}

async function statusCase(b: Bench): Promise<Row> {
  const id = randomUUID();
  await b.store.create({ id, userId: 'user_status', configuration, estimatedCompletion: new Date() });
  const headers = { Authorization: `Bearer ${b.token('user_status')}` };
  const env = { BARE_REDIS_URL: b.redis.url, BARE_JOB_KEY: `${PREFIX}:job:${id}` };
  const r = await withBare('server.ts', 'status', env, (express) =>
    withBare('nest-server.ts', 'status', env, (nest) =>
      rounds(
        () => load(b.servicePid, { url: `${b.service.url}/api/v1/videos/jobs/${id}/status`, connections: 100, headers }),
        () => load(express.pid, { url: `${express.url}/status`, connections: 100 }),
        () => load(nest.pid, { url: `${nest.url}/status`, connections: 100 }),
      ),
    ),
  );
  const { service, baseline, ratios } = r;
  const ratio = median(ratios);
  const p99 = service.p99 / baseline.p99;
  return {
    case: `status polling, 100 connections (median of ${HTTP_RUNS} rounds)`,
    service: describeLoad(service),
    baseline: `Express 5 + ioredis HGETALL: ${describeLoad(baseline)}${describeNest(r)}`,
    ratio: `${describeRatios(ratios)}, p99 ${fmt(p99, 1)}×`,
    target: '≥ 0.6×, p99 ≤ 2×',
    met: ratio >= 0.6 && p99 <= 2 && service.failures === 0,
  };
}

async function submitCase(b: Bench): Promise<Row> {
  const body = JSON.stringify({ topic: 'How bees make honey', context: 'Nectar, enzymes, fanning, wax.', quality: 'low' });
  const headers = { Authorization: `Bearer ${b.token('user_submit')}`, 'Content-Type': 'application/json' };
  const env = { BARE_REDIS_URL: b.redis.url };
  const bareOptions = (url: string) => ({ url: `${url}/submit`, connections: 50, method: 'POST' as const, headers: { 'Content-Type': 'application/json' }, body });
  const r = await withBare('server.ts', 'submit', env, (express) =>
    withBare('nest-server.ts', 'submit', env, (nest) =>
      rounds(
        () => load(b.servicePid, { url: `${b.service.url}/api/v1/videos/generate`, connections: 50, method: 'POST', headers, body }),
        () => load(express.pid, bareOptions(express.url)),
        () => load(nest.pid, bareOptions(nest.url)),
      ),
    ),
  );
  const { service, baseline, ratios } = r;
  const ratio = median(ratios);
  return {
    case: `submissions, 50 connections (median of ${HTTP_RUNS} rounds)`,
    service: describeLoad(service),
    baseline: `Express 5, body checked, BullMQ Queue.add: ${describeLoad(baseline)}${describeNest(r)}`,
    ratio: describeRatios(ratios),
    target: '≥ 0.5×',
    met: ratio >= 0.5 && service.failures === 0,
  };
}

/** Stores `count` queued jobs for a user, a few hundred scripts in flight at a time. */
async function seed(b: Bench, userId: string, count: number): Promise<void> {
  for (let done = 0; done < count; done += 500) {
    const batch = Array.from({ length: Math.min(500, count - done) }, () =>
      b.store.create({ id: randomUUID(), userId, configuration, estimatedCompletion: new Date() }),
    );
    await Promise.all(batch);
  }
}

/** Mean microseconds of one store.list call, sequentially (the Redis work is what blocks other clients). */
async function listMicros(b: Bench, filter: Parameters<JobStore['list']>[0], calls = 200): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < calls; i++) await b.store.list(filter);
  return ((performance.now() - started) * 1000) / calls;
}

async function listCases(b: Bench): Promise<Row[]> {
  await seed(b, 'user_few', 100);
  const seeded = performance.now();
  await seed(b, 'user_many', LIST_JOBS);
  console.log(`  seeded ${fmt(LIST_JOBS)} jobs in ${fmt((performance.now() - seeded) / 1000, 1)} s`);
  const get = (user: string, query: string) => load(b.servicePid, { url: `${b.service.url}/api/v1/jobs?${query}`, connections: 10, headers: { Authorization: `Bearer ${b.token(user)}` } });
  const lastPage = Math.ceil(LIST_JOBS / 10);
  const few = await get('user_few', 'items_per_page=10');
  const many = await get('user_many', 'items_per_page=10');
  const deep = await get('user_many', `items_per_page=10&page=${lastPage}`);
  const before = await fetch(`${b.service.url}/api/v1/jobs?items_per_page=10&page=${lastPage - 1}`, { headers: { Authorization: `Bearer ${b.token('user_many')}` } });
  const cursor = ((await before.json()) as { next_cursor: string }).next_cursor;
  const deepCursor = await get('user_many', `items_per_page=10&cursor=${cursor}`);
  const filter = { userId: 'user_many', order: 'desc' as const, limit: 10 };
  const storeFirst = await listMicros(b, { ...filter, offset: 0 });
  const storeDeep = await listMicros(b, { ...filter, offset: (lastPage - 1) * 10 });
  const deepRatio = many.rps / deep.rps;
  const cursorRatio = many.rps / deepCursor.rps;
  return [
    {
      case: `list, page 1: 100 vs ${fmt(LIST_JOBS)} jobs`,
      service: `${describeLoad(few)} vs ${describeLoad(many)}`,
      baseline: '–',
      ratio: `${fmt(few.rps / many.rps, 2)}× the time`,
      target: 'keep (≤ 1.2×)',
      met: few.rps / many.rps <= 1.2,
    },
    {
      case: `list, deep page of ${fmt(LIST_JOBS)} (page ${fmt(lastPage)}; and by cursor)`,
      service: `page: ${describeLoad(deep)}; cursor: ${describeLoad(deepCursor)}; store.list ${fmt(storeDeep)} µs vs ${fmt(storeFirst)} µs on page 1`,
      baseline: `page 1 of the same user: ${describeLoad(many)}`,
      ratio: `page ${fmt(deepRatio, 2)}×, cursor ${fmt(cursorRatio, 2)}× page 1's time`,
      target: '≤ 2× page 1',
      met: deepRatio <= 2 && cursorRatio <= 2,
    },
  ];
}

const video = (bytes: number, checksum = 'bench'): VideoInfo => ({
  filename: 'video.mp4', file_size: bytes, duration: 30, width: 1280, height: 720, format: 'mp4', video_codec: 'h264',
  audio_codec: 'aac', fps: 30, checksum_sha256: checksum.padEnd(64, '0'), captions: false, created_at: new Date().toISOString(),
  performance: { queued_seconds: 1, processing_seconds: 10, stages: {} },
});

/** Bytes of a job's own keys (hash, events stream, logs list) by MEMORY USAGE. */
async function keyBytes(b: Bench, id: string): Promise<{ hash: number; events: number; logs: number }> {
  const usage = async (key: string) => Number((await b.client.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
  const job = `${PREFIX}:job:${id}`;
  return { hash: await usage(job), events: await usage(`${job}:events`), logs: await usage(`${job}:logs`) };
}

async function memoryCase(b: Bench): Promise<Row> {
  const count = 1000;
  const used = async () => Number(/used_memory:(\d+)/.exec(await b.client.info('memory'))?.[1]);
  const ids = Array.from({ length: count }, () => randomUUID());
  const start = await used();
  let running = { hash: 0, events: 0, logs: 0 };
  for (const id of ids) {
    await b.store.create({ id, userId: `user_mem_${id.slice(0, 2)}`, configuration, estimatedCompletion: new Date() });
    const attempt = (await b.store.startAttempt(id)) as number;
    for (let p = 5; p <= 95; p += 5) await b.store.writeProgress(id, attempt, p, 'render');
    if (id === ids[0]) running = await keyBytes(b, id);
    await b.store.complete(id, attempt, video(1_000_000));
  }
  const perJob = ((await used()) - start) / count;
  const ended = await keyBytes(b, ids[0]);
  const total = (k: { hash: number; events: number; logs: number }) => k.hash + k.events + k.logs;
  return {
    case: 'Redis memory per job (MEMORY USAGE of its keys)',
    service: `after it ends: ${fmt(total(ended))} B (hash ${fmt(ended.hash)}, events ${fmt(ended.events)}); while running with 20 events: ${fmt(total(running))} B (events ${fmt(running.events)}); used_memory grows ${fmt(perJob)} B a finished job (indexes and webhook outbox included)`,
    baseline: '–',
    ratio: '–',
    target: '≤ 2 KiB after the job ends',
    met: total(ended) <= 2048,
  };
}

async function downloadCase(b: Bench): Promise<Row> {
  const bytes = VIDEO_MIB * 1024 * 1024;
  const id = randomUUID();
  await b.store.create({ id, userId: 'user_download', configuration, estimatedCompletion: new Date() });
  const attempt = (await b.store.startAttempt(id)) as number;
  const dir = join(b.config.storageDir, 'jobs', id);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'video.mp4');
  writeFileSync(file, randomBytes(bytes));
  await b.store.complete(id, attempt, video(bytes));
  const { service, baseline, ratios } = await withBare('server.ts', 'download', { BARE_FILE: file }, (server) =>
    rounds(
      () => load(b.servicePid, { url: `${b.service.url}/api/v1/videos/jobs/${id}/download`, connections: 20, headers: { Authorization: `Bearer ${b.token('user_download')}` } }),
      () => load(server.pid, { url: `${server.url}/`, connections: 20 }),
      undefined,
      (l) => l.bytesPerSecond,
    ),
  );
  const ratio = median(ratios);
  return {
    case: `download ${VIDEO_MIB} MiB, 20 parallel (autocannon, median of ${HTTP_RUNS} rounds)`,
    service: `${mbps(service.bytesPerSecond)}${service.failures ? `, ${service.failures} failed` : ''}`,
    baseline: `fs.createReadStream: ${mbps(baseline.bytesPerSecond)}`,
    ratio: describeRatios(ratios),
    target: '≥ 0.8×',
    met: ratio >= 0.8 && service.failures === 0,
  };
}

async function renderCase(): Promise<Row> {
  const { realtime, ratio } = await measureRender('medium', RENDER_RUNS);
  return {
    case: `built-in render, 720p (median of ${RENDER_RUNS})`,
    service: `${fmt(realtime, 2)}× realtime`,
    baseline: 'one bare ffmpeg, same frames and audio',
    ratio: `${fmt(ratio, 2)}× bare`,
    target: '≥ 4× realtime, ≤ 1.15× bare',
    met: realtime >= 4 && ratio <= 1.15,
  };
}

async function socketCase(b: Bench): Promise<Row> {
  const runs: Array<{ service: ReturnType<typeof socketSummary>; bare: ReturnType<typeof socketSummary> }> = [];
  for (let run = 0; run < SOCKET_RUNS; run++) {
    const bareRun = socketSummary('bare', await socketBare(b.redis.url));
    const serviceRun = socketSummary('service', await socketService({ url: b.service.url, store: b.store, token: b.token, redis: b.client }));
    runs.push({ service: serviceRun, bare: bareRun });
    console.log(`  run ${run + 1}: ${attribution(bareRun)}\n         ${attribution(serviceRun)}`);
  }
  const list = (pick: (r: (typeof runs)[number]) => number) => runs.map((r) => fmt(pick(r), 1)).join(' / ');
  const ratios = runs.map((r) => r.service.p99 / r.bare.p99);
  return {
    case: `Socket.IO, 1,000 sockets (${SOCKET_RUNS} runs)`,
    service: `p50 ${list((r) => r.service.p50)} ms, p99 ${list((r) => r.service.p99)} ms; event-loop delay max: service ${list((r) => r.service.stalls.serviceMs ?? 0)} ms, clients ${list((r) => r.service.stalls.clientsMs)} ms`,
    baseline: `bare socket.io fed by Redis pub/sub: p50 ${list((r) => r.bare.p50)} ms, p99 ${list((r) => r.bare.p99)} ms`,
    ratio: `p99 ${ratios.map((r) => fmt(r, 2)).join(' / ')}×`,
    target: 'p99 ≤ 50 ms and ≤ 1.5× bare in every run',
    met: runs.every((r, i) => r.service.p99 <= 50 && ratios[i] <= 1.5),
  };
}

function printTable(rows: Row[]): string {
  const lines = [
    '| case | service | bare baseline | ratio | target | met |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.case} | ${r.service} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.met ? 'yes' : 'no'} |`),
  ];
  return lines.join('\n');
}

async function start(): Promise<Bench> {
  const redis = await TestRedis.start();
  const issuer = new TestIssuer();
  const dataDir = mkdtempSync(join(tmpdir(), 'vgs-bench-'));
  const env = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: PREFIX,
    CLERK_JWT_KEY: issuer.envValue,
    CLERK_AUTHORIZED_PARTIES: AZP,
    WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
    DATA_DIR: dataDir,
    APP_ROLE: 'api',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    RATE_LIMIT_PER_MINUTE: '1000000',
    MAX_QUEUE_DEPTH: '1000000',
    MAX_ACTIVE_JOBS_PER_USER: '0',
    MIN_FREE_DISK_MB: '1',
  };
  // BENCH_NODE_FLAGS: node options for the service only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" for a V8 CPU
  // profile written when it stops (open it in Chrome DevTools); NODE_OPTIONS refuses the profiler flags.
  const flags = process.env.BENCH_NODE_FLAGS;
  const wrapper = flags ? ['sh', '-c', `exec "$0" ${flags} "$@"`] : [];
  const service = await AppProcess.start(env, await freePort(), { wrapper });
  const config = new AppConfig(validateEnvironment({ ...env, PORT: '0' }));
  const client = new Redis(redis.url);
  const store = new JobStore(client, new RedisKeys(PREFIX), config);
  // Tokens live an hour: the service verifies each once, then serves it from its cache, as it would a client's.
  const token = (sub: string) => issuer.token({ sub, azp: AZP }, { expiresInSeconds: 3600 });
  return { redis, client, service, servicePid: service.child.pid as number, store, config, dataDir, token };
}

async function main(): Promise<void> {
  const b = await start();
  const rows: Row[] = [];
  const cases: Record<string, () => Promise<Row | Row[]>> = {
    status: () => statusCase(b),
    submit: () => submitCase(b),
    list: () => listCases(b),
    memory: () => memoryCase(b),
    download: () => downloadCase(b),
    render: () => renderCase(),
    socketio: () => socketCase(b),
  };
  const machine = { node: process.version, cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', loadavg_at_start: loadavg().map((l) => Number(l.toFixed(2))) };
  try {
    for (const name of CASES) {
      const run = cases[name];
      if (!run) throw new Error(`unknown case ${name}; known: ${Object.keys(cases).join(', ')}`);
      console.log(`case ${name}…`);
      rows.push(...[await run()].flat());
    }
  } finally {
    await b.service.stop();
    await b.client.quit();
    await b.redis.destroy();
    rmSync(b.dataDir, { recursive: true, force: true });
  }
  console.log(`\nNode ${machine.node}, ${machine.cores} cores (${machine.cpu}), load average at start ${machine.loadavg_at_start.join(' ')}, ${DURATION} s a run\n`);
  console.log(printTable(rows));
  const results = { date: new Date().toISOString(), duration_s: DURATION, machine, cases: rows };
  writeFileSync(join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log('\nwritten: bench/results.json');
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
