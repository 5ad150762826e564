import { callAt } from './call-at';

describe('callAt', () => {
  beforeEach(() => jest.useFakeTimers({ now: Date.parse('2026-12-01T00:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  const DAY = 24 * 3600 * 1000;

  it('calls at a moment further away than one timer can wait, not before', () => {
    const fn = jest.fn();
    callAt(Date.now() + 30 * DAY, fn);
    jest.advanceTimersByTime(30 * DAY - 1);
    expect(fn).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('calls a moment already past at once, and not after being cancelled', () => {
    const past = jest.fn();
    callAt(Date.now() - 1000, past);
    jest.advanceTimersByTime(0);
    expect(past).toHaveBeenCalledTimes(1);

    const cancelled = jest.fn();
    const cancel = callAt(Date.now() + 40 * DAY, cancelled);
    jest.advanceTimersByTime(25 * DAY); // past the first re-arm
    cancel();
    jest.advanceTimersByTime(20 * DAY);
    expect(cancelled).not.toHaveBeenCalled();
  });
});
