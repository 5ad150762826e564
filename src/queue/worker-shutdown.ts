import type { Worker } from 'bullmq';

/**
 * Whether a BullMQ worker's Redis connection is up at this moment (never waits: one still being made is not up).
 * Shutdown asks: BullMQ's graceful close waits for its blocking connection to end, which an ioredis client that is
 * reconnecting never reports (taskforcesh/bullmq#4656), so with Redis gone only a forced close finishes, and a job
 * could not record its outcome anyway.
 */
export async function redisReachable(worker: Worker): Promise<boolean> {
  // A connection already made answers at once; one still pending (or failed) loses to the next turn of the loop.
  const client = await Promise.race([worker.client.catch(() => undefined), new Promise<undefined>((resolve) => setImmediate(() => resolve(undefined)))]);
  return client?.status === 'ready';
}

/** Closes a worker at shutdown: after its running jobs when Redis is there, at once when it is not. */
export async function closeWorker(worker: Worker): Promise<void> {
  await worker.close(!(await redisReachable(worker)));
}
