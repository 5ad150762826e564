import { CallHandler, ExecutionContext, Injectable, NestInterceptor, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Request } from 'express';
import { Observable, of, tap } from 'rxjs';
import type { AuthenticatedRequest } from '../auth/auth.decorators';
import { AppConfig } from '../config/app-config';
import { JobEventBus } from '../events/job-event-bus';

interface Entry {
  expiresAt: number;
  body: unknown;
}

/**
 * A short-lived, per-user cache of dashboard answers. Any change to one of the user's jobs (from any
 * process, through the event bus) drops that user's entries at once, so an answer is never staler than the
 * user's own last change.
 */
@Injectable()
export class DashboardCache implements OnModuleInit, OnModuleDestroy {
  private readonly entries = new Map<string, Map<string, Entry>>();
  private readonly ttlMs: number;
  private stopListening?: () => void;

  constructor(
    config: AppConfig,
    private readonly bus: JobEventBus,
  ) {
    this.ttlMs = config.dashboardCacheTtlMs;
  }

  onModuleInit(): void {
    this.stopListening = this.bus.listen((event) => this.invalidate(event.user_id));
  }

  onModuleDestroy(): void {
    this.stopListening?.();
  }

  get(userId: string, key: string): Entry | undefined {
    const entry = this.entries.get(userId)?.get(key);
    return entry && entry.expiresAt > Date.now() ? entry : undefined;
  }

  set(userId: string, key: string, body: unknown): void {
    if (this.ttlMs <= 0) return;
    let forUser = this.entries.get(userId);
    if (!forUser) this.entries.set(userId, (forUser = new Map()));
    forUser.set(key, { expiresAt: Date.now() + this.ttlMs, body });
  }

  invalidate(userId: string): void {
    this.entries.delete(userId);
  }
}

@Injectable()
export class DashboardCacheInterceptor implements NestInterceptor {
  constructor(private readonly cache: DashboardCache) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request & AuthenticatedRequest>();
    const userId = req.user?.userId;
    if (req.method !== 'GET' || !userId) return next.handle();
    const hit = this.cache.get(userId, req.originalUrl);
    if (hit) return of(hit.body);
    return next.handle().pipe(tap((body) => this.cache.set(userId, req.originalUrl, body)));
  }
}
