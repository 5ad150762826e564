import { AppException } from '../common/error-codes';
import { AppConfig } from '../config/app-config';
import { validateEnvironment } from '../config/environment';
import { DecodeSlots } from './decode-slots';

const slots = (concurrency: number, queue: number) =>
  new DecodeSlots(new AppConfig(validateEnvironment({ UPLOAD_DECODE_CONCURRENCY: String(concurrency), UPLOAD_DECODE_QUEUE: String(queue) })));

/** A unit of work that runs until the test lets it finish. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, work: () => opened };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('DecodeSlots', () => {
  test('runs at most `concurrency` at once; the rest wait and run in arrival order', async () => {
    const limiter = slots(2, 10);
    const gates = [gate(), gate(), gate(), gate()];
    const started: number[] = [];
    const runs = gates.map((g, i) =>
      limiter.run(() => {
        started.push(i);
        return g.work();
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect(limiter.load).toEqual({ running: 2, waiting: 2 });

    gates[1].open();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    gates[0].open();
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    gates[2].open();
    gates[3].open();
    await Promise.all(runs);
    expect(limiter.load).toEqual({ running: 0, waiting: 0 });
  });

  test('past the queue bound: SERVICE_UNAVAILABLE with Retry-After, and the slots stay usable', async () => {
    const limiter = slots(1, 1);
    const first = gate();
    const running = limiter.run(first.work);
    const queued = limiter.run(async () => 'queued ran');
    const refused = limiter.run(async () => 'never');
    await expect(refused).rejects.toBeInstanceOf(AppException);
    await expect(refused).rejects.toMatchObject({ errorCode: 'SERVICE_UNAVAILABLE', headers: { 'Retry-After': '5' } });
    first.open();
    await running;
    await expect(queued).resolves.toBe('queued ran');
    await expect(limiter.run(async () => 'later')).resolves.toBe('later');
  });

  test('a failing decode gives its slot back', async () => {
    const limiter = slots(1, 0);
    await expect(limiter.run(() => Promise.reject(new Error('bad file')))).rejects.toThrow('bad file');
    expect(limiter.load).toEqual({ running: 0, waiting: 0 });
    await expect(limiter.run(async () => 42)).resolves.toBe(42);
  });
});
