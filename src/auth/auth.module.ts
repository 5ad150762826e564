import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config';
import { RateLimitStorage } from '../redis/rate-limit.storage';
import { ApiKeyVerifier } from './api-key-verifier';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { AuthGuard } from './auth.guard';
import { RateLimitGuard } from './rate-limit.guard';
import { SignedUrls } from './signed-urls';
import { TokenVerifier } from './token-verifier';

@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig, RateLimitStorage],
      useFactory: (config: AppConfig, storage: RateLimitStorage) => ({
        throttlers: [{ name: 'default', ttl: 60_000, limit: config.rateLimitPerMinute }],
        storage,
      }),
    }),
  ],
  providers: [
    TokenVerifier,
    ApiKeyVerifier,
    AuthFailureLimiter,
    SignedUrls,
    // Order matters: authentication first, so the rate limit can count per user rather than per IP.
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
  exports: [TokenVerifier, SignedUrls],
})
export class AuthModule {}
