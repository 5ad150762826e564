import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import Redis from 'ioredis';
import { withTimeout } from '../common/with-timeout';
import { REDIS_CLIENT } from './redis.module';

@Injectable()
export class RedisHealthIndicator {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(key = 'redis') {
    const session = this.health.check(key);
    const started = Date.now();
    try {
      const pong = await withTimeout(this.redis.ping(), 1500, 'redis');
      if (pong !== 'PONG') return session.down({ message: `unexpected reply ${pong}` });
      return session.up({ latency_ms: Date.now() - started });
    } catch (err) {
      return session.down({ message: (err as Error).message });
    }
  }
}
