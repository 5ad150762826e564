import { redisTarget } from './redis-options';
import { RedisKeys } from './redis-keys';

describe('redisTarget', () => {
  test('one node: host, port and database', () => {
    expect(redisTarget('redis://cache.internal:6380/2')).toEqual({
      mode: 'standalone',
      options: expect.objectContaining({ host: 'cache.internal', port: 6380, db: 2, tls: undefined }),
    });
  });

  test('credentials are decoded, TLS follows rediss://', () => {
    const { options } = redisTarget('rediss://app:p%40ss@redis.example.com');
    expect(options).toEqual(expect.objectContaining({ username: 'app', password: 'p@ss', port: 6379, db: 0, tls: {} }));
  });

  test('IPv6 hosts', () => {
    expect(redisTarget('redis://[::1]:7000').options.host).toBe('::1');
  });

  test('Sentinel: the sentinels, the master name, the database and the passwords', () => {
    const target = redisTarget('redis+sentinel://:p%40ss@s1:26380,s2,[::1]:26381/my%20master/3?sentinel_password=sp');
    expect(target).toEqual({
      mode: 'sentinel',
      options: expect.objectContaining({
        sentinels: [{ host: 's1', port: 26380 }, { host: 's2', port: 26379 }, { host: '::1', port: 26381 }],
        name: 'my master',
        db: 3,
        password: 'p@ss',
        sentinelPassword: 'sp',
        tls: undefined,
        enableTLSForSentinelMode: false,
      }),
    });
    expect(redisTarget('rediss+sentinel://s1/m').options).toEqual(expect.objectContaining({ tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true }));
  });

  test('Cluster: by URL (with credentials and TLS) or by REDIS_CLUSTER_NODES, which wins', () => {
    expect(redisTarget('rediss+cluster://app:secret@n1:7000,n2:7001')).toEqual({
      mode: 'cluster',
      nodes: [{ host: 'n1', port: 7000 }, { host: 'n2', port: 7001 }],
      options: { username: 'app', password: 'secret', tls: {} },
    });
    expect(redisTarget('redis://ignored:6379', ' a:7000, b:7001 ,c')).toEqual({
      mode: 'cluster',
      nodes: [{ host: 'a', port: 7000 }, { host: 'b', port: 7001 }, { host: 'c', port: 6379 }],
      options: {},
    });
  });

  test.each([
    ['http://nope', /redis\+cluster/],
    ['redis+sentinel://s1:26379', /master name/],
    ['redis+sentinel://s1/m/x', /not a number/],
    ['redis+cluster://n1:7000/1', /database 0 only/],
    ['redis+cluster://n1:99999', /not host:port/],
    ['redis+cluster://', /names no host/],
  ])('%s is refused with a reason', (url, reason) => {
    expect(() => redisTarget(url)).toThrow(reason);
  });
});

describe('RedisKeys', () => {
  test('every key starts with the one prefix', () => {
    const keys = new RedisKeys('vgs');
    expect(keys.key('job', 'abc')).toBe('vgs:job:abc');
    expect(keys.key('user', 'u1', 'jobs', 'queued')).toBe('vgs:user:u1:jobs:queued');
  });
});
