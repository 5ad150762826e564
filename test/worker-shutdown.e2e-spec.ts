import { Queue, Worker } from 'bullmq';
import { closeWorker, redisReachable } from '../src/queue/worker-shutdown';
import { TestRedis } from './support/redis-server';

/** How BullMQ workers close at shutdown (src/queue/worker-shutdown.ts), on a real Redis that the test takes away. */
describe('closing a BullMQ worker at shutdown', () => {
  let redis: TestRedis;
  let queue: Queue;
  let worker: Worker;
  const finished: string[] = [];

  beforeEach(async () => {
    redis = await TestRedis.start();
    const connection = { url: redis.url, maxRetriesPerRequest: null };
    queue = new Queue('shutdown-test', { connection });
    worker = new Worker(
      'shutdown-test',
      async (job) => {
        await new Promise((r) => setTimeout(r, 800));
        finished.push(job.id as string);
      },
      { connection },
    );
    worker.on('error', () => undefined); // refused connections once Redis is gone
    await worker.waitUntilReady();
  });
  afterEach(async () => {
    await queue.close().catch(() => undefined);
    await redis.destroy();
  });

  test('with Redis there, it waits for the running job to finish', async () => {
    const job = await queue.add('slow', {});
    while ((await job.getState()) !== 'active') await new Promise((r) => setTimeout(r, 20));
    expect(await redisReachable(worker)).toBe(true);
    await closeWorker(worker);
    expect(finished).toContain(job.id);
    expect(await job.getState()).toBe('completed');
  });

  test('with Redis gone, it closes at once instead of waiting for a reconnection that never comes', async () => {
    await redis.stop('SIGKILL');
    while ((await worker.client).status === 'ready') await new Promise((r) => setTimeout(r, 20));
    expect(await redisReachable(worker)).toBe(false);
    const closed = closeWorker(worker).then(() => 'closed');
    const hung = new Promise((r) => setTimeout(() => r('still closing after 5 s'), 5000).unref());
    expect(await Promise.race([closed, hung])).toBe('closed');
  });
});
