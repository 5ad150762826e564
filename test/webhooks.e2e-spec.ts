import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:https';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job as BullJob, Queue } from 'bullmq';
import Redis from 'ioredis';
import { Webhook } from 'standardwebhooks';
import { WebhookOutboxStore } from '../src/events/webhook-outbox.store';
import { WEBHOOK_QUEUE } from '../src/events/webhooks';
import { RedisKeys } from '../src/redis/redis-keys';
import { AppProcess } from './support/app-process';
import { freePort, TestRedis } from './support/redis-server';
import { AZP, isTerminal, testEnv } from './support/test-app';
import { selfSignedCert } from './support/tls';
import { TestIssuer } from './support/tokens';

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * Webhooks to a real HTTPS receiver (a throwaway certificate the service trusts through NODE_EXTRA_CA_CERTS),
 * checked with the Standard Webhooks library's own verification.
 */
describe('webhooks', () => {
  let redis: TestRedis;
  let app: AppProcess;
  let receiver: Server;
  let dir: string;
  let base: string;
  let issuer: TestIssuer;
  let port: number;
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const received: Received[] = [];
  let failuresLeft = 1;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vgs-webhooks-'));
    const tls = selfSignedCert(dir);
    port = await freePort();
    receiver = createServer(tls, (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers as Record<string, string>, body });
        // The first delivery fails, to prove retries.
        res.writeHead(failuresLeft-- > 0 ? 500 : 204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(port, '127.0.0.1', resolve));
    base = `https://127.0.0.1:${port}`;
    redis = await TestRedis.start();
    issuer = new TestIssuer();
    app = await AppProcess.start(hookEnv(), await freePort());
  });
  afterAll(async () => {
    await app?.stop('SIGKILL');
    await redis?.destroy();
    await new Promise((r) => receiver.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const waitFor = async (predicate: () => boolean) => {
    const deadline = Date.now() + 60_000;
    while (!predicate() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(predicate()).toBe(true);
  };
  // The receiver is on loopback: only WEBHOOK_ALLOW_PRIVATE lets the service reach it.
  const hookEnv = (overrides: Record<string, string> = {}) =>
    testEnv(redis, issuer, dir, {
      WEBHOOK_ALLOW_PRIVATE: 'true', LOG_LEVEL: 'error', WEBHOOK_SECRET: secret, WEBHOOK_BACKOFF_MS: '100', NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem'), ...overrides,
    });
  const at = (path: string) => received.filter((r) => r.path === path);
  /** What `path` received, one per message (a retry repeats its message id), verified with the secret. */
  const messagesAt = (path: string) => {
    const byId = new Map(at(path).map((r) => [r.headers['webhook-id'], r]));
    return [...byId.values()].map((r) => new Webhook(secret).verify(r.body, r.headers) as { type: string; data: Record<string, any> });
  };
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  test("a job's terminal event is POSTed to its webhook_url, signed, and retried after a failure", async () => {
    const token = issuer.token({ sub: 'user_hooks', azp: AZP });
    const created = await app.api('POST', '/api/v1/videos/generate', token, { topic: 'Hooks', context: 'Tell me when done.', quality: 'low', webhook_url: `${base}/job-hook` });
    expect(created.status).toBe(201);
    const id = created.body.job_id as string;
    expect((await app.waitForJob(id, token, isTerminal)).status).toBe('completed');

    await waitFor(() => received.filter((r) => r.path === '/job-hook').length >= 2);
    const [failed, delivered] = received.filter((r) => r.path === '/job-hook');
    expect(delivered.headers['webhook-id']).toBe(failed.headers['webhook-id']); // a retry is the same message
    const payload = new Webhook(secret).verify(delivered.body, delivered.headers) as { type: string; data: Record<string, any> };
    expect(payload.type).toBe('job.completed');
    expect(payload.data).toEqual(expect.objectContaining({ job_id: id, status: 'completed', video: expect.objectContaining({ video_codec: 'h264' }) }));
    expect(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(delivered.body, delivered.headers)).toThrow();
  });

  test('the preferred webhook gets only the events the user chose', async () => {
    const token = issuer.token({ sub: 'user_prefs_hooks', azp: AZP });
    const prefs = await fetch(`${app.url}/api/v1/users/me/preferences`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ notifications: { webhook_url: `${base}/prefs-hook`, events: ['job.cancelled'] } }),
    });
    expect(prefs.status).toBe(200);

    const done = await app.api('POST', '/api/v1/videos/generate', token, { topic: 'Quiet', context: 'No hook for this one.', quality: 'low' });
    await app.waitForJob(done.body.job_id, token, isTerminal);
    const cancelled = await app.api('POST', '/api/v1/videos/generate', token, { topic: 'Stop', context: 'Cancelled at once.', quality: 'low', priority: 'low' });
    await app.api('POST', `/api/v1/jobs/${cancelled.body.job_id}/cancel`, token);

    await waitFor(() => received.some((r) => r.path === '/prefs-hook'));
    await new Promise((r) => setTimeout(r, 500));
    const hooks = received.filter((r) => r.path === '/prefs-hook').map((r) => JSON.parse(r.body) as { type: string; data: { job_id: string } });
    expect(hooks.map((h) => [h.type, h.data.job_id])).toEqual([['job.cancelled', cancelled.body.job_id]]);
  });

  test("a finished batch sends one batch.completed with its counts to its jobs' webhook_url and to the opted-in preference", async () => {
    const token = issuer.token({ sub: 'user_batch_hooks', azp: AZP });
    const prefs = await app.api('PUT', '/api/v1/users/me/preferences', token, { notifications: { webhook_url: `${base}/batch-prefs`, events: ['batch.completed'] } });
    expect(prefs.status).toBe(200);
    const job = { context: 'Part of a batch.', quality: 'low', webhook_url: `${base}/batch-hook` };
    const created = await app.api('POST', '/api/v1/videos/batch', token, {
      name: 'Hooked',
      jobs: [{ ...job, topic: 'One' }, { ...job, topic: 'Two' }, { topic: 'Three', context: 'Cancelled while queued.', quality: 'low', priority: 'low' }],
    });
    expect(created.status).toBe(201);
    const batchId = created.body.batch_id as string;
    const [first, second, third] = (created.body.jobs as { job_id: string }[]).map((j) => j.job_id);
    expect((await app.api('POST', `/api/v1/jobs/${third}/cancel`, token)).status).toBe(200);
    for (const id of [first, second]) expect((await app.waitForJob(id, token, isTerminal)).status).toBe('completed');

    await waitFor(() => at('/batch-prefs').length > 0 && messagesAt('/batch-hook').length >= 3);
    await pause(1000); // room for a duplicate to show up
    const expected = expect.objectContaining({
      batch_id: batchId, name: 'Hooked', status: 'partially_completed', total_jobs: 3,
      counts: { queued: 0, processing: 0, completed: 2, failed: 0, cancelled: 1 }, progress: 100,
    });
    const atJobs = messagesAt('/batch-hook');
    expect(atJobs.map((m) => m.type).sort()).toEqual(['batch.completed', 'job.completed', 'job.completed']);
    expect(atJobs.find((m) => m.type === 'batch.completed')?.data).toEqual(expected);
    // The preference chose batch.completed only: none of the job events.
    expect(messagesAt('/batch-prefs')).toEqual([{ type: 'batch.completed', timestamp: expect.any(String), data: expected }]);
  });

  /** The same service without WEBHOOK_ALLOW_PRIVATE (its own key prefix on the same Redis): no traffic leaves loopback. */
  describe('without WEBHOOK_ALLOW_PRIVATE', () => {
    let strict: AppProcess;
    let deliveries: Queue;
    const prefix = 'vgs-strict';
    beforeAll(async () => {
      strict = await AppProcess.start(
        testEnv(redis, issuer, dir, { REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'warn', WEBHOOK_SECRET: secret, WEBHOOK_BACKOFF_MS: '100', NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') }),
        await freePort(),
      );
      deliveries = new Queue(WEBHOOK_QUEUE, { connection: { url: redis.url }, prefix });
    });
    afterAll(async () => {
      await deliveries?.close();
      await strict?.stop('SIGKILL');
    });

    const forbidden = () => [`https://127.0.0.1:${port}/`, 'https://[::1]/', 'https://2130706433/', 'https://169.254.169.254/latest/meta-data/', 'https://hooks.localhost/'];

    test('a job, a batch item or preferences naming a forbidden host are 422 at submission, nothing stored', async () => {
      const token = issuer.token({ sub: 'user_ssrf', azp: AZP });
      const job = { topic: 'Hooks', context: 'Never sent.', quality: 'low' };
      for (const url of forbidden()) {
        const single = await strict.api('POST', '/api/v1/videos/generate', token, { ...job, webhook_url: url });
        expect([url, single.status, single.body.error?.error_code]).toEqual([url, 422, 'VALIDATION_ERROR']);
        // Numeric host forms (2130706433) already fail the https-URL rule; the others fail the address check.
        expect(single.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['webhook_url']);

        const batch = await strict.api('POST', '/api/v1/videos/batch', token, { jobs: [job, { ...job, webhook_url: url }] });
        expect([url, batch.status]).toEqual([url, 422]);
        expect(batch.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['jobs[1].webhook_url']);

        const prefs = await strict.api('PUT', '/api/v1/users/me/preferences', token, { notifications: { webhook_url: url } });
        expect([url, prefs.status]).toEqual([url, 422]);
        expect(prefs.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['notifications.webhook_url']);
      }
      const loopback = await strict.api('POST', '/api/v1/videos/generate', token, { ...job, webhook_url: `https://127.0.0.1:${port}/` });
      expect(loopback.body.error.details.fields[0].errors).toEqual(['webhook_url must not point at a loopback address']);
      expect((await strict.api('GET', '/api/v1/jobs', token)).body.data).toEqual([]);
      expect((await strict.api('GET', '/api/v1/users/me/preferences', token)).body.notifications.webhook_url).toBeNull();
    });

    test('a name that resolves to loopback passes submission and is refused at delivery, for good', async () => {
      // This machine's own name resolves to loopback (from /etc/hosts); anything else and the test must not run.
      const name = hostname();
      const addresses = await lookup(name, { all: true });
      expect(addresses.every((a) => a.address.startsWith('127.') || a.address === '::1')).toBe(true);

      const token = issuer.token({ sub: 'user_rebind', azp: AZP });
      const created = await strict.api('POST', '/api/v1/videos/generate', token, { topic: 'Rebind', context: 'Cancelled at once.', quality: 'low', priority: 'low', webhook_url: `https://${name}:${port}/rebind-hook` });
      expect(created.status).toBe(201);
      const id = created.body.job_id as string;
      await strict.api('POST', `/api/v1/jobs/${id}/cancel`, token);
      await strict.waitForJob(id, token, isTerminal);

      // The delivery is BullMQ's job in the webhooks queue: failed once, with the reason, never retried.
      let delivery: BullJob | undefined;
      for (const deadline = Date.now() + 60_000; !delivery && Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
        delivery = (await deliveries.getFailed()).find((job) => job.id?.startsWith(`msg_${id}_`));
      }
      expect(delivery?.failedReason).toMatch(new RegExp(`webhook target refused: ${name} resolves to 127\\.`));
      expect(delivery?.attemptsMade).toBe(1);
      expect(strict.logs).toContain('webhook target refused');
      expect(received.filter((r) => r.path === '/rebind-hook')).toEqual([]);
    });
  });

  /**
   * Delivery recorded with the state change (the outbox stream), read by worker processes: API-only and
   * worker-only processes on their own key prefix, started and killed as the story needs.
   */
  describe('the outbox, whichever processes run', () => {
    const prefix = 'vgs-outbox';
    const processes: AppProcess[] = [];
    let client: Redis;
    let outbox: WebhookOutboxStore;
    const start = async (role: 'api' | 'worker') => {
      const started = await AppProcess.start(hookEnv({ REDIS_KEY_PREFIX: prefix, APP_ROLE: role }), await freePort());
      processes.push(started);
      return started;
    };
    const pendingDrops = async () => {
      for (const deadline = Date.now() + 60_000; Date.now() < deadline && (await outbox.pendingCount()) > 0; ) await pause(200);
      expect(await outbox.pendingCount()).toBe(0);
    };
    beforeAll(() => {
      client = new Redis(redis.url);
      outbox = new WebhookOutboxStore(client, new RedisKeys(prefix));
    });
    afterAll(async () => {
      outbox?.closeReader();
      await client?.quit();
      await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    });

    test('a job that completes while only a worker runs is delivered once; an API started later adds nothing', async () => {
      const token = issuer.token({ sub: 'user_outbox', azp: AZP });
      const api = await start('api');
      const created = await api.api('POST', '/api/v1/videos/generate', token, { topic: 'Alone', context: 'Only a worker is up.', quality: 'low', webhook_url: `${base}/worker-only` });
      expect(created.status).toBe(201);
      const id = created.body.job_id as string;
      await api.stop('SIGKILL');

      const worker = await start('worker');
      await waitFor(() => at('/worker-only').length > 0);
      const later = await start('api');
      expect((await later.api('GET', `/api/v1/jobs/${id}`, token)).body.status).toBe('completed');
      await pause(1500);
      const messages = messagesAt('/worker-only');
      expect(messages.map((m) => [m.type, m.data.job_id, m.data.status])).toEqual([['job.completed', id, 'completed']]);
      await pendingDrops();
      await worker.stop('SIGKILL');
    });

    test("entries a killed worker received but never delivered are taken over and delivered once; a batch's jobs ending together record its completion once", async () => {
      const token = issuer.token({ sub: 'user_takeover', azp: AZP });
      const api = processes.find((p) => p.child.exitCode === null && p.child.signalCode === null) ?? (await start('api'));
      const prefs = await api.api('PUT', '/api/v1/users/me/preferences', token, { notifications: { webhook_url: `${base}/taken-over`, events: ['job.cancelled', 'batch.completed'] } });
      expect(prefs.status).toBe(200);
      const jobs = ['One', 'Two', 'Three'].map((topic) => ({ topic, context: 'Cancelled together.', quality: 'low' }));
      const created = await api.api('POST', '/api/v1/videos/batch', token, { jobs });
      expect(created.status).toBe(201);
      const ids = (created.body.jobs as { job_id: string }[]).map((j) => j.job_id);
      // No worker runs: all three are queued, and all three end at once.
      const cancels = await Promise.all(ids.map((id) => api.api('POST', `/api/v1/jobs/${id}/cancel`, token)));
      expect(cancels.map((c) => c.status)).toEqual([200, 200, 200]);

      // A worker receives the entries and is killed before it enqueued a single delivery.
      await outbox.ensureGroup();
      const entries = await outbox.readNew('worker-killed', 50, 1000);
      expect(entries.map((e) => [e.jobId, e.status]).sort()).toEqual(ids.map((id) => [id, 'cancelled']).sort());
      expect(entries.filter((e) => e.batchCompleted).map((e) => e.batchId)).toEqual([created.body.batch_id]);
      expect(await outbox.pendingCount()).toBe(3);

      await start('worker');
      await waitFor(() => messagesAt('/taken-over').length >= 4);
      await pendingDrops();
      await pause(1000);
      const messages = messagesAt('/taken-over');
      expect(messages.filter((m) => m.type === 'job.cancelled').map((m) => m.data.job_id).sort()).toEqual([...ids].sort());
      expect(messages.filter((m) => m.type === 'batch.completed').map((m) => [m.data.batch_id, m.data.status, m.data.counts.cancelled])).toEqual([
        [created.body.batch_id, 'cancelled', 3],
      ]);
      expect(messages).toHaveLength(4);
    });
  });
});
