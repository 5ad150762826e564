import type { JobStatus } from './job.model';

/** The public view of a job that every change publishes (Socket.IO `job.update`, SSE `data`). */
export interface JobUpdate {
  job_id: string;
  status: JobStatus;
  progress: number;
  current_stage: string | null;
  error_message: string | null;
  updated_at: string;
  batch_id: string | null;
}

/** What the job store publishes on the events channel, in commit order. */
export type JobEvent =
  | { event_id: string; user_id: string; deleted?: undefined; job: JobUpdate }
  | { event_id?: undefined; user_id: string; deleted: true; job: Pick<JobUpdate, 'job_id'> };

export interface StoredJobEvent {
  event_id: string;
  job: JobUpdate;
}

/** Whether Redis stream id `a` ("ms-seq") comes after `b`. */
export function isAfterEventId(a: string, b: string): boolean {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  return am > bm || (am === bm && as > bs);
}
