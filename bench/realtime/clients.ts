/**
 * The bench's client side, in its own process (as real clients would be): opens the sockets, records when
 * each `job.update` arrives (epoch milliseconds, comparable across processes on this machine), and sends
 * the receipts to the parent when asked.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { io, Socket } from 'socket.io-client';

interface Start {
  url: string;
  tokens: string[];
  sockets: number;
}

const epochNow = () => performance.timeOrigin + performance.now();
const receipts: Array<[string, number, number]> = [];
const sockets: Socket[] = [];
/** How long this process's own loop was late while receiving: a stall here delays receipts, not deliveries. */
const loopDelay = monitorEventLoopDelay({ resolution: 10 });

async function connect({ url, tokens, sockets: count }: Start): Promise<void> {
  for (let i = 0; i < count; i += 50) {
    const batch = Array.from({ length: Math.min(50, count - i) }, (_, k) => {
      const socket = io(`${url}/jobs`, { auth: { token: tokens[(i + k) % tokens.length] }, transports: ['websocket'], reconnection: false, forceNew: true });
      socket.on('job.update', (u: { job_id: string; progress: number }) => receipts.push([u.job_id, u.progress, epochNow()]));
      return new Promise<Socket>((resolve, reject) => {
        socket.once('connect', () => resolve(socket));
        socket.once('connect_error', reject);
      });
    });
    sockets.push(...(await Promise.all(batch)));
  }
}

process.on('message', (message: { type: 'start'; start: Start } | { type: 'collect' }) => {
  if (message.type === 'start') {
    connect(message.start).then(
      () => {
        loopDelay.enable();
        process.send?.({ type: 'connected' });
      },
      (err: Error) => process.send?.({ type: 'error', message: err.message }),
    );
  } else {
    sockets.forEach((s) => s.close());
    process.send?.({ type: 'receipts', receipts, loopDelayMaxMs: loopDelay.max / 1e6 }, () => process.exit(0));
  }
});
