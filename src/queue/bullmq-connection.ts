import type { ConnectionOptions } from 'bullmq';
import { AppConfig } from '../config/app-config';
import { redisOptionsFromUrl } from '../redis/redis-options';

/** BullMQ's connections: same server and prefix as the shared client; blocking commands must never give up. */
export function bullConnection(config: AppConfig): ConnectionOptions {
  return { ...redisOptionsFromUrl(config.redisUrl), maxRetriesPerRequest: null };
}
