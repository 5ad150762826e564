import Redis, { Cluster, RedisOptions } from 'ioredis';
import type { RedisKeys } from './redis-keys';
import type { RedisTarget } from './redis-options';

/** A connection to the service's Redis: one node (or the master Sentinel names) or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/**
 * A client of `target` with this connection's own `options` (name, retries, key prefix, auto-pipelining). On a
 * cluster they apply to every node's connection, except the retry strategy, auto-pipelining and lazyConnect, which
 * are the cluster's own.
 */
export function createRedisClient(target: RedisTarget, options: RedisOptions = {}): RedisClient {
  if (target.mode !== 'cluster') return new Redis({ ...target.options, ...options });
  const { retryStrategy, keyPrefix, enableAutoPipelining, lazyConnect, ...nodeOptions } = options;
  return new Cluster(target.nodes, {
    keyPrefix,
    enableAutoPipelining,
    lazyConnect,
    clusterRetryStrategy: retryStrategy,
    redisOptions: { ...target.options, ...nodeOptions },
  });
}

/** A new connection to the same Redis as `client` (subscribers and blocking reads hold theirs), with `options` on top. */
export function duplicateClient(client: RedisClient, options: RedisOptions): RedisClient {
  if (!(client instanceof Cluster)) return client.duplicate(options);
  const { keyPrefix, enableAutoPipelining, ...nodeOptions } = options;
  return client.duplicate(undefined, {
    ...(keyPrefix === undefined ? {} : { keyPrefix }),
    ...(enableAutoPipelining === undefined ? {} : { enableAutoPipelining }),
    redisOptions: { ...client.options.redisOptions, ...nodeOptions },
  });
}

/**
 * Resolves when the server holding the service's keys answers. On a cluster that is the master of the keys' one
 * slot: a read of a key there is routed to it, where a PING would reach any node.
 */
export async function pingKeyspace(client: RedisClient, keys: RedisKeys): Promise<void> {
  if (client instanceof Cluster) {
    await client.exists(keys.key('ping'));
    return;
  }
  const pong = await client.ping();
  if (pong !== 'PONG') throw new Error(`unexpected reply ${pong}`);
}
