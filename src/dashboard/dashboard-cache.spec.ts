import type { AppConfig } from '../config/app-config';
import type { JobEventBus } from '../events/job-event-bus';
import type { JobEvent } from '../jobs/job-events';
import { DASHBOARD_CACHE_MAX_ENTRIES, DashboardCache } from './dashboard-cache';

function makeCache(ttlMs = 60_000) {
  let emit: (event: JobEvent) => void = () => undefined;
  const bus = {
    listen: (listener: (event: JobEvent) => void) => {
      emit = listener;
      return () => undefined;
    },
  } as unknown as JobEventBus;
  const cache = new DashboardCache({ dashboardCacheTtlMs: ttlMs } as AppConfig, bus);
  cache.onModuleInit();
  return { cache, emit: (userId: string) => emit({ user_id: userId } as JobEvent) };
}

describe('DashboardCache', () => {
  it('stays at its bound however many distinct query strings arrive, and answers stay correct', () => {
    const { cache } = makeCache();
    const n = DASHBOARD_CACHE_MAX_ENTRIES * 3;
    for (let i = 0; i < n; i++) cache.set(`u${i % 7}`, `/api/v1/dashboard/recent-jobs?limit=10&x=${i}`, { i });
    expect(cache.size).toBe(DASHBOARD_CACHE_MAX_ENTRIES);
    // The newest answers are kept, each under its own user and URL; the oldest were dropped.
    expect(cache.get(`u${(n - 1) % 7}`, `/api/v1/dashboard/recent-jobs?limit=10&x=${n - 1}`)?.body).toEqual({ i: n - 1 });
    expect(cache.get(`u${(n - 2) % 7}`, `/api/v1/dashboard/recent-jobs?limit=10&x=${n - 1}`)).toBeUndefined();
    expect(cache.get('u0', '/api/v1/dashboard/recent-jobs?limit=10&x=0')).toBeUndefined();
  });

  it("drops only that user's entries when one of the user's jobs changes", () => {
    const { cache, emit } = makeCache();
    cache.set('alice', '/api/v1/dashboard/stats', 'a1');
    cache.set('alice', '/api/v1/dashboard/recent-jobs', 'a2');
    cache.set('bob', '/api/v1/dashboard/stats', 'b1');
    emit('alice');
    expect(cache.get('alice', '/api/v1/dashboard/stats')).toBeUndefined();
    expect(cache.get('alice', '/api/v1/dashboard/recent-jobs')).toBeUndefined();
    expect(cache.get('bob', '/api/v1/dashboard/stats')?.body).toBe('b1');
    expect(cache.size).toBe(1);
    // A user's entries evicted by the LRU leave no bookkeeping behind to invalidate later.
    const trackedUsers = () => [...(cache as unknown as { keysByUser: Map<string, unknown> }).keysByUser.keys()];
    expect(trackedUsers()).toEqual(['bob']);
    for (let i = 0; i < DASHBOARD_CACHE_MAX_ENTRIES; i++) cache.set('carol', `/q${i}`, i);
    expect(trackedUsers()).toEqual(['carol']);
    emit('bob');
    expect(cache.size).toBe(DASHBOARD_CACHE_MAX_ENTRIES);
  });

  it('keeps an answer only for its TTL, and nothing when the TTL is 0', async () => {
    const { cache } = makeCache(20);
    cache.set('alice', '/api/v1/dashboard/stats', 'fresh');
    expect(cache.get('alice', '/api/v1/dashboard/stats')?.body).toBe('fresh');
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(cache.get('alice', '/api/v1/dashboard/stats')).toBeUndefined();

    const off = makeCache(0).cache;
    off.set('alice', '/api/v1/dashboard/stats', 'x');
    expect(off.get('alice', '/api/v1/dashboard/stats')).toBeUndefined();
  });
});
