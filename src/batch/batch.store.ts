import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { CREATE_BATCH } from '../jobs/job-store.lua';
import { Job, JobConfiguration } from '../jobs/job.model';
import { JobStore, newJobFields, readSubmissionReply, SubmissionReply, submissionArgs } from '../jobs/job.store';
import { defineScripts, ScriptRunner } from '../redis/lua-scripts';
import type { RedisClient } from '../redis/redis-client';
import { REDIS_CLIENT } from '../redis/redis.module';
import { RedisKeys } from '../redis/redis-keys';

/** Removes a batch record once no job of it is left. KEYS: batch hash, its jobs set. ARGV: prefix, batch id.
 * Returns 1 when removed, 0 when jobs remain or it was gone already. */
const REMOVE_EMPTY_BATCH = `
if redis.call('ZCARD', KEYS[2]) > 0 then return 0 end
local uid = redis.call('HGET', KEYS[1], 'user_id')
if not uid then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', ARGV[1] .. ':user:' .. uid .. ':batches', ARGV[2])
return 1
`;

export interface StoredBatch {
  id: string;
  userId: string;
  name: string;
  createdAt: string;
  /** Its jobs still present, in submission order. */
  jobs: Job[];
}

/**
 * The only owner of batch records: a hash per batch and a per-user index by creation time. The batch's member
 * set is written by the job scripts (a job joins and leaves it atomically with its own indexes); creating a
 * batch inserts its jobs through the same script fragments, all in one step.
 */
@Injectable()
export class BatchStore {
  private readonly scripts: Record<'create' | 'removeIfEmpty', ScriptRunner>;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly config: AppConfig,
    private readonly jobs: JobStore,
  ) {
    this.scripts = defineScripts(redis, {
      create: { command: 'vgsCreateBatch', lua: CREATE_BATCH },
      removeIfEmpty: { command: 'vgsRemoveEmptyBatch', keys: 2, lua: REMOVE_EMPTY_BATCH },
    });
  }

  /**
   * A batch and every one of its jobs, atomically, or nothing: when the key replays an earlier batch, the queue
   * cannot take them all, or they would take the user past their quota of active jobs.
   */
  async create(input: {
    id: string;
    userId: string;
    name: string;
    jobs: Array<{ id: string; configuration: JobConfiguration; estimatedCompletion: Date }>;
    idempotency?: { key: string; bodyHash: string };
  }): Promise<SubmissionReply<StoredBatch>> {
    const now = new Date();
    const batch = { id: input.id, user_id: input.userId, name: input.name, created_at: now.toISOString(), created_ms: String(now.getTime()) };
    const jobs = input.jobs.map((j, i) =>
      // Distinct creation instants keep the batch's jobs in submission order in every index.
      newJobFields(j.id, input.userId, j.configuration, j.estimatedCompletion, input.id, new Date(now.getTime() + i)),
    );
    const keys = [this.keys.key('batch', input.id), ...(input.idempotency ? [this.jobs.idempotencyKey('batch', input.userId, input.idempotency.key)] : [])];
    const reply = (await this.scripts.create(
      keys.length,
      ...keys,
      this.keys.prefix,
      JSON.stringify(batch),
      JSON.stringify(jobs),
      this.config.maxQueueDepth,
      ...submissionArgs(this.config, input.idempotency?.bodyHash ?? ''),
    )) as [string, string, string?];
    // A replay answers the batch as the first answer showed it: its jobs as created, with that answer's ETAs.
    const [kind, id, firstEtas] = reply;
    const etas = kind === 'existing' && firstEtas ? (JSON.parse(firstEtas) as Record<string, string>) : undefined;
    const jobsOf = (ids: string[]) => (etas ? this.jobs.getManyAsCreated(ids, etas) : this.jobs.getMany(ids));
    return readSubmissionReply([kind, id], (batchId) => this.read(batchId, jobsOf));
  }

  async get(id: string): Promise<StoredBatch | null> {
    return this.read(id, (ids) => this.jobs.getMany(ids));
  }

  private async read(id: string, jobsOf: (ids: string[]) => Promise<Job[]>): Promise<StoredBatch | null> {
    const h = await this.redis.hgetall(this.keys.key('batch', id));
    if (!h.id) return null;
    const jobIds = await this.redis.zrange(this.keys.key('batch', id, 'jobs'), 0, -1);
    return { id: h.id, userId: h.user_id, name: h.name, createdAt: h.created_at, jobs: await jobsOf(jobIds) };
  }

  async list(userId: string, offset: number, limit: number): Promise<{ batches: StoredBatch[]; total: number }> {
    const index = this.keys.key('user', userId, 'batches');
    const [total, ids] = await Promise.all([this.redis.zcard(index), this.redis.zrevrange(index, offset, offset + limit - 1)]);
    const batches = await Promise.all(ids.map((id) => this.get(id)));
    return { batches: batches.filter((b): b is StoredBatch => b !== null), total };
  }

  /** Lets the key be used again after its batch could not be queued (only if it still names that batch). */
  releaseIdempotencyKey(userId: string, key: string, batchId: string): Promise<void> {
    return this.jobs.releaseIdempotencyKey('batch', userId, key, batchId);
  }

  /** Removes the batch record if none of its jobs is left (checked and done in one step); true when removed. */
  async removeIfEmpty(batchId: string): Promise<boolean> {
    const removed = await this.scripts.removeIfEmpty(this.keys.key('batch', batchId), this.keys.key('batch', batchId, 'jobs'), this.keys.prefix, batchId);
    return removed === 1;
  }

  /** Removes the batch record once its jobs are gone. */
  async remove(batch: StoredBatch): Promise<void> {
    await this.redis
      .multi()
      .del(this.keys.key('batch', batch.id), this.keys.key('batch', batch.id, 'jobs'))
      .zrem(this.keys.key('user', batch.userId, 'batches'), batch.id)
      .exec();
  }
}
