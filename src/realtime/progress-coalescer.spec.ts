import type { JobUpdate } from '../jobs/job-events';
import { ProgressCoalescer } from './progress-coalescer';

const update = (status: JobUpdate['status'], progress: number, job_id = 'j1'): JobUpdate => ({
  job_id,
  status,
  progress,
  current_stage: 'render',
  error_message: null,
  updated_at: new Date().toISOString(),
  batch_id: null,
});

describe('ProgressCoalescer', () => {
  let now = 0;
  let sent: Array<[string, string, number]>;
  let coalescer: ProgressCoalescer<JobUpdate>;

  beforeEach(() => {
    jest.useFakeTimers({ now: 0 }); // Date.now follows the fake clock, also inside the timers it fires
    now = 0;
    sent = [];
    coalescer = new ProgressCoalescer<JobUpdate>(250, (u) => ({ key: u.job_id, status: u.status, terminal: ['completed', 'failed', 'cancelled'].includes(u.status) }), (u, audience) => sent.push([`${audience}/${u.job_id}`, u.status, u.progress]), () => Date.now());
  });
  afterEach(() => {
    coalescer.close();
    jest.useRealTimers();
  });

  const at = (ms: number) => {
    jest.advanceTimersByTime(ms - now);
    now = ms;
  };

  test('keeps nothing for a key an interval after its last update (its end may never reach this process)', () => {
    for (let k = 0; k < 1000; k++) coalescer.push(update('processing', 10, `j${k}`), 'room');
    coalescer.push(update('processing', 20, 'j0'), 'room'); // waits for the end of j0's interval
    expect(coalescer.size).toBe(1000);
    at(10_000);
    expect(coalescer.size).toBe(0);
    expect(sent.filter(([key]) => key === 'room/j0')).toEqual([
      ['room/j0', 'processing', 10],
      ['room/j0', 'processing', 20],
    ]);
    // A key seen again after that is thinned as before.
    coalescer.push(update('processing', 30, 'j0'), 'room');
    coalescer.push(update('processing', 40, 'j0'), 'room');
    at(10_100);
    expect(sent.filter(([key]) => key === 'room/j0').map(([, , p]) => p)).toEqual([10, 20, 30]);
    at(10_250);
    expect(sent.filter(([key]) => key === 'room/j0').map(([, , p]) => p)).toEqual([10, 20, 30, 40]);
  });

  test('a burst of progress becomes at most one update per interval, the latest one', () => {
    coalescer.push(update('processing', 0), 'room');
    for (let p = 1; p <= 20; p++) {
      at(p * 10);
      coalescer.push(update('processing', p), 'room');
    }
    at(250);
    expect(sent).toEqual([
      ['room/j1', 'processing', 0],
      ['room/j1', 'processing', 20],
    ]);
  });

  test('status changes go out at once and a stale progress update is never sent after them', () => {
    coalescer.push(update('processing', 10), 'room');
    at(50);
    coalescer.push(update('processing', 60), 'room');
    at(60);
    coalescer.push(update('completed', 100), 'room');
    at(1000);
    expect(sent).toEqual([
      ['room/j1', 'processing', 10],
      ['room/j1', 'completed', 100],
    ]);
  });

  test('jobs are coalesced independently', () => {
    coalescer.push(update('processing', 1, 'a'), 'room');
    coalescer.push(update('processing', 1, 'b'), 'room');
    at(10);
    coalescer.push(update('processing', 2, 'a'), 'room');
    at(300);
    expect(sent).toEqual([
      ['room/a', 'processing', 1],
      ['room/b', 'processing', 1],
      ['room/a', 'processing', 2],
    ]);
  });

  test('the interval also runs from commit to commit: an update that arrived late holds back none after it', () => {
    const epoch = Date.parse('2026-01-01T00:00:00.000Z');
    const committed = (progress: number, ms: number): JobUpdate => ({ ...update('processing', progress), updated_at: new Date(epoch + ms).toISOString() });
    const byCommit = new ProgressCoalescer<JobUpdate>(
      250,
      (u) => ({ key: u.job_id, status: u.status, terminal: false, committedAt: Date.parse(u.updated_at) }),
      (u) => sent.push([u.job_id, u.status, u.progress]),
      () => now,
    );
    at(200);
    byCommit.push(committed(1, 0), 'room'); // committed at 0, arrived 200 ms late
    at(300);
    byCommit.push(committed(2, 300), 'room'); // committed 300 ms after it: out at once, though sent 100 ms after it
    at(310);
    byCommit.push(committed(3, 310), 'room'); // a burst is still thinned: held until 250 ms after the last
    at(549);
    expect(sent.map((s) => s[2])).toEqual([1, 2]);
    at(550);
    expect(sent.map((s) => s[2])).toEqual([1, 2, 3]);
    byCommit.close();
  });

  test('progress after a quiet interval goes out immediately', () => {
    coalescer.push(update('processing', 1), 'room');
    at(400);
    coalescer.push(update('processing', 2), 'room');
    expect(sent.map((s) => s[2])).toEqual([1, 2]);
  });
});
