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

/** Tries of a dropped or refused stream in a row: the first, then every 3 s (the service's `retry`) up to 3 more. */
const STREAM_RETRIES = 3;
const RETRY_DELAY_MS = 3000;

/**
 * The job's updates over Server-Sent Events (`GET /api/v1/jobs/{job_id}/events`) until it ends. A stream that drops
 * (or that a proxy or a restarting service closes) before the job's last event is resumed with `Last-Event-ID`, up
 * to 3 times 3 s apart; a resumed stream that gets through starts the count again, so a long wait survives any
 * number of short outages. A missing job or bad credentials reject with a `VgsApiError` before streaming; a stream
 * that cannot be resumed, with a `VgsApiError` or a `VgsConnectionError` saying why.
 */
export async function* jobEvents(client: Client, jobId: string, options: { signal?: AbortSignal } = {}): AsyncGenerator<JobUpdate> {
  // The stream reports an error answer only as "SSE failed: 404": ask once first, for the envelope.
  await getJob({ client, path: { job_id: jobId }, throwOnError: true });
  let lastEventId: string | undefined;
  let retries = 0;
  for (;;) {
    let failure: unknown;
    let gotThrough = false;
    // The generated client counts its tries for the life of the stream and never starts again: it makes one try
    // here, and this loop does the resuming.
    const { stream } = await streamJobEvents({
      client,
      path: { job_id: jobId },
      headers: lastEventId === undefined ? undefined : { 'Last-Event-ID': lastEventId },
      signal: options.signal,
      sseMaxRetryAttempts: 1,
      // Every event, the opening `retry` and heartbeats included: the stream is answering.
      onSseEvent: (event) => {
        gotThrough = true;
        if (event.id) lastEventId = event.id;
      },
      onSseError: (err) => (failure = err),
    });
    for await (const data of stream) {
      // The last event of a deleted job (`job.deleted`) carries only its id.
      if (!isUpdate(data)) return;
      yield data;
      if (isTerminal(data.status)) return;
    }
    if (options.signal?.aborted) return;
    if (gotThrough) retries = 0;
    if (retries === STREAM_RETRIES) {
      // Ask once more, for the reason as an error answer (401 for an expired token, 404 for a deleted job) or a
      // connection error; the stream itself gives only a fetch TypeError or "SSE failed: 401".
      await getJob({ client, path: { job_id: jobId }, throwOnError: true });
      throw new VgsConnectionError(client.getConfig().baseUrl ?? '', failure ?? new Error('the event stream kept closing before the job ended'));
    }
    retries += 1;
    await delay(RETRY_DELAY_MS, options.signal);
  }
}

/** Waits `ms`, or less if `signal` aborts first. */
function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
