import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createTcpServer, connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  cancelJob,
  createVgsClient,
  deleteJob,
  downloadVideo,
  generateVideo,
  generateVideoBatch,
  getJob,
  getVideoMetadata,
  jobEvents,
  JobUpdates,
  VgsApiError,
  VgsConnectionError,
  VgsTimeoutError,
  type BatchUpdate,
  type Client,
  type JobState,
  type JobUpdate,
} from '../clients/typescript/src';
import { Server } from 'socket.io';
import { AZP, startTestApp, TestContext } from './support/test-app';

const ROOT = join(__dirname, '..');
const GENERATED = join(ROOT, 'clients', 'typescript', 'src', 'gen');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

async function errorOf(promise: Promise<unknown>): Promise<VgsApiError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof VgsApiError)) throw new Error(`expected a VgsApiError, got ${String(err)}`);
  return err;
}

/** How `promise` failed, failing the test at once if it is still pending after `ms` (a wait that never ends). */
async function rejectionWithin(ms: number, promise: Promise<unknown>): Promise<unknown> {
  let timer!: NodeJS.Timeout;
  const pending = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms)));
  try {
    await Promise.race([promise, pending]);
  } catch (err) {
    if ((err as Error).message === `still pending after ${ms} ms`) throw err;
    return err;
  } finally {
    clearTimeout(timer);
  }
  throw new Error('expected a rejection, it resolved');
}

/** A TCP relay to `target` whose connections a test cuts, as a flaky network or proxy would. */
async function startRelay(target: string) {
  const live = new Set<Socket>();
  let connections = 0;
  const server = createTcpServer((inbound) => {
    connections += 1;
    const outbound = connect(Number(new URL(target).port), '127.0.0.1');
    for (const socket of [inbound, outbound]) {
      live.add(socket);
      socket.on('error', () => undefined).on('close', () => live.delete(socket));
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Connections accepted so far. */
    connections: () => connections,
    /** Whether any connection is open now. */
    open: () => live.size > 0,
    cut: () => live.forEach((socket) => socket.destroy()),
    /** Refuses new connections and cuts the open ones. */
    close: () => {
      server.close();
      live.forEach((socket) => socket.destroy());
    },
  };
}

const CONTEXT = 'Sunlight scatters off air molecules. Blue light scatters the most, so the sky looks blue.';

describe('TypeScript SDK (clients/typescript)', () => {
  test('the committed generated code is exactly what `npm run sdk` writes from the served document', () => {
    const out = mkdtempSync(join(tmpdir(), 'vgs-sdk-check-'));
    try {
      const run = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', join(ROOT, 'scripts', 'generate-sdk.ts'), out], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      if (run.status !== 0) throw new Error(`npm run sdk failed (${run.status}): ${run.stderr}`);
      const fresh = filesUnder(out);
      const committed = filesUnder(GENERATED);
      const differing = [...new Set([...fresh, ...committed])].filter(
        (file) => !fresh.includes(file) || !committed.includes(file) || !readFileSync(join(out, file)).equals(readFileSync(join(GENERATED, file))),
      );
      if (differing.length > 0) {
        throw new Error(`clients/typescript/src/gen is stale (the OpenAPI document changed): run \`npm run sdk\` and commit the result. Differs: ${differing.join(', ')}`);
      }
      expect(fresh).toEqual(expect.arrayContaining(['index.ts', 'sdk.gen.ts', 'types.gen.ts']));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  describe('a whole job flow against the live service', () => {
    let ctx: TestContext;
    let token: string;
    let client: Client;
    let updates: JobUpdates;

    beforeAll(async () => {
      ctx = await startTestApp({ APP_ROLE: 'all' });
      token = ctx.tokenFor('user_sdk');
      client = createVgsClient({ baseUrl: `${ctx.url}/`, token });
      updates = await JobUpdates.connect(ctx.url, { token, socket: { transports: ['websocket'] } });
    });
    afterAll(async () => {
      updates?.close();
      await ctx?.close();
    });

    const request = (topic: string) => ({
      topic,
      context: CONTEXT,
      quality: 'low' as const,
    });

    test('submit, watch over Socket.IO to completion, download (whole and a range), cancel another, delete', async () => {
      const submitted = await generateVideo({ client, body: request('Why the sky is blue'), throwOnError: true });
      expect(submitted.response.status).toBe(201);
      expect(submitted.response.headers.get('location')).toBe(`/api/v1/jobs/${submitted.data.job_id}`);
      expect(submitted.data).toEqual(expect.objectContaining({ status: 'queued', progress: 0 }));
      const jobId = submitted.data.job_id;

      // One worker: the second job waits in the queue behind the first, and is cancelled there.
      const other = await generateVideo({ client, body: request('Why sunsets are red'), throwOnError: true });
      const cancelled = await cancelJob({ client, path: { job_id: other.data.job_id }, throwOnError: true });
      expect(cancelled.data.status).toBe('cancelled');

      const seen: JobState[] = [];
      const final = await updates.waitForJob(jobId, { onUpdate: (s) => seen.push(s), timeoutMs: 120_000 });
      expect(final).toEqual(expect.objectContaining({ job_id: jobId, status: 'completed', progress: 100 }));
      expect(seen.some((s) => s.status === 'processing' && s.current_stage)).toBe(true);
      const progress = seen.map((s) => s.progress);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));

      // The SSE helper replays the job's latest event and ends at the terminal one.
      const streamed: JobUpdate[] = [];
      for await (const update of jobEvents(client, jobId)) streamed.push(update);
      expect(streamed.at(-1)).toEqual(expect.objectContaining({ job_id: jobId, status: 'completed', progress: 100 }));
      const cancelledStream: JobUpdate[] = [];
      for await (const update of jobEvents(client, other.data.job_id)) cancelledStream.push(update);
      expect(cancelledStream.map((u) => u.status)).toEqual(['cancelled']);

      const { data: meta } = await getVideoMetadata({ client, path: { job_id: jobId }, throwOnError: true });
      const whole = await downloadVideo({ client, path: { job_id: jobId }, parseAs: 'arrayBuffer', throwOnError: true });
      expect(whole.response.status).toBe(200);
      expect(whole.response.headers.get('content-type')).toBe('video/mp4');
      const bytes = Buffer.from(whole.data as unknown as ArrayBuffer);
      expect(bytes.length).toBe(meta.file_size);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(meta.checksum_sha256);

      const range = await downloadVideo({ client, path: { job_id: jobId }, headers: { Range: 'bytes=100-1123' }, parseAs: 'arrayBuffer', throwOnError: true });
      expect(range.response.status).toBe(206);
      expect(range.response.headers.get('content-range')).toBe(`bytes 100-1123/${meta.file_size}`);
      expect(Buffer.from(range.data as unknown as ArrayBuffer).equals(bytes.subarray(100, 1124))).toBe(true);

      // Error answers arrive as VgsApiError with the envelope's code, thrown or returned.
      const notCancellable = await errorOf(cancelJob({ client, path: { job_id: jobId }, throwOnError: true }));
      expect(notCancellable).toEqual(expect.objectContaining({ status: 409, code: 'JOB_NOT_CANCELLABLE' }));
      const unsatisfiable = await downloadVideo({ client, path: { job_id: jobId }, headers: { Range: `bytes=${meta.file_size}-` } });
      expect(unsatisfiable.error).toEqual(expect.objectContaining({ status: 416, code: 'RANGE_NOT_SATISFIABLE' }));

      const deleted = await deleteJob({ client, path: { job_id: jobId }, throwOnError: true });
      expect(deleted.response.status).toBe(204);
      const gone = await errorOf(getJob({ client, path: { job_id: jobId }, throwOnError: true }));
      expect(gone).toEqual(expect.objectContaining({ status: 404, code: 'NOT_FOUND', message: expect.any(String), requestId: expect.any(String) }));
    });

    test('onBatch receives typed batch.update summaries up to the completed batch', async () => {
      const summaries: BatchUpdate[] = [];
      const stop = updates.onBatch((summary) => summaries.push(summary));
      const { data: batch } = await generateVideoBatch({ client, body: { name: 'sdk batch', jobs: [request('Why ice floats')] }, throwOnError: true });
      await updates.waitForJob(batch.jobs[0].job_id, { timeoutMs: 120_000 });
      const deadline = Date.now() + 10_000;
      while (!summaries.some((s) => s.completed_at !== null) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      stop();
      expect(summaries.every((s) => s.batch_id === batch.batch_id)).toBe(true);
      expect(summaries.at(-1)).toEqual(
        expect.objectContaining({ name: 'sdk batch', status: 'completed', total_jobs: 1, progress: 100, counts: expect.objectContaining({ completed: 1 }) }),
      );
    });

    test('bad input and bad credentials are VgsApiErrors naming the problem', async () => {
      const invalid = await errorOf(generateVideo({ client, body: { topic: ' ', context: 'x' }, throwOnError: true }));
      expect(invalid).toEqual(expect.objectContaining({ status: 422, code: 'VALIDATION_ERROR' }));
      expect(invalid.details.fields?.map((f) => f.field)).toContain('topic');

      const stranger = createVgsClient({ baseUrl: ctx.url, token: 'not-a-token' });
      expect(await errorOf(getJob({ client: stranger, path: { job_id: '00000000-0000-4000-8000-000000000000' }, throwOnError: true }))).toEqual(
        expect.objectContaining({ status: 401, code: 'UNAUTHORIZED' }),
      );
      expect(await errorOf(JobUpdates.connect(ctx.url, { token: 'not-a-token', socket: { transports: ['websocket'] } }))).toEqual(
        expect.objectContaining({ status: 401, code: 'UNAUTHORIZED' }),
      );
    });
  });

  describe('JobUpdates.waitForJob ends when its socket does (an API process with no worker: jobs stay queued)', () => {
    let ctx: TestContext;

    beforeAll(async () => {
      ctx = await startTestApp({ APP_ROLE: 'api' });
    });
    afterAll(() => ctx?.close());

    test('a token that expires while it waits rejects with a 401 VgsApiError saying so', async () => {
      const client = createVgsClient({ baseUrl: ctx.url, token: ctx.tokenFor('user_sdk_expiry') });
      const { data: job } = await generateVideo({ client, body: { topic: 'never rendered', context: CONTEXT }, throwOnError: true });
      const shortLived = ctx.issuer.token({ sub: 'user_sdk_expiry', azp: AZP }, { expiresInSeconds: 2 });
      const updates = await JobUpdates.connect(ctx.url, { token: shortLived, socket: { transports: ['websocket'] } });
      try {
        const err = await rejectionWithin(10_000, updates.waitForJob(job.job_id));
        expect(err).toBeInstanceOf(VgsApiError);
        expect(err).toEqual(expect.objectContaining({ status: 401, code: 'UNAUTHORIZED', message: expect.stringMatching(/token expired/) }));
      } finally {
        updates.close();
      }
    });

    test('its own timeoutMs rejects with a VgsTimeoutError naming the job and its last state seen', async () => {
      const client = createVgsClient({ baseUrl: ctx.url, token: ctx.tokenFor('user_sdk_timeout') });
      const { data: job } = await generateVideo({ client, body: { topic: 'never rendered', context: CONTEXT }, throwOnError: true });
      const updates = await JobUpdates.connect(ctx.url, { token: ctx.tokenFor('user_sdk_timeout'), socket: { transports: ['websocket'] } });
      try {
        const err = await rejectionWithin(10_000, updates.waitForJob(job.job_id, { timeoutMs: 1500 }));
        expect(err).toBeInstanceOf(VgsTimeoutError);
        expect(err).toEqual(
          expect.objectContaining({ jobId: job.job_id, timeoutMs: 1500, lastState: expect.objectContaining({ status: 'queued' }), message: `job ${job.job_id} did not end within 1500 ms (last seen queued)` }),
        );
      } finally {
        updates.close();
      }
    });

    test('jobEvents resumes a stream that drops again and again, as long as each try gets through', async () => {
      const relay = await startRelay(ctx.url);
      const token = ctx.tokenFor('user_sdk_sse_drops');
      const direct = createVgsClient({ baseUrl: ctx.url, token });
      const client = createVgsClient({ baseUrl: relay.url, token });
      const { data: job } = await generateVideo({ client: direct, body: { topic: 'never rendered', context: CONTEXT }, throwOnError: true });
      const seen: JobUpdate[] = [];
      const streamed = (async () => {
        for await (const update of jobEvents(client, job.job_id)) seen.push(update);
      })();
      streamed.catch(() => undefined); // awaited below; a failure before then fails the test there
      try {
        const until = async (what: string, done: () => boolean) => {
          const deadline = Date.now() + 15_000;
          while (!done()) {
            if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
            await new Promise((r) => setTimeout(r, 50));
          }
        };
        await until('the first event', () => seen.length === 1);
        // More drops than a single outage may take (the first try and 3 more), each one resumed.
        for (let drop = 1; drop <= 5; drop++) {
          const before = relay.connections();
          await until('a stream to cut', relay.open);
          relay.cut();
          await until(`resumption ${drop}`, () => relay.connections() > before && relay.open());
        }
        await new Promise((r) => setTimeout(r, 300)); // the last resumed stream is answered
        await cancelJob({ client: direct, path: { job_id: job.job_id }, throwOnError: true });
        await streamed;
        // Resumed with Last-Event-ID: nothing repeated, nothing lost.
        expect(seen.map((u) => u.status)).toEqual(['queued', 'cancelled']);
      } finally {
        relay.close();
      }
    }, 60_000);

    test('jobEvents gives up with a VgsConnectionError once the service stays unreachable for 3 more tries', async () => {
      const relay = await startRelay(ctx.url);
      const client = createVgsClient({ baseUrl: relay.url, token: ctx.tokenFor('user_sdk_sse_gone') });
      const { data: job } = await generateVideo({ client, body: { topic: 'never rendered', context: CONTEXT }, throwOnError: true });
      const events = jobEvents(client, job.job_id);
      expect((await events.next()).value).toEqual(expect.objectContaining({ status: 'queued' }));
      relay.close();
      const err = await rejectionWithin(20_000, events.next());
      expect(err).toBeInstanceOf(VgsConnectionError);
      expect((err as Error).message).toBe(`cannot reach ${relay.url}: ECONNREFUSED`);
    }, 30_000);

    test('a socket the server closes for another reason rejects with a VgsConnectionError', async () => {
      // A stand-in server: the real one closes a socket only when its token expires.
      const http = createServer();
      const io = new Server(http);
      io.of('/jobs').on('connection', (socket) =>
        socket.on('job.status', (body: { job_id: string }, ack: (status: unknown) => void) => {
          ack({ job_id: body.job_id, status: 'queued', progress: 0, current_stage: null, error_message: null, updated_at: new Date().toISOString() });
          socket.disconnect(true);
        }),
      );
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
      const updates = await JobUpdates.connect(url, { token: 'any', socket: { transports: ['websocket'] } });
      try {
        const err = await rejectionWithin(10_000, updates.waitForJob('00000000-0000-4000-8000-000000000000'));
        expect(err).toBeInstanceOf(VgsConnectionError);
        expect((err as Error).message).toBe(`cannot reach ${url}: the socket was closed (io server disconnect)`);
      } finally {
        updates.close();
        await io.close();
      }
    });
  });
});
