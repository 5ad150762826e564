#!/usr/bin/env node
/**
 * `vgs`: the video-job-service from a terminal, built on the SDK (clients/typescript). Results go to stdout, progress
 * to stderr; every failure is one line on stderr and a non-zero exit.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
// Not the SDK's index: that also loads the Socket.IO helper, and socket.io-client is no runtime dependency of the
// service's image, where `vgs` runs too.
import { createVgsClient, notThisService, VgsApiError } from '../typescript/src/client';
import type { Client } from '../typescript/src/gen/client';
import { cancelJob, deleteJob, generateVideo, getJob, getJobLogs, listJobs } from '../typescript/src/gen/sdk.gen';
import type { ListJobsData, VideoGenerationRequestDto } from '../typescript/src/gen/types.gen';
import { isTerminal, jobEvents, type JobState } from '../typescript/src/sse';
import { downloadJobVideo } from './download';
import { errorLine, formatBytes, jobProgress, table, truncate } from './output';

/** Exit codes of `watch` (and `submit --wait`) besides 0 (completed) and 1 (an error). */
const EXIT_FAILED = 2;
const EXIT_CANCELLED = 3;

const QUALITIES = ['low', 'medium', 'high', 'ultra'];
const PRIORITIES = ['low', 'normal', 'high'];
const STATUSES = ['queued', 'processing', 'completed', 'failed', 'cancelled'];
const LIST_LIMIT = 20;

interface ListOptions {
  status?: string;
  batch?: string;
  createdAfter?: string;
  createdBefore?: string;
  oldestFirst?: boolean;
  limit: number;
  page?: number;
  cursor?: string;
  json?: boolean;
}

interface GlobalOptions {
  url: string;
  token?: string;
  apiKey?: string;
}

const program = new Command('vgs')
  .description('Submit, watch and download video jobs of a video-job-service.')
  .addOption(new Option('--url <url>', 'the service base URL').env('VGS_URL').default('http://localhost:3000'))
  .addOption(new Option('--token <token>', 'a Clerk session token (or `npm run token` in development)').env('VGS_TOKEN'))
  .addOption(new Option('--api-key <key>', 'an API key (X-API-Key) instead of a token').env('VGS_API_KEY'))
  // Usage errors too are one line, in the same form as the service's errors.
  .configureOutput({ outputError: (message, write) => write(`vgs: ${message.replace(/^error: /, '')}`) });

function client(): Client {
  const { url, token, apiKey } = program.opts<GlobalOptions>();
  if (!token && !apiKey) throw new Error('no credentials: set VGS_TOKEN or VGS_API_KEY (or pass --token or --api-key)');
  return createVgsClient({ baseUrl: url, token, apiKey });
}

/** A flag value, or the contents of the file it names as `@path`: UTF-8 text, with or without a byte order mark. */
function textOrFile(value: string): string {
  if (!value.startsWith('@')) return value;
  const path = value.slice(1);
  const bytes = readFileSync(path);
  try {
    // fatal: other encodings are refused instead of read as U+FFFD; the decoder drops a leading byte order mark.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InvalidArgumentError(`${path} is not UTF-8 text`);
  }
}

function jsonObject(value: string): Record<string, unknown> {
  const text = textOrFile(value);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`not JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidArgumentError('must be a JSON object');
  return parsed as Record<string, unknown>;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
}

program
  .command('submit')
  .description('Submit a video request and print the job id. Flags override the fields of --file.')
  .option('--file <path>', 'a JSON request body (VideoGenerationRequest)', (path: string) => jsonObject(`@${path}`))
  .option('--topic <text>', 'what the video is about (1–500 characters)')
  .option('--context <text>', 'the material to explain (1–2000 characters); @path reads a file', textOrFile)
  .option('--model <name>', 'the model that plans the scenes')
  .addOption(new Option('--quality <quality>', 'resolution').choices(QUALITIES))
  .option('--use-rag', 'ground the plan in your uploaded documents')
  .option('--custom-config <json>', 'custom_config as a JSON object; @path reads a file', jsonObject)
  .addOption(new Option('--priority <priority>', 'queue priority (high: admins and API keys with jobs:priority)').choices(PRIORITIES))
  .option('--webhook-url <url>', 'https URL that receives the job’s terminal event')
  .option('--configuration-id <id>', 'a saved configuration whose settings apply first')
  .option('--idempotency-key <key>', 'the same key returns the first job instead of creating another')
  .option('--wait', 'then watch the job until it ends (exit code as `vgs watch`)')
  .action(async (opts: Record<string, unknown>) => {
    const fields: Array<keyof VideoGenerationRequestDto> = ['topic', 'context', 'model', 'quality', 'custom_config', 'priority', 'webhook_url', 'configuration_id'];
    const body: Record<string, unknown> = { ...(opts.file as Record<string, unknown> | undefined) };
    for (const field of fields) {
      const value = opts[camel(field)];
      if (value !== undefined) body[field] = value;
    }
    if (opts.useRag) body.use_rag = true;
    const api = client();
    const { data: job } = await generateVideo({
      client: api,
      body: body as VideoGenerationRequestDto,
      headers: opts.idempotencyKey ? { 'Idempotency-Key': opts.idempotencyKey as string } : undefined,
      throwOnError: true,
    });
    process.stdout.write(`${job.job_id}\n`);
    if (opts.wait) process.exitCode = await watch(api, job.job_id);
  });

program
  .command('watch')
  .description(`Show a job's progress and stage live until it ends. Exit code: 0 completed, ${EXIT_FAILED} failed, ${EXIT_CANCELLED} cancelled.`)
  .argument('<job>', 'job id')
  .action(async (jobId: string) => {
    process.exitCode = await watch(client(), jobId);
  });

program
  .command('download')
  .description('Download a completed job’s video (resumes its own partial download; checked against its SHA-256).')
  .argument('<job>', 'job id')
  .option('-o, --output <file>', 'where to write it (default: the service’s file name)')
  .option('--restart', 'ignore a partial download of this video and start from the beginning')
  .option('--force', 'replace an existing file that is not this video')
  .action(async (jobId: string, opts: { output?: string; restart?: boolean; force?: boolean }) => {
    const result = await downloadJobVideo(client(), jobId, opts);
    const how = result.resumedFrom === result.size ? ', already complete' : result.resumedFrom > 0 ? `, resumed at ${formatBytes(result.resumedFrom)}` : '';
    process.stdout.write(`${result.path} (${formatBytes(result.size)}${how}, sha256 verified)\n`);
  });

program
  .command('list')
  .description('List your jobs, newest first.')
  .addOption(new Option('--status <status>', 'only jobs in this status').choices(STATUSES))
  .option('--batch <id>', 'only jobs of this batch')
  .option('--created-after <time>', 'only jobs created at or after this ISO 8601 time')
  .option('--created-before <time>', 'only jobs created at or before this ISO 8601 time')
  .option('--oldest-first', 'oldest first')
  .option('--limit <n>', 'jobs per page (1–100)', positiveInt, LIST_LIMIT)
  .option('--page <n>', 'page number', positiveInt)
  .option('--cursor <cursor>', 'the page after this cursor (printed under a page that has more)')
  .option('--json', 'print the page as JSON')
  .action(async (opts: ListOptions) => {
    const query: ListJobsData['query'] = {
      status: opts.status as NonNullable<ListJobsData['query']>['status'],
      batch_id: opts.batch,
      created_after: opts.createdAfter,
      created_before: opts.createdBefore,
      sort: opts.oldestFirst ? 'created_at' : '-created_at',
      items_per_page: opts.limit,
      page: opts.page,
      cursor: opts.cursor,
    };
    const { data: page, response } = await listJobs({ client: client(), query, throwOnError: true });
    if (!Array.isArray(page?.data)) throw new Error(notThisService(response.status, response.url, response.headers));
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
      return;
    }
    const rows = page.data.map((job) => [
      job.job_id,
      job.status,
      `${Math.round(job.progress)}%`,
      job.current_stage ?? '-',
      job.created_at.replace(/\.\d+Z$/, 'Z'),
      truncate(job.configuration.topic, 40),
    ]);
    process.stdout.write(`${table(['JOB', 'STATUS', 'PROGRESS', 'STAGE', 'CREATED', 'TOPIC'], rows)}\n`);
    const more = page.next_cursor ? `; more: ${nextPageCommand(opts, page.next_cursor)}` : '';
    process.stdout.write(`${page.data.length} of ${page.total_count} jobs${more}\n`);
  });

program
  .command('cancel')
  .description('Cancel a queued or running job.')
  .argument('<job>', 'job id')
  .action(async (jobId: string) => {
    const { data: job } = await cancelJob({ client: client(), path: { job_id: jobId }, throwOnError: true });
    process.stdout.write(`${job.job_id} ${job.status}\n`);
  });

program
  .command('delete')
  .description('Delete a job with its files and logs (a running one is cancelled first).')
  .argument('<job>', 'job id')
  .action(async (jobId: string) => {
    await deleteJob({ client: client(), path: { job_id: jobId }, throwOnError: true });
    process.stdout.write(`${jobId} deleted\n`);
  });

program
  .command('logs')
  .description('Print a job’s log lines, oldest first.')
  .argument('<job>', 'job id')
  .option('-f, --follow', 'keep printing new lines until the job ends')
  .action(async (jobId: string, opts: { follow?: boolean }) => {
    const api = client();
    // The cursor is the index of the next line: where a page ends, the next read starts.
    let cursor = 0;
    for (;;) {
      const { data: page } = await getJobLogs({ client: api, path: { job_id: jobId }, query: { cursor, limit: 1000 }, throwOnError: true });
      for (const line of page.logs) process.stdout.write(`${line.timestamp} ${line.level.padEnd(5)} ${line.stage ?? '-'}: ${line.message}\n`);
      cursor += page.logs.length;
      if (page.next_cursor !== null) continue;
      if (!opts.follow) return;
      const { data: job } = await getJob({ client: api, path: { job_id: jobId }, throwOnError: true });
      // A job's last lines are written before it turns terminal: one more read after that drains them.
      if (isTerminal(job.status) && page.logs.length === 0) return;
      await new Promise((r) => setTimeout(r, 1000));
    }
  });

/** Follows a job over Server-Sent Events with a progress display; returns the exit code its end deserves. */
async function watch(api: Client, jobId: string): Promise<number> {
  const { data: job } = await getJob({ client: api, path: { job_id: jobId }, throwOnError: true });
  const progress = jobProgress();
  const show = (state: JobState) => progress.update(state.progress, { status: state.status, stage: state.current_stage ?? '-' });
  let last: JobState & { error_code?: string | null } = job;
  show(job);
  try {
    if (!isTerminal(job.status)) {
      for await (const update of jobEvents(api, jobId)) {
        last = update;
        show(update);
      }
    }
  } finally {
    progress.stop();
  }
  // The stream ends with the job's terminal update, which is the outcome: no more requests, which could fail by
  // now (the token expired meanwhile, the service stopped). It also ends when the job is deleted: then this is 404.
  const final = isTerminal(last.status) ? last : (await getJob({ client: api, path: { job_id: jobId }, throwOnError: true })).data;
  if (final.status === 'completed') {
    process.stdout.write(`${jobId} completed\n`);
    return 0;
  }
  if (final.status === 'failed' || final.status === 'cancelled') {
    const why = final.error_message ? `: ${firstAndLastLine(final.error_message)}` : '';
    // An update carries no error code: asked for once, and left out if that read fails.
    const errorCode = final.status === 'failed' && final.error_code === undefined ? (await getJob({ client: api, path: { job_id: jobId } })).data?.error_code : final.error_code;
    const code = errorCode ? ` (${errorCode})` : '';
    process.stderr.write(`vgs: job ${jobId} ${final.status}${why}${code}\n`);
    return final.status === 'failed' ? EXIT_FAILED : EXIT_CANCELLED;
  }
  throw new Error(`the event stream of job ${jobId} ended while it was ${final.status}`);
}

/** A job's error message may carry a tool's output over many lines: its first and last say what happened. */
function firstAndLastLine(message: string): string {
  const all = message.split('\n').map((l) => l.trim()).filter(Boolean);
  return all.length > 2 ? `${all[0]} … ${all.at(-1)}` : all.join(' ');
}

function camel(field: string): string {
  return field.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The command for the page after `cursor` of the same listing: its filters, order and size again. */
function nextPageCommand(opts: ListOptions, cursor: string): string {
  const flags: Array<[string, string | boolean | undefined]> = [
    ['--status', opts.status],
    ['--batch', opts.batch],
    ['--created-after', opts.createdAfter],
    ['--created-before', opts.createdBefore],
    ['--oldest-first', opts.oldestFirst],
    ['--limit', opts.limit === LIST_LIMIT ? undefined : String(opts.limit)],
    ['--cursor', cursor],
  ];
  return ['vgs list', ...flags.flatMap(([flag, value]) => (value === true ? [flag] : value ? [flag, shellWord(value)] : []))].join(' ');
}

/** `value` as one word of a shell command line, quoted only when it has to be. */
function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * A 401 once the token's `exp` has passed, said plainly with what lasts instead: Clerk session tokens live 60 s, less
 * than a render, so a watch or follow outlives them (the service only says "Invalid or expired token").
 */
function expiredTokenLine(err: unknown): string | undefined {
  const { token } = program.opts<GlobalOptions>();
  const exp = token && err instanceof VgsApiError && err.status === 401 ? expiryOf(token) : undefined;
  if (exp === undefined || exp > Date.now()) return undefined;
  const at = new Date(exp).toISOString().replace('.000Z', 'Z');
  return `vgs: the token expired at ${at} (UNAUTHORIZED): Clerk session tokens last 60 s; for a long watch or follow use an API key (--api-key or VGS_API_KEY, see the README's CLI section)`;
}

/** A JWT's `exp` in ms, read without verifying it (only to explain a refusal); undefined when it has none. */
function expiryOf(token: string): number | undefined {
  try {
    const { exp } = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { exp?: unknown };
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`${expiredTokenLine(err) ?? errorLine(err)}\n`);
  process.exitCode = 1;
});
