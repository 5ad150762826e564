import { Injectable, Logger } from '@nestjs/common';
import { AuthUser } from '../auth/auth-user';
import { AppException, notFound } from '../common/error-codes';
import { Page, offsetOf, toPage } from '../common/pagination';
import { validationException } from '../common/validation';
import { StorageService } from '../files/storage.service';
import { RenderQueue } from '../queue/render-queue.service';
import { JobDto, JobLogsDto, toJobDto } from './dto/job.dto';
import { ListJobsQuery, LogsQuery } from './dto/list-jobs.query';
import { Job, JobStatusView, TERMINAL_STATUSES } from './job.model';
import { JobLogStore } from './job-log.store';
import { decodeJobCursor, encodeJobCursor, JobStore } from './job.store';

/** A page of jobs with the cursor to the next one. */
export type JobPage = Page<JobDto> & { next_cursor: string | null };

@Injectable()
export class JobsService {
  private readonly logger = new Logger(JobsService.name);

  constructor(
    private readonly store: JobStore,
    private readonly logStore: JobLogStore,
    private readonly queue: RenderQueue,
    private readonly storage: StorageService,
  ) {}

  /** The one access check: another user's job is indistinguishable from a missing one (admins see all). */
  async requireJob(user: AuthUser, jobId: string): Promise<Job> {
    return visibleTo(user, await this.store.get(jobId));
  }

  /** A visible job's state, with its place in the queue read in the same round trip. */
  async requireStatusWithQueuePosition(user: AuthUser, jobId: string): Promise<{ job: JobStatusView; queuePosition: number | null }> {
    const { job, queuePosition } = await this.store.getStatusWithQueuePosition(jobId);
    return { job: visibleTo(user, job), queuePosition };
  }

  async list(user: AuthUser, query: ListJobsQuery): Promise<JobPage> {
    return this.listFor(user.userId, query);
  }

  /** Operators: every user's jobs, or one user's, filtered like a user's own list. */
  async listAll(query: ListJobsQuery & { user_id?: string }): Promise<JobPage> {
    return this.listFor(query.user_id, query);
  }

  private async listFor(userId: string | undefined, query: ListJobsQuery): Promise<JobPage> {
    const after = query.cursor === undefined ? undefined : decodeJobCursor(query.cursor);
    if (after === null) throw cursorProblem('cursor must be a next_cursor returned by this listing');
    if (after && query.page > 1) throw cursorProblem('cursor and page cannot be combined: a cursor already says where the page starts');
    const { jobs, total, next } = await this.store.list({
      userId,
      status: query.status,
      batchId: query.batch_id,
      createdAfter: query.created_after,
      createdBefore: query.created_before,
      order: query.sort === 'created_at' ? 'asc' : 'desc',
      offset: offsetOf(query),
      limit: query.items_per_page,
      after,
    });
    const page = toPage(jobs.map(toJobDto), total, query);
    return { ...page, has_more: next !== null, next_cursor: next && encodeJobCursor(next) };
  }

  async cancel(user: AuthUser, jobId: string): Promise<JobDto> {
    const job = await this.requireJob(user, jobId);
    if (TERMINAL_STATUSES.has(job.status)) throw notCancellable(job);
    const outcome = await this.store.cancel(jobId);
    if (!outcome.ok) {
      // Completed or failed between our read and the atomic transition: the terminal state stands.
      const now = await this.store.get(jobId);
      if (!now) throw notFound('Job');
      throw notCancellable(now);
    }
    await this.queue.cancel(jobId);
    await this.logStore.append(jobId, [
      { timestamp: new Date().toISOString(), level: 'info', stage: 'cancelled', message: `cancelled by ${user.userId}` },
    ]);
    this.logger.log({ jobId, previous: outcome.previous }, 'job cancelled');
    return toJobDto((await this.store.get(jobId)) ?? job);
  }

  async remove(user: AuthUser, jobId: string): Promise<void> {
    const job = await this.requireJob(user, jobId);
    if (!TERMINAL_STATUSES.has(job.status)) {
      const outcome = await this.store.cancel(jobId);
      if (outcome.ok) await this.queue.cancel(jobId);
    }
    await this.store.remove(job);
    await this.queue.forget(jobId);
    // A worker finishing at this moment finds the job gone and removes what it wrote itself.
    await this.storage.removeJobFiles(jobId);
  }

  async logs(user: AuthUser, jobId: string, query: LogsQuery): Promise<JobLogsDto> {
    await this.requireJob(user, jobId);
    const { entries, next } = await this.logStore.read(jobId, query.cursor, query.limit);
    return { job_id: jobId, logs: entries, next_cursor: next === null ? null : String(next) };
  }
}

function cursorProblem(message: string): AppException {
  return validationException([{ field: 'cursor', errors: [message] }]);
}

function visibleTo<T extends Pick<Job, 'userId'>>(user: AuthUser, job: T | null): T {
  if (!job || (job.userId !== user.userId && !user.isAdmin)) throw notFound('Job');
  return job;
}

function notCancellable(job: Job): AppException {
  return new AppException('JOB_NOT_CANCELLABLE', `Job is already ${job.status}`, { status: job.status });
}
