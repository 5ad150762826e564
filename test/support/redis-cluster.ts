import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Redis, { Cluster } from 'ioredis';
import { freePort, TestRedis } from './redis-server';

const run = promisify(execFile);

/**
 * A throwaway Redis Cluster of `masters` masters (no replicas) on free ports, made the way an operator makes one:
 * redis-server --cluster-enabled on each node, then redis-cli --cluster create. Ready when every node reports
 * cluster_state:ok with all 16384 slots assigned.
 */
export class TestRedisCluster {
  private constructor(readonly nodes: TestRedis[]) {}

  static async start(masters = 3): Promise<TestRedisCluster> {
    const nodes: TestRedis[] = [];
    try {
      for (let i = 0; i < masters; i++) {
        // The cluster bus gets a free port of its own (not port + 10000, which may be taken or out of range).
        nodes.push(await TestRedis.start(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-port', String(await freePort())]));
      }
      const cluster = new TestRedisCluster(nodes);
      await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes']);
      await cluster.waitUntilReady();
      return cluster;
    } catch (err) {
      await Promise.all(nodes.map((n) => n.destroy()));
      throw err;
    }
  }

  /** REDIS_URL for the service (REDIS_CLUSTER_NODES would name the same nodes). */
  get url(): string {
    return `redis+cluster://${this.nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`;
  }

  /** A cluster client for the test's own reads. */
  client(): Cluster {
    return new Cluster(this.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })));
  }

  /** A plain connection to one node (per-node facts: its keys, its error counts). */
  node(i: number): Redis {
    return new Redis({ port: this.nodes[i].port, maxRetriesPerRequest: 1 });
  }

  private async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + 20_000;
    const ready = async (i: number) => {
      const client = this.node(i);
      try {
        const info = await client.cluster('INFO');
        return /cluster_state:ok/.test(info) && /cluster_slots_assigned:16384/.test(info) && new RegExp(`cluster_known_nodes:${this.nodes.length}`).test(info);
      } finally {
        client.disconnect();
      }
    };
    while (Date.now() < deadline) {
      if ((await Promise.all(this.nodes.map((_, i) => ready(i)))).every(Boolean)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the Redis Cluster did not become ready');
  }

  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.destroy()));
  }
}
