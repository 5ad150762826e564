import { Job, JOB_STATUSES, JobStatus, TERMINAL_STATUSES } from '../jobs/job.model';
import type { StoredBatch } from './batch.store';
import type { BatchStatus, BatchSummaryDto } from './dto/batch.dto';

/** A batch's state follows from its jobs' states (pure, so every API instance computes the same answer). */
export function batchStatus(counts: Record<JobStatus, number>, total: number): BatchStatus {
  const finished = counts.completed + counts.failed + counts.cancelled;
  if (total === 0 || counts.cancelled === total) return 'cancelled';
  if (finished < total) return counts.queued === total ? 'queued' : 'processing';
  if (counts.completed === total) return 'completed';
  if (counts.completed > 0) return 'partially_completed';
  return counts.failed > 0 ? 'failed' : 'cancelled';
}

export function summarizeBatch(batch: StoredBatch): BatchSummaryDto {
  const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
  for (const job of batch.jobs) counts[job.status] += 1;
  const total = batch.jobs.length;
  const status = batchStatus(counts, total);
  const progress = total === 0 ? 100 : batch.jobs.reduce((sum, j) => sum + (TERMINAL_STATUSES.has(j.status) ? 100 : j.progress), 0) / total;
  const latest = (pick: (j: Job) => string | null) =>
    batch.jobs.map(pick).filter((t): t is string => t !== null).sort().pop() ?? null;
  const allFinished = batch.jobs.every((j) => TERMINAL_STATUSES.has(j.status));
  return {
    batch_id: batch.id,
    name: batch.name || null,
    status,
    total_jobs: total, // the jobs it holds now: a deleted one leaves its batch, so the counts add up to it
    counts,
    progress: Math.round(progress * 10) / 10,
    created_at: batch.createdAt,
    updated_at: latest((j) => j.updatedAt) ?? batch.createdAt,
    completed_at: allFinished ? latest((j) => j.completedAt) ?? batch.createdAt : null,
  };
}
