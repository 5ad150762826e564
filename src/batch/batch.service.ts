import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuthUser } from '../auth/auth-user';
import { AppException, notFound } from '../common/error-codes';
import { Page, PageQuery, offsetOf, toPage } from '../common/pagination';
import { FieldProblem, validationException } from '../common/validation';
import { toJobDto } from '../jobs/dto/job.dto';
import { JobConfiguration, TERMINAL_STATUSES } from '../jobs/job.model';
import { JobStore, StoredBatch } from '../jobs/job.store';
import { JobsService } from '../jobs/jobs.service';
import { VideosService } from '../videos/videos.service';
import { summarizeBatch } from './batch-summary';
import { BatchDto, BatchSummaryDto, CreateBatchDto } from './dto/batch.dto';

@Injectable()
export class BatchService {
  constructor(
    private readonly store: JobStore,
    private readonly videos: VideosService,
    private readonly jobs: JobsService,
  ) {}

  /** Another user's batch is indistinguishable from a missing one (admins see all). */
  async requireBatch(user: AuthUser, batchId: string): Promise<StoredBatch> {
    const batch = await this.store.getBatch(batchId);
    if (!batch || (batch.userId !== user.userId && !user.isAdmin)) throw notFound('Batch');
    return batch;
  }

  /** All or nothing: every request is checked first (problems named by index), then all are stored at once. */
  async submit(user: AuthUser, dto: CreateBatchDto): Promise<BatchDto> {
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

    const batchId = randomUUID();
    const etas = await this.videos.estimateCompletions(configurations.map((c) => c.quality));
    const jobs = configurations.map((configuration, index) => ({ id: randomUUID(), configuration, estimatedCompletion: etas[index] }));
    const outcome = await this.store.createBatch({ id: batchId, userId: user.userId, name: dto.name ?? '', jobs });
    if (outcome === 'full') {
      throw new AppException('QUEUE_FULL', `The queue cannot take ${jobs.length} more jobs; retry later`, { jobs: jobs.length }, { 'Retry-After': '30' });
    }
    const stored = await this.requireBatch(user, batchId);
    await this.videos.enqueueOrFail(stored.jobs);
    return this.view(stored);
  }

  async get(user: AuthUser, batchId: string): Promise<BatchDto> {
    return this.view(await this.requireBatch(user, batchId));
  }

  async list(user: AuthUser, query: PageQuery): Promise<Page<BatchSummaryDto>> {
    const { batches, total } = await this.store.listBatches(user.userId, offsetOf(query), query.items_per_page);
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
    await this.store.removeBatch(batch);
  }

  /** The batch's summary as the real-time `batch.update` payload (null when it is gone). */
  async summary(batchId: string): Promise<{ userId: string; summary: BatchSummaryDto } | null> {
    const batch = await this.store.getBatch(batchId);
    return batch ? { userId: batch.userId, summary: summarizeBatch(batch) } : null;
  }

  private view(batch: StoredBatch): BatchDto {
    return { ...summarizeBatch(batch), jobs: batch.jobs.map(toJobDto) };
  }
}
