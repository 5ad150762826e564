import { CallHandler, ExecutionContext, Injectable, NestInterceptor, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Request } from 'express';
import { LRUCache } from 'lru-cache';
import { Observable, of, tap } from 'rxjs';
import type { AuthenticatedRequest } from '../auth/auth.decorators';
import { AppConfig } from '../config/app-config';
import { JobEventBus } from '../events/job-event-bus';

/** Answers kept across all users: enough for every active dashboard, bounded whatever the query strings. */
export const DASHBOARD_CACHE_MAX_ENTRIES = 1000;

/** JSON keeps a user id and a URL apart whatever characters either holds. */
const cacheKey = (userId: string, url: string): string => JSON.stringify([userId, url]);

interface Entry {
  userId: string;
  body: unknown;
}

/**
 * A short-lived, per-user cache of dashboard answers, bounded by an LRU so distinct query strings cannot grow
 * it. Any change to one of the user's jobs (from any process, through the event bus) drops that user's entries
 * at once, so an answer is never staler than the user's own last change.
 */
@Injectable()
export class DashboardCache implements OnModuleInit, OnModuleDestroy {
  private readonly entries: LRUCache<string, Entry>;
  /** Live cache keys per user, so invalidation needs no scan; kept in step by the LRU's dispose hook. */
  private readonly keysByUser = new Map<string, Set<string>>();
  private readonly ttlMs: number;
  private stopListening?: () => void;

  constructor(
    config: AppConfig,
    private readonly bus: JobEventBus,
  ) {
    this.ttlMs = config.dashboardCacheTtlMs;
    this.entries = new LRUCache<string, Entry>({
      max: DASHBOARD_CACHE_MAX_ENTRIES,
      ttl: Math.max(this.ttlMs, 1),
      // 'set' replaces a value under the same key: the key stays live.
      dispose: (entry, key, reason) => {
        if (reason !== 'set') this.forget(entry.userId, key);
      },
    });
  }

  onModuleInit(): void {
    this.stopListening = this.bus.listen((event) => this.invalidate(event.user_id));
  }

  onModuleDestroy(): void {
    this.stopListening?.();
  }

  get size(): number {
    return this.entries.size;
  }

  get(userId: string, key: string): { body: unknown } | undefined {
    return this.entries.get(cacheKey(userId, key));
  }

  set(userId: string, key: string, body: unknown): void {
    if (this.ttlMs <= 0) return;
    const k = cacheKey(userId, key);
    this.entries.set(k, { userId, body });
    let keys = this.keysByUser.get(userId);
    if (!keys) this.keysByUser.set(userId, (keys = new Set()));
    keys.add(k);
  }

  invalidate(userId: string): void {
    for (const k of [...(this.keysByUser.get(userId) ?? [])]) this.entries.delete(k);
    this.keysByUser.delete(userId);
  }

  private forget(userId: string, key: string): void {
    const keys = this.keysByUser.get(userId);
    keys?.delete(key);
    if (keys?.size === 0) this.keysByUser.delete(userId);
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
