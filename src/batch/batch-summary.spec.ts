import { Job, JobStatus } from '../jobs/job.model';
import { batchStatus, summarizeBatch } from './batch-summary';

const counts = (c: Partial<Record<JobStatus, number>>) => ({ queued: 0, processing: 0, completed: 0, failed: 0, cancelled: 0, ...c });

describe('batchStatus', () => {
  test.each([
    ['all queued', counts({ queued: 3 }), 'queued'],
    ['some running', counts({ queued: 1, processing: 1, completed: 1 }), 'processing'],
    ['queued and finished', counts({ queued: 1, completed: 2 }), 'processing'],
    ['all completed', counts({ completed: 3 }), 'completed'],
    ['completed and failed', counts({ completed: 2, failed: 1 }), 'partially_completed'],
    ['completed and cancelled', counts({ completed: 1, cancelled: 2 }), 'partially_completed'],
    ['none completed, some failed', counts({ failed: 1, cancelled: 2 }), 'failed'],
    ['all cancelled', counts({ cancelled: 3 }), 'cancelled'],
  ])('%s', (_name, c, expected) => {
    const total = Object.values(c).reduce((a, b) => a + b, 0);
    expect(batchStatus(c, total)).toBe(expected);
  });
});

describe('summarizeBatch', () => {
  const job = (id: string, status: JobStatus): Job => ({
    id,
    userId: 'user_a',
    status,
    jobType: 'video_generation',
    configuration: { topic: 'T', context: 'C', quality: 'low', use_rag: false, custom_config: {}, priority: 'normal' },
    progress: status === 'completed' ? 100 : 0,
    currentStage: status,
    errorMessage: null,
    errorCode: null,
    batchId: 'b1',
    priority: 'normal',
    queuePriority: 0,
    attempts: 1,
    createdAt: '2026-12-01T10:00:00.000Z',
    updatedAt: '2026-12-01T10:01:00.000Z',
    startedAt: '2026-12-01T10:00:10.000Z',
    completedAt: status === 'completed' ? '2026-12-01T10:01:00.000Z' : null,
    estimatedCompletion: null,
    video: null,
  });

  it('counts the jobs the batch still holds: after one of two is deleted, its total is one', () => {
    const summary = summarizeBatch({ id: 'b1', userId: 'user_a', name: '', createdAt: '2026-12-01T10:00:00.000Z', jobs: [job('j2', 'completed')] });
    expect({ total: summary.total_jobs, status: summary.status, counted: Object.values(summary.counts).reduce((a, b) => a + b, 0) }).toEqual({
      total: 1,
      status: 'completed',
      counted: 1,
    });
  });
});
