import type { JobUpdate } from '../jobs/job-events';

/** `audience` travels with the update untouched (e.g. the room it goes to). */
type Emit = (update: JobUpdate, audience: string) => void;

interface JobSlot {
  audience: string;
  lastSentAt: number;
  lastStatus: string;
  pending?: JobUpdate;
  timer?: NodeJS.Timeout;
}

/**
 * Thins progress-only updates to at most one per job per interval (the latest wins, sent at the end of the
 * interval), while a status change goes out at once. Input arrives in commit order and output keeps it:
 * a pending progress update older than a status change is dropped, never sent after it.
 */
export class ProgressCoalescer {
  private readonly slots = new Map<string, JobSlot>();

  constructor(
    private readonly intervalMs: number,
    private readonly emit: Emit,
    private readonly now: () => number = Date.now,
  ) {}

  push(update: JobUpdate, audience: string): void {
    const slot = this.slots.get(update.job_id);
    const now = this.now();
    if (!slot || slot.lastStatus !== update.status) {
      if (slot?.timer) clearTimeout(slot.timer);
      this.send(update, audience, now);
      return;
    }
    if (now - slot.lastSentAt >= this.intervalMs && !slot.timer) {
      this.send(update, audience, now);
      return;
    }
    slot.pending = update;
    slot.timer ??= setTimeout(() => {
      slot.timer = undefined;
      const pending = slot.pending;
      if (pending) this.send(pending, slot.audience, this.now());
    }, Math.max(0, slot.lastSentAt + this.intervalMs - now));
  }

  /** Forgets a job (it ended or was deleted) once its last update is out. */
  forget(jobId: string): void {
    const slot = this.slots.get(jobId);
    if (slot?.timer) clearTimeout(slot.timer);
    this.slots.delete(jobId);
  }

  close(): void {
    for (const jobId of [...this.slots.keys()]) this.forget(jobId);
  }

  private send(update: JobUpdate, audience: string, now: number): void {
    const terminal = update.status === 'completed' || update.status === 'failed' || update.status === 'cancelled';
    if (terminal) this.slots.delete(update.job_id);
    else this.slots.set(update.job_id, { audience, lastSentAt: now, lastStatus: update.status });
    this.emit(update, audience);
  }
}
