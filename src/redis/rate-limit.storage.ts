import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';

/**
 * @nestjs/throttler's counters in Redis (shared by every API replica), on a client of their own whose
 * ioredis keyPrefix keeps them under the service's prefix.
 */
export class RateLimitStorage extends ThrottlerStorageRedisService implements OnApplicationShutdown {
  constructor(shared: Redis, prefix: string) {
    super(shared.duplicate({ keyPrefix: `${prefix}:throttle:`, connectionName: 'vgs-rate-limit' }));
    // Outages are reported by the shared client and the health checks; a throttled request then fails fast.
    this.redis.on('error', () => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
