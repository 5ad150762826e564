/**
 * How many long-lived connections (event streams, sockets) each user holds open on this instance, within a limit:
 * they skip the request rate limit (one request lives long), so without one a single tenant could open them without
 * bound. Counted per process: each instance protects itself.
 */
export class ConnectionLimit {
  private readonly open = new Map<string, number>();

  /** `max` 0: no limit. */
  constructor(readonly max: number) {}

  /** Takes one of the user's places, or none (undefined) when they hold `max`; the function returned gives it back, once. */
  take(userId: string): (() => void) | undefined {
    const held = this.open.get(userId) ?? 0;
    if (this.max > 0 && held >= this.max) return undefined;
    this.open.set(userId, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(userId) ?? 1) - 1;
      if (left > 0) this.open.set(userId, left);
      else this.open.delete(userId);
    };
  }
}
