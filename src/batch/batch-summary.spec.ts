import { JobStatus } from '../jobs/job.model';
import { batchStatus } from './batch-summary';

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
