import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuthUser } from '../auth/auth-user';
import { AppException } from '../common/error-codes';
import { AppConfig } from '../config/app-config';
import { JobEventBus } from '../events/job-event-bus';
import { isAfterEventId, JobUpdate, StoredJobEvent } from '../jobs/job-events';
import { TERMINAL_STATUSES } from '../jobs/job.model';
import { JobStore } from '../jobs/job.store';
import { JobsService } from '../jobs/jobs.service';
import { ConnectionLimit } from './connection-limit';

const EVENT_ID = /^\d{1,20}-\d{1,20}$/;

/**
 * Server-Sent Events for one job. Live events come from the bus; the job's Redis stream fills the gap on
 * (re)connection, so with Last-Event-ID nothing is missed or repeated. Ends after the terminal event, and at
 * shutdown: an open stream would hold the HTTP server's close (and the process) until the shutdown deadline,
 * while its client resumes on another instance from where it was. A stream skips the request rate limit (one
 * request lives long), so each user may hold at most MAX_EVENT_STREAMS_PER_USER open here at once.
 */
@Injectable()
export class JobEventStream implements BeforeApplicationShutdown {
  private readonly open = new Set<() => void>();
  private readonly limit: ConnectionLimit;

  constructor(
    private readonly jobs: JobsService,
    private readonly store: JobStore,
    private readonly bus: JobEventBus,
    private readonly config: AppConfig,
  ) {
    this.limit = new ConnectionLimit(config.maxEventStreamsPerUser);
  }

  async stream(user: AuthUser, jobId: string, lastEventId: string | undefined, req: Request, res: Response): Promise<void> {
    const job = await this.jobs.requireJob(user, jobId);
    let lastSent = lastEventId && EVENT_ID.test(lastEventId) ? lastEventId : '0';
    // Resumed after the terminal event: nothing is left to send. 204 rather than an empty stream, because an
    // EventSource reconnects to a 200 that closes, forever; it stops on a 204. The store writes a job's status and
    // its event together, so a job already terminal when looked up has no event still to come.
    const missed = lastSent !== '0' && TERMINAL_STATUSES.has(job.status) ? await this.store.eventsAfter(jobId, lastSent) : null;
    if (missed?.length === 0) {
      res.status(204).end();
      return;
    }
    const release = this.admit(user.userId);
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no', // nginx: do not buffer the stream
    });
    res.flushHeaders();
    res.write(`retry: 3000\n\n`);

    let closed = false;
    const live: StoredJobEvent[] = [];
    let replaying = true;
    const close = () => {
      if (closed) return;
      closed = true;
      this.open.delete(close);
      release();
      stopListening();
      clearInterval(heartbeat);
      res.end();
    };
    this.open.add(close);
    const send = (event: StoredJobEvent): void => {
      if (closed) return;
      // Replay and live may overlap: each event once.
      if (isAfterEventId(event.event_id, lastSent)) {
        lastSent = event.event_id;
        res.write(`id: ${event.event_id}\nevent: job.update\ndata: ${JSON.stringify(event.job)}\n\n`);
      }
      // The terminal event ends the stream even when the client claims to have it already.
      if (TERMINAL_STATUSES.has(event.job.status)) close();
    };
    // Listen before reading the stream, so an event committed in between is buffered, not lost.
    const stopListening = this.bus.listen((event) => {
      if (event.job.job_id !== jobId) return;
      if (event.deleted) {
        res.write(`event: job.deleted\ndata: ${JSON.stringify({ job_id: jobId })}\n\n`);
        return close();
      }
      const stored = { event_id: event.event_id, job: event.job };
      if (replaying) live.push(stored);
      else send(stored);
    });
    const heartbeat = setInterval(() => res.write(`: heartbeat ${new Date().toISOString()}\n\n`), this.config.sseHeartbeatMs);
    req.on('close', close);

    try {
      if (lastSent === '0') {
        // A fresh subscriber starts from the job as it is now, under its latest event id.
        send((await this.store.latestEvent(jobId)) ?? { event_id: '0-1', job: currentView(job) });
      } else {
        for (const event of missed ?? (await this.store.eventsAfter(jobId, lastSent))) send(event);
      }
    } finally {
      replaying = false;
      for (const event of live.splice(0)) send(event);
    }
    // A job terminal when looked up has nothing more to come (see above).
    if (TERMINAL_STATUSES.has(job.status)) close();
  }

  /** Takes one of the user's places for an open stream (synchronously: no two requests take the last one); the function returned gives it back, once. */
  private admit(userId: string): () => void {
    const release = this.limit.take(userId);
    if (release) return release;
    const max = this.limit.max;
    throw new AppException(
      'RATE_LIMIT_EXCEEDED',
      `At most ${max} event streams may be open at once; close one, or watch many jobs over one Socket.IO connection`,
      { max_event_streams: max },
      { 'Retry-After': '30' },
    );
  }

  /** Runs before the HTTP server closes, which waits for every open connection. */
  beforeApplicationShutdown(): void {
    for (const close of [...this.open]) close();
  }
}

function currentView(job: Awaited<ReturnType<JobsService['requireJob']>>): JobUpdate {
  return {
    job_id: job.id,
    status: job.status,
    progress: job.progress,
    current_stage: job.currentStage,
    error_message: job.errorMessage,
    updated_at: job.updatedAt,
    batch_id: job.batchId,
  };
}
