import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { execOrThrow } from '../redis/exec-or-throw';
import { defineScripts, ScriptRunner } from '../redis/lua-scripts';
import type { RedisClient } from '../redis/redis-client';
import { REDIS_CLIENT } from '../redis/redis.module';
import { RedisKeys } from '../redis/redis-keys';
import { sourcesOf } from './job-state';
import { CREATE_JOB, DELETE_JOB, LIST_JOBS, RELEASE_IDEMPOTENCY, START_ATTEMPT, TRANSITION_JOB, WRITE_PROGRESS } from './job-store.lua';
import { isAfterEventId, JobUpdate, StoredJobEvent } from './job-events';
import { FAIR_SHARE_SLOTS, Job, JobConfiguration, JobPriority, JOB_STATUSES, JobStatus, JobStatusView, PRIORITY_RANK, TERMINAL_STATUSES, VideoInfo } from './job.model';

export const IDEMPOTENCY_TTL_S = 24 * 3600;

/** What a submission script answered: created or replayed, or why nothing was created. */
export type SubmissionReply<T> =
  | { kind: 'created'; record: T }
  | { kind: 'existing'; record: T }
  | { kind: 'conflict'; id: string }
  /** The key's record was deleted since: nothing to replay, and the key stays spent (at most one creation per key). */
  | { kind: 'gone'; id: string }
  | { kind: 'full' }
  | { kind: 'quota'; active: number };

/** The fair-share and idempotency arguments every submission script takes after its own. */
export function submissionArgs(config: AppConfig, bodyHash: string): (string | number)[] {
  return [IDEMPOTENCY_TTL_S, bodyHash, config.maxActiveJobsPerUser, JSON.stringify(PRIORITY_RANK), FAIR_SHARE_SLOTS];
}

/** A submission script's reply with its record read back (a replayed record deleted since is gone). */
export async function readSubmissionReply<T>(reply: [string, string], read: (id: string) => Promise<T | null>): Promise<SubmissionReply<T>> {
  const [kind, value] = reply;
  if (kind === 'full') return { kind: 'full' };
  if (kind === 'quota') return { kind: 'quota', active: Number(value) };
  if (kind === 'conflict') return { kind: 'conflict', id: value };
  const record = await read(value);
  if (!record) return { kind: 'gone', id: value };
  return { kind: kind === 'created' ? 'created' : 'existing', record };
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

/** Where a listing stopped: the last job served (its creation time in ms, then its id, orders the indexes). */
export interface JobCursor {
  ms: number;
  id: string;
}

export interface JobListFilter {
  userId?: string;
  status?: JobStatus;
  batchId?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  order: 'asc' | 'desc';
  /** Ignored when `after` is given: the page then starts just past that job. */
  offset: number;
  limit: number;
  after?: JobCursor;
}

/** The cursor as clients carry it: opaque text. */
export function encodeJobCursor(cursor: JobCursor): string {
  return Buffer.from(`${cursor.ms}:${cursor.id}`).toString('base64url');
}

/** A client's cursor back, or null when it is not one this service handed out. */
export function decodeJobCursor(text: string): JobCursor | null {
  const match = /^(\d{1,15}):([0-9a-f-]{36})$/.exec(Buffer.from(text, 'base64url').toString());
  return match ? { ms: Number(match[1]), id: match[2] } : null;
}

/** Whether `a` comes after `b` in a listing of that order (ids break ties in byte order, as Redis does). */
function comesAfter(a: JobCursor, b: JobCursor, order: 'asc' | 'desc'): boolean {
  const ascending = a.ms !== b.ms ? a.ms > b.ms : a.id > b.id;
  const same = a.ms === b.ms && a.id === b.id;
  return !same && (order === 'asc' ? ascending : !ascending);
}

type Reply = [string, string];

const iso = (d = new Date()) => d.toISOString();

/**
 * The only owner of job keys in Redis: a hash per job, per-user (and per-status) sorted sets by creation
 * time for O(log n + page) listing, a capped log list, a queue-order set, idempotency keys and tombstones.
 */
@Injectable()
export class JobStore {
  private readonly scripts: Record<'create' | 'transition' | 'start' | 'progress' | 'remove' | 'releaseIdempotency' | 'list', ScriptRunner>;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly config: AppConfig,
  ) {
    this.scripts = defineScripts(redis, {
      create: { command: 'vgsCreateJob', lua: CREATE_JOB },
      transition: { command: 'vgsTransitionJob', keys: 1, lua: TRANSITION_JOB },
      start: { command: 'vgsStartAttempt', keys: 1, lua: START_ATTEMPT },
      progress: { command: 'vgsWriteProgress', keys: 1, lua: WRITE_PROGRESS },
      remove: { command: 'vgsDeleteJob', keys: 4, lua: DELETE_JOB },
      releaseIdempotency: { command: 'vgsReleaseIdempotencyKey', keys: 1, lua: RELEASE_IDEMPOTENCY },
      list: { command: 'vgsListJobs', keys: 1, lua: LIST_JOBS },
    });
  }

  private jobKey = (id: string) => this.keys.key('job', id);
  private logsKey = (id: string) => this.keys.key('job', id, 'logs');
  private eventsKey = (id: string) => this.keys.key('job', id, 'events');

  /** Where a user's Idempotency-Key for a kind of submission (`job`, `batch`) is remembered. */
  idempotencyKey(kind: 'job' | 'batch', userId: string, key: string): string {
    return this.keys.hashed('idem', kind, userId, key);
  }

  /**
   * Stores a new queued job unless the user's key replays an earlier one, the queue is full or the user is at
   * their quota of active jobs; its queue priority gives it its fair place among the user's active jobs.
   */
  async create(input: {
    id: string;
    userId: string;
    configuration: JobConfiguration;
    idempotency?: { key: string; bodyHash: string };
    estimatedCompletion: Date;
  }): Promise<SubmissionReply<Job>> {
    const fields = newJobFields(input.id, input.userId, input.configuration, input.estimatedCompletion);
    const keys = [this.jobKey(input.id), ...(input.idempotency ? [this.idempotencyKey('job', input.userId, input.idempotency.key)] : [])];
    const reply = (await this.scripts.create(
      keys.length,
      ...keys,
      this.keys.prefix,
      JSON.stringify(fields),
      this.config.maxQueueDepth,
      ...submissionArgs(this.config, input.idempotency?.bodyHash ?? ''),
    )) as string[];
    // The script answers with the record itself (its hash as field/value pairs): no read back. A replay answers
    // the record as the first answer showed it: the job as created, with that answer's ETA.
    const [kind, value, firstEta, ...pairs] = reply;
    const hash = hashOf(pairs);
    return readSubmissionReply([kind, value], () => Promise.resolve(parseJob(kind === 'existing' ? asCreated(hash, firstEta) : hash)));
  }

  /** Lets the key be used again after its submission could not be carried out (only if it still names `id`). */
  async releaseIdempotencyKey(kind: 'job' | 'batch', userId: string, key: string, id: string): Promise<void> {
    await this.scripts.releaseIdempotency(this.idempotencyKey(kind, userId, key), id);
  }

  async get(id: string): Promise<Job | null> {
    return parseJob(await this.redis.hgetall(this.jobKey(id)));
  }

  /** Ids of jobs queued in the store since before `cutoff` (oldest first), for reconciling with the queue. */
  queuedBefore(cutoff: Date, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.key('jobs', 'all', 'queued'), '-inf', `(${cutoff.getTime()}`, 'LIMIT', 0, limit);
  }

  /** Ids of every job the store has processing (oldest first). */
  processing(limit: number): Promise<string[]> {
    return this.redis.zrange(this.keys.key('jobs', 'all', 'processing'), 0, limit - 1);
  }

  async getMany(ids: string[]): Promise<Job[]> {
    return this.readMany(ids, (hash) => hash);
  }

  /** Jobs as a submission's first answer showed them: as created, each with the ETA it had then (by job id). */
  async getManyAsCreated(ids: string[], firstEtas: Record<string, string>): Promise<Job[]> {
    return this.readMany(ids, (hash) => asCreated(hash, firstEtas[hash.id] ?? ''));
  }

  /** The jobs of `ids` still stored, in that order, each hash seen through `view` first. */
  private async readMany(ids: string[], view: (hash: Record<string, string>) => Record<string, string>): Promise<Job[]> {
    if (ids.length === 0) return [];
    const pipe = this.redis.pipeline();
    ids.forEach((id) => pipe.hgetall(this.jobKey(id)));
    return (await execOrThrow<Record<string, string>>(pipe)).map((hash) => parseJob(view(hash))).filter((j): j is Job => j !== null);
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

  /** One page of jobs, the total matching the filter, and the cursor after the page when more follow. */
  async list(filter: JobListFilter): Promise<{ jobs: Job[]; total: number; next: JobCursor | null }> {
    const minMs = filter.createdAfter?.getTime();
    const maxMs = filter.createdBefore?.getTime();
    const min = minMs === undefined ? '-inf' : String(minMs);
    const max = maxMs === undefined ? '+inf' : String(maxMs);
    if (filter.batchId) return this.listBatch(filter.batchId, filter, min, max);
    const statusPart = filter.status ? [filter.status] : [];
    const index = filter.userId
      ? this.keys.key('user', filter.userId, 'jobs', ...statusPart)
      : this.keys.key('jobs', 'all', ...statusPart);
    let position: [mode: string, from: string, seenId: string] = ['offset', String(filter.offset), ''];
    if (filter.after) {
      // A cursor outside the time window starts at the window's edge.
      const { ms, id } = filter.after;
      const inWindow = filter.order === 'desc' ? maxMs === undefined || ms <= maxMs : minMs === undefined || ms >= minMs;
      position = ['cursor', inWindow ? String(ms) : filter.order === 'desc' ? max : min, inWindow ? id : ''];
    }
    const [total, ...flat] = (await this.scripts.list(index, filter.order, min, max, position[0], position[1], filter.limit, position[2])) as [number, ...string[]];
    const entries: JobCursor[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) entries.push({ id: flat[i], ms: Number(flat[i + 1]) });
    const page = entries.slice(0, filter.limit);
    return { jobs: await this.getMany(page.map((e) => e.id)), total, next: entries.length > filter.limit ? page[page.length - 1] : null };
  }

  /** A batch holds at most 50 jobs: its members are filtered and paged in memory. */
  private async listBatch(batchId: string, filter: JobListFilter, min: string, max: string) {
    const ids = await this.redis.zrangebyscore(this.keys.key('batch', batchId, 'jobs'), min, max);
    const all = (await this.getMany(ids)).filter(
      (j) => (!filter.userId || j.userId === filter.userId) && (!filter.status || j.status === filter.status),
    );
    if (filter.order === 'desc') all.reverse();
    const cursorOf = (j: Job): JobCursor => ({ ms: Date.parse(j.createdAt), id: j.id });
    const after = filter.after;
    const start = after ? all.findIndex((j) => comesAfter(cursorOf(j), after, filter.order)) : filter.offset;
    const jobs = start < 0 ? [] : all.slice(start, start + filter.limit);
    const more = start >= 0 && start + filter.limit < all.length;
    return { jobs, total: all.length, next: more ? cursorOf(jobs[jobs.length - 1]) : null };
  }

  /** The job's events after `afterId` (exclusive; "0" for all kept), oldest first. */
  async eventsAfter(id: string, afterId: string, count = 500): Promise<StoredJobEvent[]> {
    const entries = await this.redis.xrange(this.eventsKey(id), afterId === '0' ? '-' : `(${afterId}`, '+', 'COUNT', count);
    if (entries.length > 0) return entries.map(([eventId, fields]) => ({ event_id: eventId, job: JSON.parse(fields[1]) as JobUpdate }));
    const final = await this.finalEvent(id);
    return final && isAfterEventId(final.event_id, afterId) ? [final] : [];
  }

  /** The job's latest event (its current public view under the newest event id). */
  async latestEvent(id: string): Promise<StoredJobEvent | null> {
    const [entry] = await this.redis.xrevrange(this.eventsKey(id), '+', '-', 'COUNT', 1);
    return entry ? { event_id: entry[0], job: JSON.parse(entry[1][1]) as JobUpdate } : this.finalEvent(id);
  }

  /** A finished job's terminal event: its stream is gone, the hash kept the id and holds the view (as EMIT builds it). */
  private async finalEvent(id: string): Promise<StoredJobEvent | null> {
    const fields = ['final_event_id', 'status', 'progress', 'current_stage', 'error_message', 'updated_at', 'batch_id'];
    const [eventId, status, progress, stage, error, updatedAt, batchId] = await this.redis.hmget(this.jobKey(id), ...fields);
    if (!eventId) return null;
    const job: JobUpdate = {
      job_id: id,
      status: status as JobStatus,
      progress: Number(progress ?? 0),
      current_stage: orNull(stage ?? undefined),
      error_message: orNull(error ?? undefined),
      updated_at: updatedAt as string,
      batch_id: orNull(batchId ?? undefined),
    };
    return { event_id: eventId, job };
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

  /**
   * A job's state (the fields a status poll answers, not the whole record: a request's context can be large) and,
   * while it is queued, its 1-based place in the queue (priority, then age): both commands in one round trip.
   */
  async getStatusWithQueuePosition(id: string): Promise<{ job: JobStatusView | null; queuePosition: number | null }> {
    const [values, rank] = await Promise.all([
      this.redis.hmget(this.jobKey(id), ...STATUS_FIELDS),
      this.redis.zrank(this.keys.key('queue', 'waiting'), id),
    ]);
    const job = parseStatusView(values);
    return { job, queuePosition: job?.status === 'queued' && rank !== null ? Number(rank) + 1 : null };
  }

  queueDepth(): Promise<number> {
    return this.redis.zcard(this.keys.key('queue', 'waiting'));
  }

  /** Up to `limit` ids of jobs that finished more than `ageMs` ago by Redis's clock (the one that dated them), oldest first. */
  async finishedBefore(ageMs: number, limit: number): Promise<string[]> {
    const [seconds, micros] = await this.redis.time();
    const cutoff = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - ageMs;
    return this.redis.zrangebyscore(this.keys.key('jobs', 'finished'), '-inf', `(${cutoff}`, 'LIMIT', 0, limit);
  }

  /** Drops ids from the finished-jobs index whose job is gone some other way (their hash no longer exists). */
  async forgetFinished(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.redis.zrem(this.keys.key('jobs', 'finished'), ...ids);
  }

  /**
   * Jobs that finished before the finished-jobs index existed join it, dated by their completed_at (or
   * updated_at); once, then a marker says it is done. Safe to repeat or to run twice at once (ZADD NX).
   * Returns how many were added.
   */
  async backfillFinishedIndex(pageSize: number): Promise<number> {
    const marker = this.keys.key('jobs', 'finished', 'backfilled');
    if (await this.redis.exists(marker)) return 0;
    let added = 0;
    for (const status of TERMINAL_STATUSES) {
      // ZSCAN, not ranks: deletes meanwhile shift ranks, while a scan still returns every member present throughout.
      let cursor = '0';
      do {
        const [next, flat] = await this.redis.zscan(this.keys.key('jobs', 'all', status), cursor, 'COUNT', pageSize);
        cursor = next;
        const ids = flat.filter((_, i) => i % 2 === 0);
        if (ids.length === 0) continue;
        const read = this.redis.pipeline();
        ids.forEach((id) => read.hmget(this.jobKey(id), 'completed_at', 'updated_at'));
        const times = await execOrThrow<(string | null)[]>(read);
        const entries = ids.flatMap((id, i) => {
          const ms = Date.parse(times[i][0] || times[i][1] || '');
          return Number.isNaN(ms) ? [] : [ms, id];
        });
        if (entries.length > 0) added += await this.redis.zadd(this.keys.key('jobs', 'finished'), 'NX', ...entries);
      } while (cursor !== '0');
    }
    await this.redis.set(marker, new Date().toISOString());
    return added;
  }
}

/** The fields of a job's hash that change after it is created, as they are then. */
const CREATED_STATE = {
  status: 'queued',
  progress: '0',
  current_stage: 'queued',
  error_message: '',
  error_code: '',
  attempts: '0',
  started_at: '',
  completed_at: '',
  video: '',
};

/** The hash of a job as it is created (queued, nothing run yet; its queue place is set by the script). */
export function newJobFields(id: string, userId: string, configuration: JobConfiguration, eta: Date, batchId?: string, now = new Date()) {
  return {
    ...CREATED_STATE,
    id,
    user_id: userId,
    job_type: 'video_generation',
    configuration: JSON.stringify(configuration),
    batch_id: batchId ?? '',
    priority: configuration.priority,
    queue_priority: '',
    queue_score: '',
    created_at: iso(now),
    created_ms: String(now.getTime()),
    updated_at: iso(now),
    estimated_completion: iso(eta),
  };
}

/** A job's hash as it was created (`eta`: the ETA it had then; none from a key older than this, then its current one). */
function asCreated(hash: Record<string, string>, eta: string): Record<string, string> {
  if (!hash.id) return hash; // deleted since
  return { ...hash, ...CREATED_STATE, updated_at: hash.created_at, ...(eta ? { estimated_completion: eta } : {}) };
}

/** A flat [field, value, …] reply as a hash. */
function hashOf(pairs: string[]): Record<string, string> {
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) hash[pairs[i]] = pairs[i + 1];
  return hash;
}

const orNull = (v: string | undefined) => (v === undefined || v === '' ? null : v);

/** The hash fields a job's state is read from: all a status poll fetches. */
const STATUS_FIELDS = ['id', 'user_id', 'status', 'progress', 'current_stage', 'error_message', 'created_at', 'updated_at', 'completed_at', 'estimated_completion'];

/** HMGET's answer for STATUS_FIELDS (null for a field not there) as the job's state, or null for no job. */
function parseStatusView(values: (string | null)[]): JobStatusView | null {
  const h: Record<string, string | undefined> = {};
  STATUS_FIELDS.forEach((field, i) => (h[field] = values[i] ?? undefined));
  return h.id ? parseState(h) : null;
}

/** A job's state from its hash's STATUS_FIELDS. */
function parseState(h: Record<string, string | undefined>): JobStatusView {
  return {
    id: h.id as string,
    userId: h.user_id as string,
    status: h.status as JobStatus,
    progress: Number(h.progress ?? 0),
    currentStage: orNull(h.current_stage),
    errorMessage: orNull(h.error_message),
    createdAt: h.created_at as string,
    updatedAt: h.updated_at as string,
    completedAt: orNull(h.completed_at),
    estimatedCompletion: orNull(h.estimated_completion),
  };
}

function parseJob(h: Record<string, string>): Job | null {
  if (!h || !h.id) return null;
  return {
    ...parseState(h),
    jobType: 'video_generation',
    configuration: JSON.parse(h.configuration) as JobConfiguration,
    errorCode: orNull(h.error_code),
    batchId: orNull(h.batch_id),
    priority: h.priority as JobPriority,
    // Jobs stored before fair share kept no queue priority: their class's first place.
    queuePriority: Number(h.queue_priority) || PRIORITY_RANK[h.priority as JobPriority] * FAIR_SHARE_SLOTS + 1,
    attempts: Number(h.attempts ?? 0),
    startedAt: orNull(h.started_at),
    video: h.video ? (JSON.parse(h.video) as VideoInfo) : null,
  };
}
