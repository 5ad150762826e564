import { redisOptionsFromUrl } from './redis-options';
import { RedisKeys } from './redis-keys';

describe('redisOptionsFromUrl', () => {
  test('host, port and database', () => {
    expect(redisOptionsFromUrl('redis://cache.internal:6380/2')).toEqual(
      expect.objectContaining({ host: 'cache.internal', port: 6380, db: 2, tls: undefined }),
    );
  });

  test('credentials are decoded, TLS follows rediss://', () => {
    const o = redisOptionsFromUrl('rediss://app:p%40ss@redis.example.com');
    expect(o).toEqual(expect.objectContaining({ username: 'app', password: 'p@ss', port: 6379, db: 0, tls: {} }));
  });

  test('IPv6 hosts', () => {
    expect(redisOptionsFromUrl('redis://[::1]:7000').host).toBe('::1');
  });
});

describe('RedisKeys', () => {
  test('every key starts with the one prefix', () => {
    const keys = new RedisKeys('vgs');
    expect(keys.key('job', 'abc')).toBe('vgs:job:abc');
    expect(keys.key('user', 'u1', 'jobs', 'queued')).toBe('vgs:user:u1:jobs:queued');
  });
});
