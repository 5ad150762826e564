import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { RateLimitStorage } from './rate-limit.storage';
import { createRedisClient, RedisClient } from './redis-client';
import { RedisKeys } from './redis-keys';

export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

@Injectable()
class RedisCloser implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: RedisClient) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/**
 * The one shared ioredis client. Commands fail fast when Redis is away (refused, closed) or stalls (no answer within
 * REDIS_COMMAND_TIMEOUT_MS), so the API answers 503 rather than holding requests until Redis is back.
 */
@Global()
@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        const logger = new Logger('Redis');
        const client = createRedisClient(config.redis, {
          maxRetriesPerRequest: 2,
          commandTimeout: config.redisCommandTimeoutMs,
          connectionName: `vgs-${config.role}`,
          // Commands issued while the event loop handles one batch of I/O leave in one write: under load the
          // socket writes, not Redis, were the largest cost of a status read.
          enableAutoPipelining: true,
          retryStrategy: (times) => Math.min(times * 200, 2000),
        });
        client.on('error', (err: Error) => logger.warn(`redis: ${err.message}`));
        return client;
      },
    },
    { provide: RedisKeys, inject: [AppConfig], useFactory: (config: AppConfig) => new RedisKeys(config.redisKeyPrefix) },
    RedisCloser,
    {
      provide: RateLimitStorage,
      inject: [REDIS_CLIENT, AppConfig],
      useFactory: (redis: RedisClient, config: AppConfig) => new RateLimitStorage(redis, config.redisKeyPrefix),
    },
  ],
  exports: [REDIS_CLIENT, RedisKeys, RateLimitStorage],
})
export class RedisModule {}
