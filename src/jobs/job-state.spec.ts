import { ALLOWED_TRANSITIONS, canTransition, sourcesOf } from './job-state';
import { JOB_STATUSES, TERMINAL_STATUSES } from './job.model';

describe('job state machine', () => {
  test('terminal states never change again', () => {
    for (const terminal of TERMINAL_STATUSES) {
      for (const to of JOB_STATUSES) expect(canTransition(terminal, to)).toBe(false);
    }
  });

  test('the happy path and cancellation from both live states', () => {
    expect(canTransition('queued', 'processing')).toBe(true);
    expect(canTransition('processing', 'completed')).toBe(true);
    expect(canTransition('queued', 'cancelled')).toBe(true);
    expect(canTransition('processing', 'cancelled')).toBe(true);
  });

  test('a job never completes without being processed', () => {
    expect(canTransition('queued', 'completed')).toBe(false);
    expect(sourcesOf('completed')).toEqual(['processing']);
  });

  test('retries and recovered jobs start a new attempt', () => {
    expect(canTransition('processing', 'queued')).toBe(true);
    expect(canTransition('processing', 'processing')).toBe(true);
  });

  test('every status has an entry', () => {
    expect(Object.keys(ALLOWED_TRANSITIONS).sort()).toEqual([...JOB_STATUSES].sort());
    expect(sourcesOf('cancelled').sort()).toEqual(['processing', 'queued']);
  });
});
