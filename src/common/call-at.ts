/** The longest delay a Node timer holds: a longer one fires after 1 ms instead (with a TimeoutOverflowWarning). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Calls `fn` at the epoch milliseconds `at`, however far away (a token may live longer than 24.8 days), by
 * re-arming an unref'd timer in steps it can hold. Returns what cancels the call.
 */
export function callAt(at: number, fn: () => void): () => void {
  let timer: NodeJS.Timeout;
  const arm = (): void => {
    const left = at - Date.now();
    timer = setTimeout(left > MAX_TIMER_MS ? arm : fn, Math.max(0, Math.min(left, MAX_TIMER_MS)));
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}
