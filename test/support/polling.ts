/**
 * How long a test waiting on a job waits before asking again. Polls count against the caller's rate limit like
 * any request, and a 429 in the middle of a wait costs the rest of the window (up to a minute). So the pace
 * follows what the window has left (X-RateLimit-Remaining, X-RateLimit-Reset in seconds): twice as fast as an
 * even spread, which slows down as the budget shrinks and never spends all of it, and never faster than `minMs`.
 * After a 429 it waits what Retry-After says.
 */
export function pollDelayMs(status: number, header: (name: string) => string | null | undefined, minMs: number): number {
  if (status === 429) return Number(header('retry-after') ?? 1) * 1000;
  const remaining = header('x-ratelimit-remaining');
  const reset = header('x-ratelimit-reset');
  if (remaining == null || reset == null) return minMs;
  return Math.max(minMs, (Number(reset) * 1000) / (2 * (Number(remaining) + 1)));
}
