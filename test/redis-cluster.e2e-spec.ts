import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { Webhook } from 'standardwebhooks';
import { AppProcess } from './support/app-process';
import { TestRedisCluster } from './support/redis-cluster';
import { freePort } from './support/redis-server';
import { AZP, isTerminal, testEnv } from './support/test-app';
import { RecordingSocket, readSse } from './support/sockets';
import { selfSignedCert } from './support/tls';
import { TestIssuer } from './support/tokens';

const PREFIX = 'vgs-test';
/** What the service's keys start with on a cluster: the prefix as one hash tag. */
const TAG = `{${PREFIX}}`;

/**
 * The service on a real 3-master Redis Cluster, as two processes (an API and a worker) that share nothing but the
 * cluster and the storage directory: every store's scripts, BullMQ's queues, pub/sub, the webhook outbox and the
 * rate limits run on it, and every key the service writes lies in the one slot of its hash tag.
 */
describe('Redis Cluster', () => {
  let cluster: TestRedisCluster;
  let client: Cluster;
  let api: AppProcess;
  let worker: AppProcess;
  let receiver: Server;
  let dir: string;
  let hookBase: string;
  let socket: RecordingSocket;
  const issuer = new TestIssuer();
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const hooks: Array<{ headers: Record<string, string>; body: string }> = [];
  const user = 'user_cluster';
  const token = issuer.token({ sub: user, azp: AZP });
  const job = (topic: string, extra: Record<string, unknown> = {}) => ({ topic, context: `${topic} in one sentence.`, quality: 'low', ...extra });
  const updatesOf = (id: string) => socket.for(id).map((u) => u.status as string);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vgs-cluster-'));
    const tls = selfSignedCert(dir);
    const hookPort = await freePort();
    receiver = createServer(tls, (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        hooks.push({ headers: req.headers as Record<string, string>, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(hookPort, '127.0.0.1', resolve));
    hookBase = `https://127.0.0.1:${hookPort}`;

    cluster = await TestRedisCluster.start(3);
    client = cluster.client();
    const env = (role: string) =>
      testEnv(cluster, issuer, dir, {
        APP_ROLE: role,
        REDIS_KEY_PREFIX: PREFIX,
        MAX_ACTIVE_JOBS_PER_USER: '3',
        RATE_LIMIT_PER_MINUTE: '40',
        AUTH_FAILURES_PER_MINUTE: '5',
        WEBHOOK_ALLOW_PRIVATE: 'true',
        WEBHOOK_SECRET: secret,
        NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem'),
      });
    [api, worker] = await Promise.all([AppProcess.start(env('api'), await freePort()), AppProcess.start(env('worker'), await freePort())]);
    socket = await RecordingSocket.connect(api.url, token);
  });
  afterAll(async () => {
    socket?.close();
    await Promise.all([api?.stop('SIGKILL'), worker?.stop('SIGKILL')]);
    client?.disconnect();
    await cluster?.destroy();
    await new Promise((r) => receiver?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  test('ready and redis_up on the cluster (the master of the keys\' slot answers)', async () => {
    const ready = await fetch(`${api.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { details: Record<string, { status: string }> }).details.redis.status).toBe('up');
    expect(await (await fetch(`${api.url}/metrics`)).text()).toMatch(/^vgs_redis_up 1$/m);
  });

  let completedId: string;
  test('submit → rendered by the worker process → completed: status, Socket.IO, SSE, signed webhook, retention index', async () => {
    const created = await api.api('POST', '/api/v1/videos/generate', token, job('Cluster render', { webhook_url: `${hookBase}/done` }));
    expect(created.status).toBe(201);
    completedId = created.body.job_id as string;
    const status = await api.api('GET', `/api/v1/videos/jobs/${completedId}/status`, token);
    expect(status.status).toBe(200);
    expect(['queued', 'processing', 'completed']).toContain(status.body.status);

    // Published inside the worker's scripts, received by the API process's subscriber, pushed to the socket.
    await socket.waitFor(() => updatesOf(completedId).includes('completed'));
    expect(updatesOf(completedId)).toEqual(expect.arrayContaining(['processing', 'completed']));
    expect((await api.api('GET', `/api/v1/jobs/${completedId}`, token)).body).toEqual(expect.objectContaining({ status: 'completed', progress: 100 }));

    const sse = await readSse(`${api.url}/api/v1/jobs/${completedId}/events`, { Authorization: `Bearer ${token}` });
    expect(sse.status).toBe(200);
    expect(sse.events.at(-1)?.data).toEqual(expect.objectContaining({ job_id: completedId, status: 'completed' }));

    // The transition script's outbox entry, read by the worker's blocking consumer, delivered by the webhooks queue.
    const deadline = Date.now() + 30_000;
    while (hooks.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const payload = new Webhook(secret).verify(hooks[0].body, hooks[0].headers) as { type: string; data: Record<string, unknown> };
    expect(payload).toEqual(expect.objectContaining({ type: 'job.completed', data: expect.objectContaining({ job_id: completedId }) }));

    expect(await client.zscore(`${TAG}:jobs:finished`, completedId)).not.toBeNull();
  });

  test('queue position of a waiting job; cancel while queued and while rendering (the signal reaches the worker process)', async () => {
    // A long lecture keeps the renderer busy well past the moment the cancel arrives.
    const lecture = Array.from({ length: 24 }, (_, i) => `This is sentence number ${i + 1} of a long explanation.`).join(' ');
    const running = (await api.api('POST', '/api/v1/videos/generate', token, job('Cancelled while rendering', { context: lecture, quality: 'medium' }))).body
      .job_id as string;
    const waiting = (await api.api('POST', '/api/v1/videos/generate', token, job('Cancelled while queued'))).body.job_id as string;
    const status = await api.api('GET', `/api/v1/videos/jobs/${waiting}/status`, token);
    expect(status.body).toEqual(expect.objectContaining({ status: 'queued', queue_position: expect.any(Number) }));

    expect((await api.api('POST', `/api/v1/jobs/${waiting}/cancel`, token)).status).toBe(200);
    await socket.waitFor(() => updatesOf(running).includes('processing'));
    expect((await api.api('POST', `/api/v1/jobs/${running}/cancel`, token)).status).toBe(200);
    await socket.waitFor(() => updatesOf(running).includes('cancelled') && updatesOf(waiting).includes('cancelled'));
    // The worker stopped the render: it takes the next job at once.
    const next = (await api.api('POST', '/api/v1/videos/generate', token, job('After the cancels'))).body.job_id as string;
    await socket.waitFor(() => updatesOf(next).includes('completed'));
    expect(updatesOf(running).filter((s) => isTerminal({ status: s }))).toEqual(['cancelled']);
  });

  test('delete: the job is gone from every read and from the retention index', async () => {
    const deleted = await fetch(`${api.url}/api/v1/jobs/${completedId}`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } });
    expect(deleted.status).toBe(204);
    expect((await api.api('GET', `/api/v1/jobs/${completedId}`, token)).status).toBe(404);
    expect(await client.zscore(`${TAG}:jobs:finished`, completedId)).toBeNull();
  });

  test('a batch with an Idempotency-Key is created once; past the quota of active jobs a batch is refused', async () => {
    const submit = (key: string, jobs: unknown[]) =>
      fetch(`${api.url}/api/v1/videos/batch`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Idempotency-Key': key },
        body: JSON.stringify({ name: 'On the cluster', jobs }),
      });
    const first = await submit('cluster-batch', [job('Batch one'), job('Batch two')]);
    expect(first.status).toBe(201);
    const batch = (await first.json()) as { batch_id: string };
    const replay = await submit('cluster-batch', [job('Batch one'), job('Batch two')]);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(((await replay.json()) as { batch_id: string }).batch_id).toBe(batch.batch_id);

    // Two active jobs of this batch, MAX_ACTIVE_JOBS_PER_USER=3: two more would be four.
    const over = await submit('cluster-batch-2', [job('Over one'), job('Over two')]);
    expect(over.status).toBe(429);
    expect(((await over.json()) as { error: { error_code: string } }).error.error_code).toBe('QUOTA_EXCEEDED');
    expect((await api.api('POST', `/api/v1/batches/${batch.batch_id}/cancel`, token)).status).toBe(200);
  });

  test('rate limits: the per-caller limit, then the failed-authentication limit per IP', async () => {
    const burst = issuer.token({ sub: 'user_burst', azp: AZP });
    const statuses: number[] = [];
    for (let i = 0; i < 41; i++) statuses.push((await api.api('GET', '/api/v1/jobs', burst)).status);
    expect(statuses.slice(0, 40).every((s) => s === 200)).toBe(true);
    expect(statuses[40]).toBe(429);

    const forged = new TestIssuer().token({ sub: 'user_mallory', azp: AZP });
    for (let i = 0; i < 5; i++) expect((await api.api('GET', '/api/v1/jobs', forged)).status).toBe(401);
    const limited = await api.api('GET', '/api/v1/jobs', forged);
    expect(limited.status).toBe(429);
    expect(limited.body.error.error_code).toBe('RATE_LIMIT_EXCEEDED');
  });

  test('every key the service wrote, BullMQ\'s included, is in the one slot of its hash tag; no CROSSSLOT anywhere', async () => {
    const nodes = cluster.nodes.map((_, i) => cluster.node(i));
    try {
      const slot = await nodes[0].cluster('KEYSLOT', TAG);
      const perNode = await Promise.all(
        nodes.map(async (n) => ({ keys: await n.dbsize(), inSlot: await n.cluster('COUNTKEYSINSLOT', slot), errors: await n.info('errorstats') })),
      );
      for (const n of perNode) {
        expect(n.keys).toBe(n.inSlot);
        expect(n.errors).not.toMatch(/errorstat_CROSSSLOT/);
      }
      const owner = nodes[perNode.findIndex((n) => n.keys > 0)];
      const keys = await owner.keys('*');
      expect(keys.length).toBeGreaterThan(20);
      expect(keys.filter((k) => !k.startsWith(`${TAG}:`))).toEqual([]);
      for (const part of [':job:', ':jobs:finished', ':webhooks:outbox', ':throttle:', ':video-render:', ':webhooks:', ':maintenance:', ':batch:', ':idem:']) {
        expect(keys.some((k) => k.includes(part))).toBe(true);
      }
      // The check means something: the cluster refuses a script whose keys are in two slots.
      await expect(client.eval('return 1', 2, `${TAG}:a`, 'another-slot')).rejects.toThrow(/CROSSSLOT/);
    } finally {
      nodes.forEach((n) => n.disconnect());
    }
  });
});
