/** What the coalescer needs to know of an update: whose it is, and its status. */
export interface UpdateIdentity {
  key: string;
  status: string;
  terminal: boolean;
}

interface Slot<T> {
  audience: string;
  lastSentAt: number;
  lastStatus: string;
  pending?: T;
  timer?: NodeJS.Timeout;
}

/**
 * Thins progress-only updates to at most one per key (job or batch) per interval (the latest wins, sent at the
 * end of the interval), while a status change goes out at once. Input arrives in commit order and output
 * keeps it: a pending progress update older than a status change is dropped, never sent after it.
 * `audience` travels with the update untouched (the room it goes to).
 */
export class ProgressCoalescer<T> {
  private readonly slots = new Map<string, Slot<T>>();

  constructor(
    private readonly intervalMs: number,
    private readonly identify: (update: T) => UpdateIdentity,
    private readonly emit: (update: T, audience: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  push(update: T, audience: string): void {
    const { key, status } = this.identify(update);
    const slot = this.slots.get(key);
    const now = this.now();
    if (!slot || slot.lastStatus !== status) {
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

  /** Forgets a key (its subject was deleted), dropping anything pending. */
  forget(key: string): void {
    const slot = this.slots.get(key);
    if (slot?.timer) clearTimeout(slot.timer);
    this.slots.delete(key);
  }

  close(): void {
    for (const key of [...this.slots.keys()]) this.forget(key);
  }

  private send(update: T, audience: string, now: number): void {
    const { key, status, terminal } = this.identify(update);
    if (terminal) this.slots.delete(key);
    else this.slots.set(key, { audience, lastSentAt: now, lastStatus: status });
    this.emit(update, audience);
  }
}
