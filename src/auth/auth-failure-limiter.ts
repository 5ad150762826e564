import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { RateLimitStorage } from '../redis/rate-limit.storage';

const WINDOW_MS = 60_000;

/**
 * Failed authentications per client IP in one-minute windows, so credentials cannot be guessed at request
 * speed. The counters are kept by the rate limiter's storage; this class holds the limit.
 */
@Injectable()
export class AuthFailureLimiter {
  constructor(
    private readonly config: AppConfig,
    private readonly storage: RateLimitStorage,
  ) {}

  /** Seconds until the IP may try again when it is past its limit, else null. */
  async retryAfterSeconds(ip: string): Promise<number | null> {
    const { count, windowLeftMs } = await this.storage.authFailures(ip);
    if (count < this.config.authFailuresPerMinute) return null;
    return Math.max(1, Math.ceil(windowLeftMs / 1000));
  }

  recordFailure(ip: string): Promise<void> {
    return this.storage.recordAuthFailure(ip, WINDOW_MS);
  }
}
