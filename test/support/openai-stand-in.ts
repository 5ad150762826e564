/**
 * A small real HTTP server that speaks the OpenAI wire format, for tests that drive the real `openai` SDK
 * (or any OpenAI-compatible client) without a network: `POST /v1/chat/completions` (non-streaming) and
 * `POST /v1/audio/speech` (real audio: espeak-ng, converted by ffmpeg when a compressed format is asked for).
 *
 * Each route answers from a queue of scripted replies, then from its fallback once the queue is empty:
 *
 *   const llm = await OpenAIStandIn.start();
 *   llm.chat.push({ plan: { scenes: [...] } }, { status: 500 }, { delayMs: 5000, then: { content: '…' } });
 *   llm.speech.fallback = { hangUp: true };
 *   … new OpenAI({ baseURL: llm.url, apiKey: 'k' }) …
 *   expect(llm.requests[0].body).toMatchObject({ model: 'm' });
 *   await llm.close();
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RecordedRequest {
  method: string;
  /** URL path without the query, e.g. "/v1/chat/completions". */
  path: string;
  headers: IncomingHttpHeaders;
  /** The JSON body, parsed (undefined when empty or not JSON). */
  body: unknown;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** What a route does with one request. */
export type Reply =
  /** chat: an assistant message with this content (usage estimated from word counts unless given). */
  | { content: string; usage?: Usage }
  /** chat: an assistant message whose content is this object as JSON. */
  | { plan: unknown; usage?: Usage }
  /** speech: real audio of the input text in the requested format (the speech route's default). */
  | { speech: true }
  /** Any route: an OpenAI error envelope with this status. */
  | { status: number; message?: string; code?: string }
  /** Any route: the reply `then` after a pause (long enough to outlast a client's timeout, say). */
  | { delayMs: number; then: Reply }
  /** Any route: close the connection without answering. */
  | { hangUp: true };

export type Behaviour = Reply | ((request: RecordedRequest) => Reply);

/** The scripted replies of one route. */
export class Route {
  private readonly queue: Behaviour[] = [];

  constructor(
    /** Used when the queue is empty. */
    public fallback: Behaviour,
  ) {}

  /** Adds replies to give, in order, to the next requests. */
  push(...behaviours: Behaviour[]): this {
    this.queue.push(...behaviours);
    return this;
  }

  /** Forgets the queued replies (the fallback stays). */
  clear(): void {
    this.queue.length = 0;
  }

  next(request: RecordedRequest): Reply {
    const behaviour = this.queue.shift() ?? this.fallback;
    return typeof behaviour === 'function' ? behaviour(request) : behaviour;
  }
}

const AUDIO_TYPES: Record<string, string> = {
  mp3: 'audio/mpeg',
  opus: 'audio/ogg',
  aac: 'audio/aac',
  flac: 'audio/flac',
  wav: 'audio/wav',
  pcm: 'audio/pcm',
};
/** ffmpeg output options per compressed format (OpenAI: opus in Ogg, AAC as ADTS, PCM as 24 kHz s16le). */
const FFMPEG_FORMATS: Record<string, string[]> = {
  mp3: ['-c:a', 'libmp3lame', '-b:a', '64k', '-f', 'mp3'],
  opus: ['-c:a', 'libopus', '-b:a', '32k', '-f', 'ogg'],
  aac: ['-c:a', 'aac', '-b:a', '64k', '-f', 'adts'],
  flac: ['-c:a', 'flac', '-f', 'flac'],
  pcm: ['-ar', '24000', '-ac', '1', '-f', 's16le'],
};
const ESPEAK_WORDS_PER_MINUTE = 175;

export class OpenAIStandIn {
  /** Every request received, in order. */
  readonly requests: RecordedRequest[] = [];
  /** `POST /v1/chat/completions`; with nothing scripted it answers 500, so a missing script is obvious. */
  readonly chat = new Route({ status: 500, message: 'the stand-in has no chat reply scripted' });
  /** `POST /v1/audio/speech`; synthesises the input by default. */
  readonly speech = new Route({ speech: true });

  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<OpenAIStandIn> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const standIn = new OpenAIStandIn(server, (server.address() as AddressInfo).port);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void standIn.handle(req, res));
    return standIn;
  }

  /** Base URL for an OpenAI client, ending in /v1. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  /** Requests to one path, e.g. "/v1/chat/completions". */
  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  /** Stops listening, drops open connections and pending delayed replies. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw: string;
    try {
      raw = await readBody(req);
    } catch {
      return; // the client went away mid-request
    }
    const request: RecordedRequest = {
      method: req.method ?? 'GET',
      path: new URL(req.url ?? '/', 'http://stand-in').pathname,
      headers: req.headers,
      body: parseJson(raw),
    };
    this.requests.push(request);

    let route: Route | undefined;
    if (request.method === 'POST' && request.path === '/v1/chat/completions') route = this.chat;
    if (request.method === 'POST' && request.path === '/v1/audio/speech') route = this.speech;
    try {
      if (!route) await this.reply(res, request, { status: 404, message: `no route ${request.method} ${request.path}` });
      else await this.reply(res, request, route.next(request));
    } catch (error) {
      if (!res.headersSent && !res.destroyed) sendError(res, 500, `stand-in failed: ${String(error)}`);
    }
  }

  private async reply(res: ServerResponse, request: RecordedRequest, reply: Reply): Promise<void> {
    if (res.destroyed) return;
    if ('hangUp' in reply) {
      res.socket?.destroy();
    } else if ('delayMs' in reply) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          resolve();
        }, reply.delayMs);
        this.timers.add(timer);
      });
      await this.reply(res, request, reply.then);
    } else if ('status' in reply) {
      sendError(res, reply.status, reply.message ?? `scripted ${reply.status}`, reply.code);
    } else if ('speech' in reply) {
      const { input, response_format: format = 'mp3', speed = 1 } = speechBody(request.body);
      const audio = await synthesise(input, format, speed);
      res.writeHead(200, { 'content-type': AUDIO_TYPES[format], 'content-length': audio.length });
      res.end(audio);
    } else {
      const content = 'plan' in reply ? JSON.stringify(reply.plan) : reply.content;
      sendJson(res, 200, chatCompletion(request.body, content, reply.usage));
    }
  }
}

function chatCompletion(body: unknown, content: string, usage?: Usage): object {
  const model = isRecord(body) && typeof body.model === 'string' ? body.model : 'stand-in';
  const prompt = isRecord(body) ? wordCount(JSON.stringify(body.messages ?? '')) : 0;
  const completion = wordCount(content);
  return {
    id: `chatcmpl-${Date.now().toString(36)}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: usage ?? { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
  };
}

function speechBody(body: unknown): { input: string; response_format?: string; speed?: number } {
  if (!isRecord(body) || typeof body.input !== 'string') throw new Error('speech body needs an input string');
  const format = body.response_format;
  if (format !== undefined && (typeof format !== 'string' || !(format in AUDIO_TYPES))) {
    throw new Error(`unsupported response_format ${String(format)}`);
  }
  const speed = typeof body.speed === 'number' ? body.speed : undefined;
  return { input: body.input, response_format: format, speed };
}

/**
 * espeak-ng reads the text from stdin (so text starting with "-" is never an option), then ffmpeg converts
 * into a file rather than a pipe, so that headers written at the end (FLAC's duration) are there.
 */
async function synthesise(text: string, format: string, speed: number): Promise<Buffer> {
  const rate = String(Math.round(ESPEAK_WORDS_PER_MINUTE * speed));
  const wav = await run('espeak-ng', ['--stdout', '-s', rate], Buffer.from(text));
  if (format === 'wav') return wav;
  const dir = await mkdtemp(join(tmpdir(), 'openai-stand-in-'));
  try {
    const out = join(dir, `speech.${format}`);
    await run('ffmpeg', ['-v', 'error', '-i', 'pipe:0', ...FFMPEG_FORMATS[format], out], wav);
    return await readFile(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function run(command: string, args: string[], input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`${command} exited ${code}: ${Buffer.concat(err).toString()}`));
    });
    child.stdin.end(input);
  });
}

function sendJson(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, message: string, code?: string): void {
  sendJson(res, status, { error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', param: null, code: code ?? null } });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function wordCount(text: string): number {
  return text.split(/\s+/u).filter(Boolean).length;
}
