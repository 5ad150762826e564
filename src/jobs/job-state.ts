import { JobStatus } from './job.model';

/**
 * The job state machine. `processing → processing` is a new attempt (a retry or a job recovered from a
 * dead worker); `processing → queued` is a retry waiting for its backoff. Terminal states have no exits.
 */
export const ALLOWED_TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  queued: ['processing', 'cancelled', 'failed'],
  processing: ['processing', 'queued', 'completed', 'failed', 'cancelled'],
  completed: [],
  failed: [],
  cancelled: [],
};

/** States a job may be in for it to move to `to`. */
export function sourcesOf(to: JobStatus): JobStatus[] {
  return (Object.keys(ALLOWED_TRANSITIONS) as JobStatus[]).filter((from) => ALLOWED_TRANSITIONS[from].includes(to));
}

export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}
