import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { AuthenticatedRequest } from './auth.decorators';

/** Rate limits per caller: the authenticated user or API key (set by AuthGuard, which runs first), else the IP. */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    const request = req as unknown as AuthenticatedRequest;
    return Promise.resolve(request.user ? `user:${request.user.userId}` : `ip:${request.ip ?? 'unknown'}`);
  }
}
