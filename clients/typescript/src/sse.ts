import { VgsConnectionError } from './client';
import type { Client } from './gen/client';
import { getJob, streamJobEvents } from './gen/sdk.gen';
import type { JobUpdateEvent } from './gen/types.gen';

/** The `job.update` payload (Socket.IO) and the `data` of each SSE `job.update` event. */
export type JobUpdate = JobUpdateEvent;
/** What is known of a job at one moment, from an update or from a status answer. */
export type JobState = Pick<JobUpdate, 'job_id' | 'status' | 'progress' | 'current_stage' | 'error_message' | 'updated_at'>;

const TERMINAL: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);

/** True once a job can change no more. */
export function isTerminal(status: JobUpdate['status']): boolean {
  return TERMINAL.has(status);
}

function isUpdate(data: unknown): data is JobUpdate {
  return typeof (data as Partial<JobUpdate> | undefined)?.status === 'string';
}

/** Tries of a dropped or refused stream in all: the first, then every 3 s (the service's `retry`) up to 3 more. */
const STREAM_TRIES = 4;
const RETRY_MAX_MS = 3000;

/**
 * The job's updates over Server-Sent Events (`GET /api/v1/jobs/{job_id}/events`) until it ends; a dropped stream is
 * resumed with `Last-Event-ID`, up to 3 times 3 s apart. A missing job or bad credentials reject with a `VgsApiError`
 * before streaming; a stream that cannot be resumed, with a `VgsApiError` or a `VgsConnectionError` saying why.
 */
export async function* jobEvents(client: Client, jobId: string, options: { signal?: AbortSignal } = {}): AsyncGenerator<JobUpdate> {
  // The stream reports an error answer only as "SSE failed: 404": ask once first, for the envelope.
  await getJob({ client, path: { job_id: jobId }, throwOnError: true });
  let failure: unknown;
  const { stream } = await streamJobEvents({
    client,
    path: { job_id: jobId },
    signal: options.signal,
    sseMaxRetryAttempts: STREAM_TRIES,
    // The generated client doubles each wait (3, 6, 12, 24 s): 45 s of silence before a dead service is reported.
    sseMaxRetryDelay: RETRY_MAX_MS,
    onSseError: (err) => (failure = err),
  });
  for await (const data of stream) {
    // The last event of a deleted job (`job.deleted`) carries only its id.
    if (!isUpdate(data)) return;
    yield data;
    if (isTerminal(data.status)) return;
  }
  if (!failure || options.signal?.aborted) return;
  // Ask once more, for the reason as an error answer (401 for an expired token, 404 for a deleted job) or a
  // connection error; the stream itself gives only a fetch TypeError or "SSE failed: 401".
  await getJob({ client, path: { job_id: jobId }, throwOnError: true });
  throw new VgsConnectionError(client.getConfig().baseUrl ?? '', failure);
}
