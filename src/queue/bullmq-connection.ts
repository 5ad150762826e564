import { ConnectionOptions, createIORedisClient, IRedisClient, RedisConnection } from 'bullmq';
import Redis, { RedisOptions } from 'ioredis';
import { AppConfig } from '../config/app-config';
import { createRedisClient } from '../redis/redis-client';
import type { RedisTarget } from '../redis/redis-options';

const CLUSTER = Symbol('vgs.redis-cluster');
type BullOptions = RedisOptions & { url?: string; [CLUSTER]?: RedisTarget };

/**
 * BullMQ's connections: same Redis as the shared client (prefix set beside this: braced on a cluster); blocking
 * commands must never give up. BullMQ builds a client from options and closes it with its queue or worker, but
 * takes a cluster only as a ready client it would then never close: cluster options carry the target for the
 * client factory below, so BullMQ still creates, duplicates and closes every cluster connection itself.
 */
export function bullConnection(config: AppConfig): ConnectionOptions {
  if (config.redis.mode !== 'cluster') return { ...config.redis.options, maxRetriesPerRequest: null };
  if (RedisConnection.clientFactory !== bullClient) {
    if (RedisConnection.clientFactory) throw new Error('another BullMQ client factory is installed');
    RedisConnection.clientFactory = bullClient;
  }
  const options: BullOptions = { maxRetriesPerRequest: null, [CLUSTER]: config.redis };
  return options;
}

/** A cluster client for options carrying a cluster target; otherwise the client BullMQ itself would create. */
function bullClient(opts: RedisOptions): IRedisClient {
  // BullMQ adds a default host and port, which a cluster's node options must not have.
  const { [CLUSTER]: target, url, host, port, ...rest } = opts as BullOptions;
  if (target) return createIORedisClient(createRedisClient(target, rest));
  return createIORedisClient(url ? new Redis(url, { host, port, ...rest }) : new Redis({ host, port, ...rest }));
}
