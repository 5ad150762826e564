/** What the coalescer needs to know of an update: whose it is, and its status. */
export interface UpdateIdentity {
  key: string;
  status: string;
  terminal: boolean;
  /** When the update was committed (epoch ms), for keys whose updates all come from one writer's clock. */
  committedAt?: number;
}

interface Slot<T> {
  audience: string;
  lastSentAt: number;
  lastCommittedAt?: number;
  lastStatus: string;
  pending?: T;
  timer?: NodeJS.Timeout;
}

/**
 * Thins progress-only updates to at most one per key (job or batch) per interval (the latest wins, sent at the
 * end of the interval), while a status change goes out at once. Input arrives in commit order and output
 * keeps it: a pending progress update older than a status change is dropped, never sent after it.
 * `audience` travels with the update untouched (the room it goes to).
 * The interval runs from the last update's sending and, when updates carry it, from its commit, whichever is
 * longer: an update that reached this process late (a busy moment on its way) does not hold back the next one,
 * committed a whole interval after it.
 * A key is kept only while it matters: once an interval has passed since its last update with nothing waiting,
 * the next one would go out at once with or without it, so a periodic sweep drops it: a job's or batch's last
 * update may never reach this process (published while it was reconnecting to Redis), and a job may wait for long.
 */
export class ProgressCoalescer<T> {
  private readonly slots = new Map<string, Slot<T>>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly intervalMs: number,
    private readonly identify: (update: T) => UpdateIdentity,
    private readonly emit: (update: T, audience: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(1000, 8 * intervalMs)).unref();
  }

  push(update: T, audience: string): void {
    const { key, status, committedAt } = this.identify(update);
    const slot = this.slots.get(key);
    const now = this.now();
    if (!slot || slot.lastStatus !== status) {
      if (slot?.timer) clearTimeout(slot.timer);
      this.send(update, audience, now);
      return;
    }
    const committedGap = committedAt !== undefined && slot.lastCommittedAt !== undefined ? committedAt - slot.lastCommittedAt : NaN;
    const since = Number.isFinite(committedGap) ? Math.max(now - slot.lastSentAt, committedGap) : now - slot.lastSentAt;
    if (since >= this.intervalMs && !slot.timer) {
      this.send(update, audience, now);
      return;
    }
    slot.pending = update;
    slot.timer ??= setTimeout(() => {
      slot.timer = undefined;
      const pending = slot.pending;
      if (pending) this.send(pending, slot.audience, this.now());
    }, Math.max(0, this.intervalMs - since));
  }

  /** Keys tracked: each has an update waiting, or sent one less than an interval ago. */
  get size(): number {
    return this.slots.size;
  }

  /** Forgets a key (its subject was deleted), dropping anything pending. */
  forget(key: string): void {
    const slot = this.slots.get(key);
    if (slot?.timer) clearTimeout(slot.timer);
    this.slots.delete(key);
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const key of [...this.slots.keys()]) this.forget(key);
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, slot] of this.slots) {
      if (!slot.timer && now - slot.lastSentAt >= this.intervalMs) this.slots.delete(key);
    }
  }

  private send(update: T, audience: string, now: number): void {
    const { key, status, terminal, committedAt } = this.identify(update);
    if (terminal) this.slots.delete(key);
    else this.slots.set(key, { audience, lastSentAt: now, lastCommittedAt: committedAt, lastStatus: status });
    this.emit(update, audience);
  }
}
