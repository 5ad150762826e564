import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { VgsApiError, VgsConnectionError, VgsTimeoutError } from './client';
import type { BatchSummaryDto, JobStatusDto } from './gen/types.gen';
import { isTerminal, type JobState, type JobUpdate } from './sse';

/** The `batch.update` payload: the batch's summary. */
export type BatchUpdate = BatchSummaryDto;

export interface JobUpdatesOptions {
  /** The same token as for HTTP (the socket handshake takes no API keys). */
  token: string;
  /** Passed to socket.io-client's `io()`, e.g. `{ transports: ['websocket'] }`. */
  socket?: Partial<ManagerOptions & SocketOptions>;
}

/**
 * The Socket.IO namespace `/jobs`: from the handshake on, `job.update` for every job of the token's user and
 * `batch.update` for their batches; nothing needs subscribing.
 */
export class JobUpdates {
  private constructor(
    readonly socket: Socket,
    private readonly baseUrl: string,
  ) {}

  /**
   * Connects and resolves once the handshake is accepted; a refused token rejects with a 401 `VgsApiError`, a user
   * past the service's MAX_SOCKETS_PER_USER with a 429 one.
   */
  static connect(baseUrl: string, options: JobUpdatesOptions): Promise<JobUpdates> {
    const base = baseUrl.replace(/\/+$/, '');
    const socket = io(`${base}/jobs`, { ...options.socket, auth: { token: options.token } });
    return new Promise((resolve, reject) => {
      socket.once('connect', () => {
        socket.off('connect_error');
        resolve(new JobUpdates(socket, base));
      });
      socket.once('connect_error', (err: Error & { data?: { error_code?: string } }) => {
        socket.close();
        reject(handshakeError(base, err));
      });
    });
  }

  /** Calls `listener` with every `job.update`; returns the function that stops it. */
  onJob(listener: (update: JobUpdate) => void): () => void {
    this.socket.on('job.update', listener);
    return () => this.socket.off('job.update', listener);
  }

  /** Calls `listener` with every `batch.update`; returns the function that stops it. */
  onBatch(listener: (update: BatchUpdate) => void): () => void {
    this.socket.on('batch.update', listener);
    return () => this.socket.off('batch.update', listener);
  }

  /** The job's current status, asked over the socket (`job.status`); errors as `VgsApiError`. */
  async status(jobId: string, timeoutMs = 10_000): Promise<JobStatusDto> {
    const ack = (await this.socket
      .timeout(timeoutMs)
      .emitWithAck('job.status', { job_id: jobId })
      .catch((err: unknown) => {
        throw new VgsConnectionError(this.baseUrl, err); // no answer in time, or the socket closed meanwhile
      })) as JobStatusDto | { error: { error_code: string; message: string } };
    if ('error' in ack) throw new VgsApiError(ack.error.error_code === 'NOT_FOUND' ? 404 : 400, ack);
    return ack;
  }

  /**
   * Resolves with the job's terminal state (completed, failed or cancelled), calling `onUpdate` on the way. Listens
   * before asking for the current status, so a job that ends between the two is not missed; asks again after a
   * reconnection, for what happened while away. Rejects with a 401 `VgsApiError` when the token expires first
   * (the server then closes the socket), with a `VgsConnectionError` when the socket closes for good otherwise, and
   * with a `VgsTimeoutError` when `timeoutMs` passes first.
   */
  waitForJob(jobId: string, options: { onUpdate?: (state: JobState) => void; timeoutMs?: number } = {}): Promise<JobState> {
    const { socket, baseUrl } = this;
    return new Promise<JobState>((resolve, reject) => {
      let settled = false;
      const finish = (state: JobState | null, err?: unknown) => {
        if (settled) return;
        settled = true;
        for (const stop of stops) stop();
        clearTimeout(timer);
        if (state) resolve(state);
        else reject(err);
      };
      let lastState: JobState | undefined;
      const seen = (state: JobState) => {
        lastState = state;
        options.onUpdate?.(state);
        if (isTerminal(state.status)) finish(state);
      };
      const ask = () =>
        void this.status(jobId).then(
          (status) => seen(status),
          (err: unknown) => finish(null, err),
        );
      // Whether socket.io-client will reconnect by itself: not after a close by the server or by close(), a refused
      // handshake, or with reconnection turned off.
      const closedForGood = () => !socket.active || !socket.io.reconnection();
      const stops = [
        this.onJob((update) => {
          if (update.job_id === jobId) seen(update);
        }),
        on(socket, 'session.expired', () =>
          finish(null, new VgsApiError(401, { error: { message: `The token expired while waiting for job ${jobId}`, error_code: 'UNAUTHORIZED' } })),
        ),
        on(socket, 'disconnect', (reason: string) => {
          if (closedForGood()) finish(null, new VgsConnectionError(baseUrl, new Error(`the socket was closed (${reason})`)));
        }),
        on(socket, 'connect_error', (err: Error & { data?: { error_code?: string } }) => {
          if (closedForGood()) finish(null, handshakeError(baseUrl, err));
        }),
        on(socket, 'connect', ask),
      ];
      const reconnectFailed = () => finish(null, new VgsConnectionError(baseUrl, new Error('reconnection failed')));
      socket.io.on('reconnect_failed', reconnectFailed);
      stops.push(() => socket.io.off('reconnect_failed', reconnectFailed));
      // Node fires a timer longer than 2^31-1 ms at once: a longer bound (~24.8 days) is no bound.
      const { timeoutMs } = options;
      const timer =
        timeoutMs === undefined || timeoutMs > 2 ** 31 - 1
          ? undefined
          : setTimeout(() => finish(null, new VgsTimeoutError(jobId, timeoutMs, lastState)), timeoutMs);
      ask();
    });
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * A refused handshake: a 401 `VgsApiError` for the token, a 429 one when the user holds as many sockets as the
 * service allows, else the service could not be reached.
 */
function handshakeError(baseUrl: string, err: Error & { data?: { error_code?: string; message?: string } }): Error {
  if (err.data?.error_code === 'UNAUTHORIZED') {
    return new VgsApiError(401, { error: { message: 'The socket handshake refused the token', error_code: 'UNAUTHORIZED' } });
  }
  if (err.data?.error_code === 'RATE_LIMIT_EXCEEDED') {
    return new VgsApiError(429, { error: { message: err.data.message ?? 'Too many open sockets', error_code: 'RATE_LIMIT_EXCEEDED' } });
  }
  return new VgsConnectionError(baseUrl, err);
}

/** Listens to `event` on the socket; returns the function that stops it. */
function on(socket: Socket, event: string, listener: (...args: any[]) => void): () => void {
  socket.on(event, listener);
  return () => socket.off(event, listener);
}
