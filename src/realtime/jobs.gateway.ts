import { Logger, OnApplicationShutdown } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { AuthUser } from '../auth/auth-user';
import { BatchService } from '../batch/batch.service';
import { TokenVerifier } from '../auth/token-verifier';
import { callAt } from '../common/call-at';
import { AppException, ErrorCode } from '../common/error-codes';
import { AppConfig } from '../config/app-config';
import { JobEventBus } from '../events/job-event-bus';
import { JobStatusDto } from '../jobs/dto/job.dto';
import { JobUpdate } from '../jobs/job-events';
import { TERMINAL_STATUSES } from '../jobs/job.model';
import { VideosService } from '../videos/videos.service';
import { ConnectionLimit } from './connection-limit';
import { ProgressCoalescer } from './progress-coalescer';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const userRoom = (userId: string) => `user:${userId}`;

interface SocketState {
  user: AuthUser;
  cancelExpiry?: () => void;
  /** Gives back the place this socket holds among its user's (MAX_SOCKETS_PER_USER). */
  release?: () => void;
}

/** The acknowledgement of `job.status` (and its deprecated alias `subscribe`): the job's status, or why not. */
type JobStatusAck = JobStatusDto | SocketError;
interface SocketError {
  error: { error_code: ErrorCode; message: string };
}
/** Sent just before the server closes a socket whose token has expired. */
interface SessionExpired {
  error_code: 'UNAUTHORIZED';
  message: string;
}

/**
 * Namespace /jobs: the Clerk token is verified at the handshake (same check as HTTP); each socket joins
 * its user's room and receives `job.update` for that user's jobs only (and `batch.update` for their batches),
 * from whichever process changed them.
 */
@WebSocketGateway({ namespace: '/jobs' })
export class JobsGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnApplicationShutdown {
  private readonly logger = new Logger(JobsGateway.name);
  private jobUpdates?: ProgressCoalescer<JobUpdate>;
  private batchUpdates?: ProgressCoalescer<JobUpdate>;
  private stopListening?: () => void;
  /** Per batch, summaries are read and sent one after another so they arrive in order. */
  private readonly batchChains = new Map<string, Promise<void>>();
  private readonly sockets: ConnectionLimit;

  constructor(
    private readonly tokens: TokenVerifier,
    private readonly bus: JobEventBus,
    private readonly videos: VideosService,
    private readonly batches: BatchService,
    private readonly config: AppConfig,
  ) {
    this.sockets = new ConnectionLimit(config.maxSocketsPerUser);
  }

  afterInit(namespace: Namespace): void {
    namespace.use((socket, next) => {
      this.authenticate(socket).then(
        () => {
          const state = socket.data as SocketState;
          state.release = this.sockets.take(state.user.userId);
          if (state.release) {
            // Also when the client goes before the socket connects (no disconnect is reported then).
            socket.conn.once('close', state.release);
            return next();
          }
          const message = `At most ${this.sockets.max} connections may be open at once; close one (each receives all of your jobs)`;
          next(Object.assign(new Error('RATE_LIMIT_EXCEEDED'), { data: { error_code: 'RATE_LIMIT_EXCEEDED', message } }));
        },
        (err: Error) => {
          // Why the token failed (expired, wrong azp, …) is for the operator's log, never for the caller.
          this.logger.debug(`handshake refused: ${err.message}`);
          next(Object.assign(new Error('UNAUTHORIZED'), { data: { error_code: 'UNAUTHORIZED' } }));
        },
      );
    });
    const interval = this.config.realtimeProgressIntervalMs;
    // A job's progress comes from the one worker running its attempt: its commit times are comparable.
    const jobs = new ProgressCoalescer<JobUpdate>(
      interval,
      (u) => ({ key: u.job_id, status: u.status, terminal: TERMINAL_STATUSES.has(u.status), committedAt: Date.parse(u.updated_at) }),
      (update, userId) => namespace.to(userRoom(userId)).emit('job.update', update),
    );
    // A batch's summary is recomputed when one of its jobs changes, thinned the same way (keyed by batch).
    const batches = new ProgressCoalescer<JobUpdate>(
      interval,
      (u) => ({ key: u.batch_id as string, status: u.status, terminal: false }),
      (update, userId) => this.emitBatch(namespace, update.batch_id as string, userId),
    );
    this.jobUpdates = jobs;
    this.batchUpdates = batches;
    this.stopListening = this.bus.listen((event) => {
      if (event.deleted) return jobs.forget(event.job.job_id);
      jobs.push(event.job, event.user_id);
      if (event.job.batch_id) batches.push(event.job, event.user_id);
    });
  }

  onApplicationShutdown(): void {
    this.stopListening?.();
    this.jobUpdates?.close();
    this.batchUpdates?.close();
  }

  handleConnection(socket: Socket): void {
    const state = socket.data as SocketState;
    void socket.join(userRoom(state.user.userId));
    // A socket lives no longer than the token that opened it.
    const exp = typeof state.user.claims.exp === 'number' ? state.user.claims.exp * 1000 : null;
    if (exp !== null) {
      state.cancelExpiry = callAt(exp, () => {
        socket.emit('session.expired', { error_code: 'UNAUTHORIZED', message: 'token expired' } satisfies SessionExpired);
        socket.disconnect(true);
      });
    }
  }

  handleDisconnect(socket: Socket): void {
    const state = socket.data as Partial<SocketState>;
    state.cancelExpiry?.();
    state.release?.();
  }

  @SubscribeMessage('job.status')
  async jobStatus(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<JobStatusAck> {
    const jobId = (body as { job_id?: unknown } | null)?.job_id;
    if (typeof jobId !== 'string' || !UUID.test(jobId)) return { error: { error_code: 'NOT_FOUND', message: 'Job not found' } };
    try {
      return await this.videos.status((socket.data as SocketState).user, jobId);
    } catch (err) {
      if (err instanceof AppException) return { error: { error_code: err.errorCode, message: err.message } };
      this.logger.error({ err }, 'job.status failed');
      return { error: { error_code: 'INTERNAL_ERROR', message: 'An unexpected error occurred' } };
    }
  }

  /**
   * Deprecated alias of `job.status`, answered the same way until 0.2.0. The name promised a subscription, but a
   * socket already receives every job of its user from the handshake on: nothing is subscribed.
   */
  @SubscribeMessage('subscribe')
  subscribe(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<JobStatusAck> {
    return this.jobStatus(socket, body);
  }

  private emitBatch(namespace: Namespace, batchId: string, userId: string): void {
    const previous = this.batchChains.get(batchId) ?? Promise.resolve();
    const next = previous
      .then(() => this.batches.summary(batchId))
      .then((found) => {
        if (found) namespace.to(userRoom(userId)).emit('batch.update', found.summary);
        // A finished (or deleted) batch sends nothing more: drop its slot rather than keep it forever.
        if (!found || found.summary.completed_at !== null) this.batchUpdates?.forget(batchId);
      })
      .catch((err: Error) => this.logger.warn(`batch.update for ${batchId}: ${err.message}`))
      .finally(() => {
        if (this.batchChains.get(batchId) === next) this.batchChains.delete(batchId);
      });
    this.batchChains.set(batchId, next);
  }

  private async authenticate(socket: Socket): Promise<void> {
    const auth = socket.handshake.auth as { token?: unknown };
    const header = socket.handshake.headers.authorization;
    const token = typeof auth?.token === 'string' ? auth.token : header?.replace(/^Bearer\s+/i, '');
    if (!token) throw new Error('missing token');
    (socket.data as SocketState).user = await this.tokens.verify(token);
  }
}
