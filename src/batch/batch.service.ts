import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuthUser } from '../auth/auth-user';
import { AppException, notFound } from '../common/error-codes';
import { Page, PageQuery, offsetOf, toPage } from '../common/pagination';
import { FieldProblem, validationException } from '../common/validation';
import { toJobDto } from '../jobs/dto/job.dto';
import { JobConfiguration, TERMINAL_STATUSES } from '../jobs/job.model';
import { JobsService } from '../jobs/jobs.service';
import { hashBody, VideosService } from '../videos/videos.service';
import { BatchStore, StoredBatch } from './batch.store';
import { summarizeBatch } from './batch-summary';
import { BatchDto, BatchSummaryDto, CreateBatchDto } from './dto/batch.dto';

@Injectable()
export class BatchService {
  constructor(
    private readonly store: BatchStore,
    private readonly videos: VideosService,
    private readonly jobs: JobsService,
  ) {}

  /** Another user's batch is indistinguishable from a missing one (admins see all). */
  async requireBatch(user: AuthUser, batchId: string): Promise<StoredBatch> {
    const batch = await this.store.get(batchId);
    if (!batch || (batch.userId !== user.userId && !user.isAdmin)) throw notFound('Batch');
    return batch;
  }

  /**
   * All or nothing: every request is checked first (problems named by index), then all are stored at once.
   * The same Idempotency-Key with the same body answers the first batch again (`replayed`).
   */
  async submit(user: AuthUser, dto: CreateBatchDto, idempotencyKey?: string): Promise<{ batch: BatchDto; replayed: boolean }> {
    const problems: FieldProblem[] = [];
    const configurations: JobConfiguration[] = [];
    for (const [index, request] of dto.jobs.entries()) {
      try {
        configurations.push(await this.videos.prepare(user, request, `jobs[${index}].`));
      } catch (err) {
        if (!(err instanceof AppException) || err.errorCode !== 'VALIDATION_ERROR') throw err;
        problems.push(...((err.details.fields as FieldProblem[] | undefined) ?? []));
      }
    }
    if (problems.length > 0) throw validationException(problems);

    const name = dto.name ?? '';
    const qualities = configurations.map((c) => c.quality);
    const etas = await this.videos.estimateCompletions(qualities);
    const outcome = await this.store.create({
      id: randomUUID(),
      userId: user.userId,
      name,
      jobs: configurations.map((configuration, index) => ({ id: randomUUID(), configuration, estimatedCompletion: etas[index] })),
      idempotency: idempotencyKey ? { key: idempotencyKey, bodyHash: hashBody(dto) } : undefined,
    });
    if (outcome.kind === 'existing') return { batch: this.view(outcome.record), replayed: true };
    if (outcome.kind !== 'created') throw await this.videos.refusal(outcome, qualities);
    const stored = outcome.record;
    await this.videos.enqueueOrFail(stored.jobs, () =>
      idempotencyKey ? this.store.releaseIdempotencyKey(user.userId, idempotencyKey, stored.id) : Promise.resolve(),
    );
    // The batch as stored, before any worker could take one of its jobs: the answer a replay repeats.
    return { batch: this.view(stored), replayed: false };
  }

  async get(user: AuthUser, batchId: string): Promise<BatchDto> {
    return this.view(await this.requireBatch(user, batchId));
  }

  async list(user: AuthUser, query: PageQuery): Promise<Page<BatchSummaryDto>> {
    const { batches, total } = await this.store.list(user.userId, offsetOf(query), query.items_per_page);
    return toPage(batches.map(summarizeBatch), total, query);
  }

  /** Cancels every job not yet finished; finished ones keep their state. */
  async cancel(user: AuthUser, batchId: string): Promise<BatchDto> {
    const batch = await this.requireBatch(user, batchId);
    for (const job of batch.jobs.filter((j) => !TERMINAL_STATUSES.has(j.status))) {
      await this.jobs.cancel(user, job.id).catch((err: unknown) => {
        // Finished between our read and the cancel: its terminal state stands.
        if (!(err instanceof AppException && err.errorCode === 'JOB_NOT_CANCELLABLE')) throw err;
      });
    }
    return this.view(await this.requireBatch(user, batchId));
  }

  /** Removes the batch with all its jobs and their files. */
  async remove(user: AuthUser, batchId: string): Promise<void> {
    const batch = await this.requireBatch(user, batchId);
    for (const job of batch.jobs) await this.jobs.remove(user, job.id);
    await this.store.remove(batch);
  }

  /** The batch's summary as the real-time `batch.update` payload (null when it is gone). */
  async summary(batchId: string): Promise<{ userId: string; summary: BatchSummaryDto } | null> {
    const batch = await this.store.get(batchId);
    return batch ? { userId: batch.userId, summary: summarizeBatch(batch) } : null;
  }

  private view(batch: StoredBatch): BatchDto {
    return { ...summarizeBatch(batch), jobs: batch.jobs.map(toJobDto) };
  }
}
