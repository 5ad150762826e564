import Redis from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppProcess } from './support/app-process';
import { freePort, TestRedis } from './support/redis-server';
import { AZP, isTerminal, testEnv } from './support/test-app';
import { TestIssuer } from './support/tokens';
import { until } from './support/wait';

const MASTER = 'vgs-master';

/**
 * REDIS_URL=redis+sentinel://…: the service (a real process) finds its master through a real Sentinel
 * (redis-server --sentinel) watching a master and its replica, and carries on when Sentinel fails the master over.
 */
describe('Redis Sentinel', () => {
  let master: TestRedis;
  let replica: TestRedis;
  let sentinel: TestRedis;
  let sentinelClient: Redis;
  let replicaClient: Redis;
  let app: AppProcess;
  let dir: string;
  const issuer = new TestIssuer();
  const token = issuer.token({ sub: 'user_sentinel', azp: AZP });
  const replication = async (client: Redis) => Object.fromEntries((await client.info('replication')).split('\r\n').map((l) => l.split(':')));
  const masterPort = async () => Number(((await sentinelClient.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER)) as string[])[1]);
  const completed = async (topic: string) => {
    const created = await app.api('POST', '/api/v1/videos/generate', token, { topic, context: `${topic} in one sentence.`, quality: 'low' });
    expect(created.status).toBe(201);
    const id = created.body.job_id as string;
    expect((await app.waitForJob(id, token, isTerminal)).status).toBe('completed');
    return id;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vgs-sentinel-data-'));
    master = await TestRedis.start(['--repl-diskless-sync-delay', '0']);
    replica = await TestRedis.start(['--replicaof', '127.0.0.1', String(master.port)]);
    replicaClient = new Redis(replica.port, '127.0.0.1');
    await until('the replica is in sync', async () => (await replication(replicaClient)).master_link_status === 'up');
    sentinel = await TestRedis.startSentinel(master, MASTER);
    sentinelClient = new Redis(sentinel.port, '127.0.0.1');
    // Sentinel learns of replicas from the master's INFO: a failover needs it to know this one.
    await until('Sentinel knows the replica', async () => {
      const replicas = (await sentinelClient.call('SENTINEL', 'REPLICAS', MASTER)) as string[][];
      return replicas.some((fields) => fields.includes(String(replica.port)) && !fields.join(' ').includes('s_down'));
    }, 30_000);
    app = await AppProcess.start(testEnv(master, issuer, dir, { REDIS_URL: `redis+sentinel://127.0.0.1:${sentinel.port}/${MASTER}` }), await freePort());
  }, 90_000);
  afterAll(async () => {
    await app?.stop('SIGKILL');
    sentinelClient?.disconnect();
    replicaClient?.disconnect();
    await Promise.all([sentinel, replica, master].map((r) => r?.destroy()));
    rmSync(dir, { recursive: true, force: true });
  });

  let firstId: string;
  test('jobs are stored and rendered on the master Sentinel names', async () => {
    firstId = await completed('Through Sentinel');
    const direct = new Redis(master.port, '127.0.0.1');
    try {
      expect(await direct.hget(`vgs-test:job:${firstId}`, 'status')).toBe('completed');
    } finally {
      direct.disconnect();
    }
    expect((await fetch(`${app.url}/health/ready`)).status).toBe(200);
  });

  test('the master dies: Sentinel promotes the replica and the service carries on there, its data intact', async () => {
    // Replication is asynchronous: what the replica has not received when the master dies is lost (README).
    const direct = new Redis(master.port, '127.0.0.1');
    const written = Number((await replication(direct)).master_repl_offset);
    direct.disconnect();
    await until('the replica has every write', async () => Number((await replication(replicaClient)).slave_repl_offset) >= written);
    await master.stop('SIGKILL');
    await until('Sentinel has failed over to the replica', async () => (await masterPort()) === replica.port);
    await until('the service is ready again', async () => (await fetch(`${app.url}/health/ready`)).status === 200);
    expect((await app.api('GET', `/api/v1/jobs/${firstId}`, token)).body.status).toBe('completed');
    await completed('After the failover');
  });
});
