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
    jest.useFakeTimers();
    now = 0;
    sent = [];
    coalescer = new ProgressCoalescer<JobUpdate>(250, (u) => ({ key: u.job_id, status: u.status, terminal: ['completed', 'failed', 'cancelled'].includes(u.status) }), (u, audience) => sent.push([`${audience}/${u.job_id}`, u.status, u.progress]), () => now);
  });
  afterEach(() => {
    coalescer.close();
    jest.useRealTimers();
  });

  const at = (ms: number) => {
    jest.advanceTimersByTime(ms - now);
    now = ms;
  };

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

  test('progress after a quiet interval goes out immediately', () => {
    coalescer.push(update('processing', 1), 'room');
    at(400);
    coalescer.push(update('processing', 2), 'room');
    expect(sent.map((s) => s[2])).toEqual([1, 2]);
  });
});
