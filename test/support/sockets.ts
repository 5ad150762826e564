import { io, Socket } from 'socket.io-client';

/** A real socket.io-client on /jobs that records every job.update it receives. */
export class RecordingSocket {
  readonly updates: Array<Record<string, any>> = [];
  private constructor(readonly socket: Socket) {
    socket.on('job.update', (u: Record<string, any>) => this.updates.push({ ...u, received_at: Date.now() }));
  }

  static connect(baseUrl: string, token: string | undefined): Promise<RecordingSocket> {
    const socket = io(`${baseUrl}/jobs`, { auth: token ? { token } : {}, transports: ['websocket'], reconnection: false, forceNew: true });
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(new RecordingSocket(socket)));
      socket.once('connect_error', (err: Error & { data?: unknown }) => {
        socket.close();
        reject(err);
      });
    });
  }

  for(jobId: string) {
    return this.updates.filter((u) => u.job_id === jobId);
  }

  async waitFor(predicate: (updates: Array<Record<string, any>>) => boolean, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.updates)) {
      if (Date.now() > deadline) throw new Error(`timed out; received ${JSON.stringify(this.updates.slice(-5))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  emitWithAck(event: string, body: unknown): Promise<any> {
    return this.socket.timeout(5000).emitWithAck(event, body);
  }

  close(): void {
    this.socket.close();
  }
}

/** Reads a Server-Sent Events stream until it ends (or `stopAfter` events), with ids and event names. */
export async function readSse(
  url: string,
  headers: Record<string, string>,
  stopAfter = Infinity,
): Promise<{ status: number; events: Array<{ id?: string; event?: string; data?: any }>; comments: string[] }> {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  const events: Array<{ id?: string; event?: string; data?: any }> = [];
  const comments: string[] = [];
  if (!res.ok || !res.body) return { status: res.status, events, comments };
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event: { id?: string; event?: string; data?: any } = {};
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) comments.push(line);
          else if (line.startsWith('id: ')) event.id = line.slice(4);
          else if (line.startsWith('event: ')) event.event = line.slice(7);
          else if (line.startsWith('data: ')) event.data = JSON.parse(line.slice(6));
        }
        if (event.event) events.push(event);
        if (events.length >= stopAfter) {
          controller.abort();
          return { status: res.status, events, comments };
        }
      }
    }
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  }
  return { status: res.status, events, comments };
}
