import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { execOrThrow } from '../redis/exec-or-throw';
import { defineScripts, ScriptRunner } from '../redis/lua-scripts';
import { REDIS_CLIENT } from '../redis/redis.module';
import { RedisKeys } from '../redis/redis-keys';
import { sourcesOf } from './job-state';
import { CREATE_BATCH, CREATE_JOB, DELETE_JOB, RECORD_RENDER_TIMES, START_ATTEMPT, TRANSITION_JOB, WRITE_PROGRESS } from './job-store.lua';
import type { RenderTimes } from './eta';
import type { Quality } from '../pipeline/video-pipeline';
import { JobUpdate, StoredJobEvent } from './job-events';
import { Job, JobConfiguration, JobLogEntry, JobPriority, JOB_STATUSES, JobStatus, VideoInfo } from './job.model';

/** BullMQ-compatible numeric priority (lower runs first); also the leading part of the queue-order score. */
export const PRIORITY_RANK: Record<JobPriority, number> = { high: 1, normal: 2, low: 3 };
const LOG_CAP = 5000;
/** Weight of the newest render in the moving averages: recent machines and loads matter most. */
const RENDER_TIMES_ALPHA = 0.3;
const IDEMPOTENCY_TTL_S = 24 * 3600;

export type CreateOutcome =
  | { kind: 'created'; job: Job }
  | { kind: 'existing'; job: Job }
  | { kind: 'conflict'; jobId: string }
  | { kind: 'full' };

export interface StoredBatch {
  id: string;
  userId: string;
  name: string;
  totalJobs: number;
  createdAt: string;
  /** Its jobs still present, in submission order. */
  jobs: Job[];
}

export interface UserJobStats {
  total: number;
  byStatus: Record<JobStatus, number>;
  createdSince: number;
  /** Completed videos still kept, with their summed duration, processing time and size. */
  videos: number;
  videoSeconds: number;
  processingSeconds: number;
  storageBytes: number;
}

export type TransitionOutcome = { ok: true; previous: JobStatus } | { ok: false; current: JobStatus | null };

export interface JobListFilter {
  userId?: string;
  status?: JobStatus;
  batchId?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  order: 'asc' | 'desc';
  offset: number;
  limit: number;
}

type Reply = [string, string];

const iso = (d = new Date()) => d.toISOString();

/**
 * The only owner of job keys in Redis: a hash per job, per-user (and per-status) sorted sets by creation
 * time for O(log n + page) listing, a capped log list, a queue-order set, idempotency keys and tombstones.
 */
@Injectable()
export class JobStore {
  private readonly scripts: Record<'create' | 'createBatch' | 'transition' | 'start' | 'progress' | 'remove' | 'renderTimes', ScriptRunner>;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly config: AppConfig,
  ) {
    this.scripts = defineScripts(redis, {
      create: { command: 'vgsCreateJob', keys: 2, lua: CREATE_JOB },
      createBatch: { command: 'vgsCreateBatch', keys: 1, lua: CREATE_BATCH },
      transition: { command: 'vgsTransitionJob', keys: 1, lua: TRANSITION_JOB },
      start: { command: 'vgsStartAttempt', keys: 1, lua: START_ATTEMPT },
      progress: { command: 'vgsWriteProgress', keys: 1, lua: WRITE_PROGRESS },
      remove: { command: 'vgsDeleteJob', keys: 4, lua: DELETE_JOB },
      renderTimes: { command: 'vgsRecordRenderTimes', keys: 1, lua: RECORD_RENDER_TIMES },
    });
  }

  private jobKey = (id: string) => this.keys.key('job', id);
  private logsKey = (id: string) => this.keys.key('job', id, 'logs');
  private eventsKey = (id: string) => this.keys.key('job', id, 'events');

  async create(input: {
    id: string;
    userId: string;
    configuration: JobConfiguration;
    batchId?: string;
    idempotency?: { key: string; bodyHash: string };
    estimatedCompletion: Date;
  }): Promise<CreateOutcome> {
    const fields = newJobFields(input.id, input.userId, input.configuration, input.estimatedCompletion, input.batchId);
    const idemKey = input.idempotency ? this.keys.key('idem', input.userId, input.idempotency.key) : '';
    const [kind, id] = (await this.scripts.create(
      this.jobKey(input.id),
      idemKey,
      this.keys.prefix,
      JSON.stringify(fields),
      IDEMPOTENCY_TTL_S,
      input.idempotency?.bodyHash ?? '',
      this.config.maxQueueDepth,
    )) as Reply;
    if (kind === 'full') return { kind: 'full' };
    if (kind === 'conflict') return { kind: 'conflict', jobId: id };
    const job = await this.get(id);
    if (!job) return { kind: 'conflict', jobId: id }; // the earlier job was deleted since
    return { kind: kind === 'created' ? 'created' : 'existing', job };
  }

  /** A batch and every one of its jobs, atomically, or nothing when the queue cannot take them all. */
  async createBatch(input: {
    id: string;
    userId: string;
    name: string;
    jobs: Array<{ id: string; configuration: JobConfiguration; estimatedCompletion: Date }>;
  }): Promise<'created' | 'full'> {
    const now = new Date();
    const batch = { id: input.id, user_id: input.userId, name: input.name, total_jobs: String(input.jobs.length), created_at: iso(now), created_ms: String(now.getTime()) };
    const jobs = input.jobs.map((j, i) =>
      // Distinct creation instants keep the batch's jobs in submission order in every index.
      newJobFields(j.id, input.userId, j.configuration, j.estimatedCompletion, input.id, new Date(now.getTime() + i)),
    );
    const [kind] = (await this.scripts.createBatch(
      this.keys.key('batch', input.id),
      this.keys.prefix,
      JSON.stringify(batch),
      JSON.stringify(jobs),
      this.config.maxQueueDepth,
    )) as Reply;
    return kind === 'created' ? 'created' : 'full';
  }

  async getBatch(id: string): Promise<StoredBatch | null> {
    const h = await this.redis.hgetall(this.keys.key('batch', id));
    if (!h.id) return null;
    const jobIds = await this.redis.zrange(this.keys.key('batch', id, 'jobs'), 0, -1);
    return { id: h.id, userId: h.user_id, name: h.name, totalJobs: Number(h.total_jobs), createdAt: h.created_at, jobs: await this.getMany(jobIds) };
  }

  async listBatches(userId: string, offset: number, limit: number): Promise<{ batches: StoredBatch[]; total: number }> {
    const index = this.keys.key('user', userId, 'batches');
    const [total, ids] = await Promise.all([this.redis.zcard(index), this.redis.zrevrange(index, offset, offset + limit - 1)]);
    const batches = await Promise.all(ids.map((id) => this.getBatch(id)));
    return { batches: batches.filter((b): b is StoredBatch => b !== null), total };
  }

  /** Removes the batch record once its jobs are gone. */
  async removeBatch(batch: StoredBatch): Promise<void> {
    await this.redis
      .multi()
      .del(this.keys.key('batch', batch.id), this.keys.key('batch', batch.id, 'jobs'))
      .zrem(this.keys.key('user', batch.userId, 'batches'), batch.id)
      .exec();
  }

  async get(id: string): Promise<Job | null> {
    return parseJob(await this.redis.hgetall(this.jobKey(id)));
  }

  async getMany(ids: string[]): Promise<Job[]> {
    if (ids.length === 0) return [];
    const pipe = this.redis.pipeline();
    ids.forEach((id) => pipe.hgetall(this.jobKey(id)));
    return (await execOrThrow<Record<string, string>>(pipe)).map(parseJob).filter((j): j is Job => j !== null);
  }

  /** Moves a job to `to` if the state machine allows it from its current state (and, when given, in that attempt). */
  async transition(
    id: string,
    to: JobStatus,
    fields: Partial<Record<string, string>> = {},
    options: { attempt?: number; from?: JobStatus[] } = {},
  ): Promise<TransitionOutcome> {
    const [kind, status] = (await this.scripts.transition(
      this.jobKey(id),
      this.keys.prefix,
      id,
      to,
      (options.from ?? sourcesOf(to)).join(','),
      iso(),
      JSON.stringify(fields),
      options.attempt === undefined ? '' : String(options.attempt),
    )) as Reply;
    return kind === 'ok' ? { ok: true, previous: status as JobStatus } : { ok: false, current: (status || null) as JobStatus | null };
  }

  /** Begins a new processing attempt; returns its number, or null when the job is gone or terminal. */
  async startAttempt(id: string): Promise<number | null> {
    const [kind, value] = (await this.scripts.start(this.jobKey(id), this.keys.prefix, id, iso())) as Reply;
    return kind === 'ok' ? Number(value) : null;
  }

  /** Returns false when the write was dropped (job no longer processing in this attempt). */
  async writeProgress(id: string, attempt: number, progress: number, stage: string, eta?: Date): Promise<boolean> {
    const written = await this.scripts.progress(
      this.jobKey(id),
      this.keys.prefix,
      id,
      String(attempt),
      Math.max(0, Math.min(100, Math.round(progress * 10) / 10)),
      stage,
      iso(),
      eta ? iso(eta) : '',
    );
    return written === 1;
  }

  complete(id: string, attempt: number, video: VideoInfo): Promise<TransitionOutcome> {
    const now = iso();
    return this.transition(
      id,
      'completed',
      { progress: '100', current_stage: 'completed', completed_at: now, estimated_completion: now, video: JSON.stringify(video), error_message: '', error_code: '' },
      { attempt, from: ['processing'] },
    );
  }

  fail(id: string, code: string, message: string, attempt?: number): Promise<TransitionOutcome> {
    const now = iso();
    return this.transition(
      id,
      'failed',
      { error_code: code, error_message: message.slice(0, 2000), current_stage: 'failed', completed_at: now, estimated_completion: '' },
      { attempt },
    );
  }

  /** A failed attempt that will be retried: back to queued, keeping the last error visible. */
  requeue(id: string, attempt: number, code: string, message: string): Promise<TransitionOutcome> {
    return this.transition(
      id,
      'queued',
      { error_code: code, error_message: message.slice(0, 2000), current_stage: 'retrying' },
      { attempt, from: ['processing'] },
    );
  }

  cancel(id: string): Promise<TransitionOutcome> {
    const now = iso();
    return this.transition(id, 'cancelled', { current_stage: 'cancelled', completed_at: now, estimated_completion: '' });
  }

  /** Removes the job from every read; leaves a tombstone for the audit trail until retention expires it. */
  async remove(job: Job): Promise<boolean> {
    const tombstone = JSON.stringify({ job_id: job.id, user_id: job.userId, status: job.status, created_at: job.createdAt, deleted_at: iso() });
    const [kind] = (await this.scripts.remove(
      this.jobKey(job.id),
      this.logsKey(job.id),
      this.keys.key('tombstone', job.id),
      this.eventsKey(job.id),
      this.keys.prefix,
      job.id,
      tombstone,
      this.config.tombstoneRetentionSeconds,
    )) as Reply;
    return kind === 'ok';
  }

  async list(filter: JobListFilter): Promise<{ jobs: Job[]; total: number }> {
    const min = filter.createdAfter ? String(filter.createdAfter.getTime()) : '-inf';
    const max = filter.createdBefore ? String(filter.createdBefore.getTime()) : '+inf';
    const statusPart = filter.status ? [filter.status] : [];
    if (filter.batchId) {
      // A batch holds at most 50 jobs: filter its members in memory.
      const ids = await this.redis.zrangebyscore(this.keys.key('batch', filter.batchId, 'jobs'), min, max);
      const all = (await this.getMany(ids)).filter(
        (j) => (!filter.userId || j.userId === filter.userId) && (!filter.status || j.status === filter.status),
      );
      if (filter.order === 'desc') all.reverse();
      return { jobs: all.slice(filter.offset, filter.offset + filter.limit), total: all.length };
    }
    const index = filter.userId
      ? this.keys.key('user', filter.userId, 'jobs', ...statusPart)
      : this.keys.key('jobs', 'all', ...statusPart);
    const [total, ids] = await Promise.all([
      this.redis.zcount(index, min, max),
      filter.order === 'desc'
        ? this.redis.zrevrangebyscore(index, max, min, 'LIMIT', filter.offset, filter.limit)
        : this.redis.zrangebyscore(index, min, max, 'LIMIT', filter.offset, filter.limit),
    ]);
    return { jobs: await this.getMany(ids), total };
  }

  /** The job's events after `afterId` (exclusive; "0" for all kept), oldest first. */
  async eventsAfter(id: string, afterId: string, count = 500): Promise<StoredJobEvent[]> {
    const entries = await this.redis.xrange(this.eventsKey(id), afterId === '0' ? '-' : `(${afterId}`, '+', 'COUNT', count);
    return entries.map(([eventId, fields]) => ({ event_id: eventId, job: JSON.parse(fields[1]) as JobUpdate }));
  }

  /** The job's latest event (its current public view under the newest event id). */
  async latestEvent(id: string): Promise<StoredJobEvent | null> {
    const [entry] = await this.redis.xrevrange(this.eventsKey(id), '+', '-', 'COUNT', 1);
    return entry ? { event_id: entry[0], job: JSON.parse(entry[1][1]) as JobUpdate } : null;
  }

  /** The events channel the store publishes every change on (subscribers: realtime, caches). */
  get eventsChannel(): string {
    return this.keys.key('events', 'jobs');
  }

  /** A user's dashboard figures, all O(1) or O(log n): index sizes plus totals kept by the Lua scripts. */
  async userStats(userId: string, since: Date): Promise<UserJobStats> {
    const pipe = this.redis.pipeline();
    pipe.zcard(this.keys.key('user', userId, 'jobs'));
    for (const status of JOB_STATUSES) pipe.zcard(this.keys.key('user', userId, 'jobs', status));
    pipe.zcount(this.keys.key('user', userId, 'jobs'), String(since.getTime()), '+inf');
    pipe.hgetall(this.keys.key('user', userId, 'stats'));
    const results = await execOrThrow<unknown>(pipe);
    const [total, ...rest] = results as number[];
    const byStatus = Object.fromEntries(JOB_STATUSES.map((s, i) => [s, rest[i]])) as Record<JobStatus, number>;
    const totals = results[results.length - 1] as Record<string, string>;
    return {
      total,
      byStatus,
      createdSince: rest[JOB_STATUSES.length],
      videos: Number(totals.videos ?? 0),
      videoSeconds: Number(totals.video_seconds ?? 0),
      processingSeconds: Number(totals.processing_seconds ?? 0),
      storageBytes: Number(totals.storage_bytes ?? 0),
    };
  }

  /** Folds a finished render's timings into its quality's moving averages (used for ETAs). */
  async recordRenderTimes(quality: Quality, times: Record<string, number>): Promise<void> {
    const pairs = Object.entries(times).flatMap(([name, seconds]) => [name, String(seconds)]);
    await this.scripts.renderTimes(this.keys.key('render-times', quality), RENDER_TIMES_ALPHA, ...pairs);
  }

  async renderTimes(quality: Quality): Promise<RenderTimes> {
    const raw = await this.redis.hgetall(this.keys.key('render-times', quality));
    return Object.fromEntries(Object.entries(raw).map(([name, value]) => [name, Number(value)]));
  }

  /** 1-based place in the queue (priority, then age) while queued; null otherwise. */
  async queuePosition(id: string): Promise<number | null> {
    const rank = await this.redis.zrank(this.keys.key('queue', 'waiting'), id);
    return rank === null ? null : rank + 1;
  }

  queueDepth(): Promise<number> {
    return this.redis.zcard(this.keys.key('queue', 'waiting'));
  }

  async appendLogs(id: string, entries: JobLogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const key = this.logsKey(id);
    // Only for jobs that still exist, so a late log line never resurrects a deleted job's keys.
    const length = await this.redis.exists(this.jobKey(id)).then((exists) =>
      exists ? this.redis.rpush(key, ...entries.map((e) => JSON.stringify(e))) : 0,
    );
    if (length > LOG_CAP) await this.redis.ltrim(key, 0, LOG_CAP - 1);
  }

  async getLogs(id: string, cursor: number, limit: number): Promise<{ entries: JobLogEntry[]; next: number | null }> {
    const raw = await this.redis.lrange(this.logsKey(id), cursor, cursor + limit);
    const more = raw.length > limit;
    return {
      entries: raw.slice(0, limit).map((line) => JSON.parse(line) as JobLogEntry),
      next: more ? cursor + limit : null,
    };
  }
}

/** The hash of a job as it is created (queued, nothing run yet). */
function newJobFields(id: string, userId: string, configuration: JobConfiguration, eta: Date, batchId?: string, now = new Date()) {
  return {
    id,
    user_id: userId,
    status: 'queued',
    job_type: 'video_generation',
    configuration: JSON.stringify(configuration),
    progress: '0',
    current_stage: 'queued',
    error_message: '',
    error_code: '',
    batch_id: batchId ?? '',
    priority: configuration.priority,
    attempts: '0',
    created_at: iso(now),
    created_ms: String(now.getTime()),
    queue_score: String(PRIORITY_RANK[configuration.priority] * 1e13 + now.getTime()),
    updated_at: iso(now),
    started_at: '',
    completed_at: '',
    estimated_completion: iso(eta),
    video: '',
  };
}

const orNull = (v: string | undefined) => (v === undefined || v === '' ? null : v);

function parseJob(h: Record<string, string>): Job | null {
  if (!h || !h.id) return null;
  return {
    id: h.id,
    userId: h.user_id,
    status: h.status as JobStatus,
    jobType: 'video_generation',
    configuration: JSON.parse(h.configuration) as JobConfiguration,
    progress: Number(h.progress ?? 0),
    currentStage: orNull(h.current_stage),
    errorMessage: orNull(h.error_message),
    errorCode: orNull(h.error_code),
    batchId: orNull(h.batch_id),
    priority: h.priority as JobPriority,
    attempts: Number(h.attempts ?? 0),
    createdAt: h.created_at,
    updatedAt: h.updated_at,
    startedAt: orNull(h.started_at),
    completedAt: orNull(h.completed_at),
    estimatedCompletion: orNull(h.estimated_completion),
    video: h.video ? (JSON.parse(h.video) as VideoInfo) : null,
  };
}
