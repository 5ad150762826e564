import type { ChainableCommander } from 'ioredis';

/** Runs a pipeline or MULTI and returns its replies, throwing the first command error instead of returning it. */
export async function execOrThrow<T>(pipe: ChainableCommander): Promise<T[]> {
  const results = (await pipe.exec()) ?? [];
  return results.map(([err, value]) => {
    if (err) throw err;
    return value as T;
  });
}
