import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { withTimeout } from '../common/with-timeout';
import { pingKeyspace, RedisClient } from './redis-client';
import { RedisKeys } from './redis-keys';
import { REDIS_CLIENT } from './redis.module';

@Injectable()
export class RedisHealthIndicator {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(key = 'redis') {
    const session = this.health.check(key);
    const started = Date.now();
    try {
      await withTimeout(pingKeyspace(this.redis, this.keys), 1500, 'redis');
      return session.up({ latency_ms: Date.now() - started });
    } catch (err) {
      return session.down({ message: (err as Error).message });
    }
  }
}
