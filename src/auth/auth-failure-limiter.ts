import { Injectable } from '@nestjs/common';
import type { ChainableCommander } from 'ioredis';
import { AppConfig } from '../config/app-config';
import { RateLimitStorage } from '../redis/rate-limit.storage';

const WINDOW_MS = 60_000;

const key = (ip: string): string => `auth-failures:${ip}`;

async function run(transaction: ChainableCommander): Promise<unknown[]> {
  const results = (await transaction.exec()) ?? [];
  const failed = results.find(([error]) => error);
  if (failed) throw failed[0];
  return results.map(([, value]) => value);
}

/**
 * Counts failed authentications per client IP in one-minute windows, so credentials cannot be guessed at
 * request speed. The counters share the rate limiter's Redis client, whose key prefix keeps them under
 * `<prefix>:throttle:auth-failures:`.
 */
@Injectable()
export class AuthFailureLimiter {
  constructor(
    private readonly config: AppConfig,
    private readonly storage: RateLimitStorage,
  ) {}

  /** Seconds until the IP may try again when it is past its limit, else null. */
  async retryAfterSeconds(ip: string): Promise<number | null> {
    const [count, ttlMs] = await run(this.storage.redis.multi().get(key(ip)).pttl(key(ip)));
    if (Number(count ?? 0) < this.config.authFailuresPerMinute) return null;
    return Math.max(1, Math.ceil(Number(ttlMs) / 1000));
  }

  async recordFailure(ip: string): Promise<void> {
    // The window opens with the first failure; INCR keeps its TTL, so later failures do not extend it.
    await run(this.storage.redis.multi().set(key(ip), 0, 'PX', WINDOW_MS, 'NX').incr(key(ip)));
  }
}
