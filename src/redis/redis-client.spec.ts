import { Cluster } from 'ioredis';
import { createRedisClient, duplicateClient, RedisClient } from './redis-client';

// ioredis reads auto-pipelining from a cluster's own options and ignores it among the nodes' options: passed the
// wrong way it would silently be off on a cluster. lazyConnect: no client here opens a connection.
describe('createRedisClient / duplicateClient', () => {
  const nodes = [{ host: '127.0.0.1', port: 1 }];
  const clients: RedisClient[] = [];
  const kept = <T extends RedisClient>(client: T): T => {
    clients.push(client.on('error', () => undefined));
    return client;
  };
  afterEach(async () => {
    const open = clients.splice(0);
    const closing = open.map((c) => (c.status === 'end' ? undefined : new Promise((resolve) => c.once('end', resolve))));
    open.forEach((c) => c.disconnect());
    await Promise.all(closing);
  });

  test('one node: auto-pipelining is a connection option', () => {
    const client = kept(createRedisClient({ mode: 'standalone', options: { host: '127.0.0.1', port: 1 } }, { lazyConnect: true, enableAutoPipelining: true }));
    expect(client.options.enableAutoPipelining).toBe(true);
    const blocking = kept(duplicateClient(client, { enableAutoPipelining: false }));
    expect(blocking.options.enableAutoPipelining).toBe(false);
  });

  test('cluster: auto-pipelining and the key prefix are the cluster\'s options, the rest go to every node', () => {
    const client = kept(createRedisClient({ mode: 'cluster', nodes, options: {} }, { lazyConnect: true, enableAutoPipelining: true, keyPrefix: 'p:', connectionName: 'n' })) as Cluster;
    expect(client.options).toEqual(expect.objectContaining({ enableAutoPipelining: true, keyPrefix: 'p:', lazyConnect: true }));
    expect(client.status).toBe('wait');
    expect(client.options.redisOptions).toEqual(expect.objectContaining({ connectionName: 'n' }));
    expect(client.options.redisOptions).not.toHaveProperty('enableAutoPipelining');

    const blocking = kept(duplicateClient(client, { enableAutoPipelining: false, connectionName: 'b' })) as Cluster;
    expect(blocking.options).toEqual(expect.objectContaining({ enableAutoPipelining: false, keyPrefix: 'p:' }));
    expect(blocking.options.redisOptions).toEqual(expect.objectContaining({ connectionName: 'b' }));
    const inheriting = kept(duplicateClient(client, { connectionName: 'c' })) as Cluster;
    expect(inheriting.options.enableAutoPipelining).toBe(true);
  });
});
