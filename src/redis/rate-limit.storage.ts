import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { execOrThrow } from './exec-or-throw';
import { defineScripts, ScriptRunner } from './lua-scripts';
import { duplicateClient, RedisClient } from './redis-client';

const authFailuresKey = (ip: string): string => `auth-failures:${ip}`;

/**
 * @nestjs/throttler's counters in Redis (shared by every API replica), and the failed-authentication counters
 * per client IP, on a client of their own whose ioredis keyPrefix keeps them under `<prefix>:throttle:`.
 */
export class RateLimitStorage extends ThrottlerStorageRedisService implements OnApplicationShutdown {
  private readonly scripts: Record<'increment', ScriptRunner>;

  constructor(shared: RedisClient, prefix: string) {
    // The library takes a node or a cluster client (its overloads cannot name the union). Its keys carry a hash tag
    // of their own after this prefix; on a cluster the prefix's tag comes first and wins, so all share one slot.
    super(duplicateClient(shared, { keyPrefix: `${prefix}:throttle:`, connectionName: 'vgs-rate-limit' }) as Redis);
    // Outages are reported by the shared client and the health checks; a throttled request then fails fast.
    this.redis.on('error', () => undefined);
    // The library's own script, run by SHA: its increment() sends the whole text with EVAL on every request.
    this.scripts = defineScripts(this.redis, { increment: { command: 'vgsThrottleIncrement', keys: 2, lua: this.scriptSrc } });
  }

  /** The library's increment (same keys, same script, same answer), one EVALSHA instead of an EVAL. */
  override async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string) {
    const hitKey = `{${key}:${throttlerName}}:hits`;
    const blockKey = `{${key}:${throttlerName}}:blocked`;
    const [totalHits, timeToExpire, isBlocked, timeToBlockExpire] = (await this.scripts.increment(
      hitKey,
      blockKey,
      throttlerName,
      ttl,
      limit,
      blockDuration,
    )) as [number, number, number, number];
    return {
      totalHits,
      timeToExpire: Math.ceil(timeToExpire / 1000),
      isBlocked: isBlocked === 1,
      timeToBlockExpire: Math.ceil(timeToBlockExpire / 1000),
    };
  }

  /** Failed authentications from `ip` in its current window, and the milliseconds the window has left. */
  async authFailures(ip: string): Promise<{ count: number; windowLeftMs: number }> {
    const key = authFailuresKey(ip);
    const [count, ttlMs] = await execOrThrow<string | number | null>(this.redis.multi().get(key).pttl(key));
    return { count: Number(count ?? 0), windowLeftMs: Number(ttlMs) };
  }

  /** Counts one more failure from `ip`; the window opens with the first and is not extended by later ones. */
  async recordAuthFailure(ip: string, windowMs: number): Promise<void> {
    const key = authFailuresKey(ip);
    // INCR keeps the TTL that SET NX gave the window.
    await execOrThrow(this.redis.multi().set(key, 0, 'PX', windowMs, 'NX').incr(key));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
