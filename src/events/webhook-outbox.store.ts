import { Inject, Injectable } from '@nestjs/common';
import type { JobStatus } from '../jobs/job.model';
import { duplicateClient, RedisClient } from '../redis/redis-client';
import { REDIS_CLIENT } from '../redis/redis.module';
import { RedisKeys } from '../redis/redis-keys';

/** One terminal job change, as the job store's TRANSITION_JOB script records it. */
export interface OutboxEntry {
  /** The stream entry id (what is acknowledged). */
  id: string;
  jobId: string;
  userId: string;
  status: JobStatus;
  batchId: string | null;
  /** This job was the last of its batch to finish. */
  batchCompleted: boolean;
}

type RawEntry = [id: string, fields: string[]];

const GROUP = 'webhooks';

/**
 * The owner of the webhook outbox, `webhooks:outbox`: a capped stream that the job store's transition script
 * appends to (atomically with the change) and that worker processes read as one consumer group, so each entry
 * is handled by one of them and an entry left unacknowledged by a dead one is taken over by another.
 */
@Injectable()
export class WebhookOutboxStore {
  /** Blocking reads hold their connection: they get one of their own. */
  private blocking?: RedisClient;
  /** Ends a read in flight when the reader closes (see closeReader). */
  private endRead?: () => void;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  private get key(): string {
    return this.keys.key('webhooks', 'outbox');
  }

  /** Creates the group (and the stream) if missing; from the stream's start, so nothing written before is skipped. */
  async ensureGroup(): Promise<void> {
    try {
      await this.redis.xgroup('CREATE', this.key, GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!(err as Error).message.startsWith('BUSYGROUP')) throw err;
    }
  }

  /** Entries never handed to any consumer, waiting up to `blockMs` for one. */
  async readNew(consumer: string, count: number, blockMs: number): Promise<OutboxEntry[]> {
    if (!this.blocking) {
      // A blocking read waits on purpose: no command timeout (the shared client's would cut every BLOCK short), and
      // no auto-pipelining (a command queued behind a BLOCK would wait out the block).
      this.blocking = duplicateClient(this.redis, {
        maxRetriesPerRequest: null,
        commandTimeout: undefined,
        enableAutoPipelining: false,
        connectionName: 'vgs-webhook-outbox',
      });
      // An outage only delays the read (it waits for the reconnection); the shared client logs it.
      this.blocking.on('error', () => undefined);
    }
    const read = this.blocking.xreadgroup('GROUP', GROUP, consumer, 'COUNT', count, 'BLOCK', blockMs, 'STREAMS', this.key, '>') as Promise<
      [string, RawEntry[]][] | null
    >;
    const closed = new Promise<null>((resolve) => (this.endRead = () => resolve(null)));
    const reply = await Promise.race([read, closed]).finally(() => (this.endRead = undefined));
    return reply ? reply[0][1].map(parseEntry) : [];
  }

  /** Takes over the entries some consumer received but has not acknowledged for `minIdleMs`. */
  async claimStale(consumer: string, minIdleMs: number, count: number): Promise<OutboxEntry[]> {
    const claimed: OutboxEntry[] = [];
    let cursor = '0-0';
    do {
      const [next, entries] = (await this.redis.xautoclaim(this.key, GROUP, consumer, minIdleMs, cursor, 'COUNT', count)) as [string, RawEntry[]];
      claimed.push(...entries.map(parseEntry));
      cursor = next;
    } while (cursor !== '0-0' && claimed.length < count);
    return claimed;
  }

  async ack(id: string): Promise<void> {
    await this.redis.xack(this.key, GROUP, id);
  }

  /** Entries not yet handled: never handed to a consumer (the group's lag) plus handed but unacknowledged. */
  async backlog(): Promise<number> {
    const groups = (await this.redis.xinfo('GROUPS', this.key).catch((err: Error) => {
      if (err.message.includes('no such key')) return [];
      throw err;
    })) as (string | number | null)[][];
    for (const flat of groups) {
      const info = Object.fromEntries(flat.flatMap((v, i) => (i % 2 === 0 ? [[v, flat[i + 1]]] : [])));
      if (info.name === GROUP) return Number(info.lag ?? 0) + Number(info.pending ?? 0);
    }
    // No group yet: no worker has started, and everything in the stream waits.
    return this.redis.xlen(this.key);
  }

  /** Entries received by some consumer and not yet acknowledged. */
  async pendingCount(): Promise<number> {
    const [count] = (await this.redis.xpending(this.key, GROUP)) as [number];
    return count;
  }

  /** Each process start is a new consumer name: forget those that own nothing and have not read for `idleMs`. */
  async forgetIdleConsumers(idleMs: number): Promise<void> {
    const consumers = (await this.redis.xinfo('CONSUMERS', this.key, GROUP)) as (string | number)[][];
    for (const flat of consumers) {
      const info = Object.fromEntries(flat.flatMap((v, i) => (i % 2 === 0 ? [[v, flat[i + 1]]] : [])));
      if (Number(info.pending) === 0 && Number(info.idle) > idleMs) {
        await this.redis.xgroup('DELCONSUMER', this.key, GROUP, String(info.name));
      }
    }
  }

  /** Ends a blocking read in progress and closes its connection. */
  closeReader(): void {
    this.blocking?.disconnect();
    this.blocking = undefined;
    // A read waiting for a reconnection (Redis gone) is never settled by ioredis's disconnect: it ends here, empty.
    // An entry it might have taken stays pending and is claimed again after OUTBOX_CLAIM_IDLE_MS.
    this.endRead?.();
  }
}

function parseEntry([id, flat]: RawEntry): OutboxEntry {
  const f: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) f[flat[i]] = flat[i + 1];
  return {
    id,
    jobId: f.job_id,
    userId: f.user_id,
    status: f.status as JobStatus,
    batchId: f.batch_id || null,
    batchCompleted: f.batch_completed === '1',
  };
}
