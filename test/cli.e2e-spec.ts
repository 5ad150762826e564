import { ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCliIfStale } from '../scripts/build-cli';
import { freePort } from './support/redis-server';
import { AZP, startTestApp, TestContext } from './support/test-app';

const ROOT = join(__dirname, '..');
// The built CLI, what the package's `vgs` bin runs (rebuilt first when clients/ changed).
const CLI = [join(ROOT, 'dist', 'clients', 'cli', 'main.js')];
const FIXTURE = join(__dirname, 'fixtures', 'misbehaving-generator.mjs');
const CONTEXT = 'Sunlight scatters off air molecules. Blue light scatters the most, so the sky looks blue.';
const API_KEY = 'vgs-cli-test-key';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command as a real child process (the CLI's environment only: no VGS_* of the machine running the tests);
 * `onOutput` sees its output so far as it grows, with the child (to type into its stdin when `stdin` is 'pipe').
 */
function run(
  command: string,
  args: string[],
  env: Record<string, string>,
  onOutput?: (output: { stdout: string; stderr: string }, child: ChildProcess) => void,
  stdin: 'ignore' | 'pipe' = 'ignore',
): Promise<Run> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VGS_'))) as Record<string, string>;
  const child = spawn(command, args, { cwd: ROOT, env: { ...base, ...env }, stdio: [stdin, 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  child.stdout?.on('data', (c: Buffer) => {
    output.stdout += c.toString();
    onOutput?.(output, child);
  });
  child.stderr?.on('data', (c: Buffer) => {
    output.stderr += c.toString();
    onOutput?.(output, child);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, ...output }));
  });
}

const lines = (text: string) => text.split('\n').filter((l) => l.length > 0);
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

beforeAll(() => buildCliIfStale(), 120_000);

describe('vgs CLI (real child processes against the live service)', () => {
  let ctx: TestContext;
  let token: string;
  let dir: string;
  const vgs = (args: string[], env: Record<string, string> = {}) => run(process.execPath, [...CLI, ...args], { VGS_URL: ctx.url, VGS_TOKEN: token, ...env });
  const job = async (id: string) => (await ctx.http().get(`/api/v1/jobs/${id}`).set('Authorization', `Bearer ${token}`)).body;

  beforeAll(async () => {
    ctx = await startTestApp({
      APP_ROLE: 'all',
      API_KEYS: `cli:${createHash('sha256').update(API_KEY).digest('hex')}:jobs:submit|jobs:read`,
    });
    token = ctx.tokenFor('user_cli');
    dir = mkdtempSync(join(tmpdir(), 'vgs-cli-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await ctx?.close();
  });

  let completedId: string;

  test('submit --wait prints the job id, plain progress lines off a terminal, and exits 0 once completed', async () => {
    const r = await vgs(['submit', '--topic', 'Why the sky is blue', '--context', CONTEXT, '--quality', 'low', '--wait']);
    expect(r.code).toBe(0);
    const [id, done, ...rest] = lines(r.stdout);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(done).toBe(`${id} completed`);
    expect(rest).toEqual([]);
    const progress = lines(r.stderr);
    for (const line of progress) expect(line).toMatch(/^progress \d+% status=(queued|processing|completed) stage=\S+$/);
    expect(progress.some((l) => l.includes('status=processing'))).toBe(true);
    expect(progress.at(-1)).toMatch(/^progress 100% status=completed /);
    const percents = progress.map((l) => Number(/progress (\d+)%/.exec(l)?.[1]));
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(await job(id)).toEqual(expect.objectContaining({ status: 'completed', configuration: expect.objectContaining({ quality: 'low' }) }));
    completedId = id;
  });

  test('download writes the verified file, resumes its own partial download, and never damages another file', async () => {
    const meta = (await ctx.http().get(`/api/v1/videos/jobs/${completedId}/metadata`).set('Authorization', `Bearer ${token}`)).body;
    const out = join(dir, 'sky.mp4');
    // Where an unfinished download of this video waits to be resumed (README, CLI).
    const partial = `${out}.${meta.checksum_sha256.slice(0, 12)}.part`;
    const fresh = await vgs(['download', completedId, '-o', out]);
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toMatch(new RegExp(`^${out} \\(\\d+\\.\\d (KiB|MiB), sha256 verified\\)\\n$`));
    expect(lines(fresh.stderr).at(-1)).toMatch(/^downloaded .+ \(100%\)$/);
    expect(statSync(out).size).toBe(meta.file_size);
    expect(sha256(out)).toBe(meta.checksum_sha256);
    expect(existsSync(partial)).toBe(false);

    // An interrupted download left half the video in its partial file.
    const video = readFileSync(out);
    const half = Math.floor(meta.file_size / 2);
    writeFileSync(partial, video.subarray(0, half));
    rmSync(out);
    const resumed = await vgs(['download', completedId, '-o', out]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(', resumed at ');
    expect(lines(resumed.stderr)[0]).toMatch(/^downloaded .+ \((49|50)%\)$/);
    expect(sha256(out)).toBe(meta.checksum_sha256);
    expect(existsSync(partial)).toBe(false);

    const again = await vgs(['download', completedId, '-o', out]);
    expect(again.stdout).toContain(', already complete, sha256 verified');

    // A file that is not this video (shorter, longer, or the same length) is left as it is, unless --force.
    for (const other of [Buffer.from('my notes\n'), Buffer.alloc(meta.file_size + 10, 1), Buffer.alloc(meta.file_size)]) {
      writeFileSync(out, other);
      const refused = await vgs(['download', completedId, '-o', out]);
      expect(refused.code).toBe(1);
      expect(lines(refused.stderr)).toEqual([`vgs: ${out} exists and is not this video; --force replaces it`]);
      expect(readFileSync(out).equals(other)).toBe(true);
    }
    expect((await vgs(['download', completedId, '-o', out, '--force'])).code).toBe(0);
    expect(sha256(out)).toBe(meta.checksum_sha256);

    // A partial file gone bad: the SHA-256 check says so, and --restart starts it over.
    writeFileSync(partial, Buffer.alloc(half));
    rmSync(out);
    const corrupt = await vgs(['download', completedId, '-o', out]);
    expect(corrupt.code).toBe(1);
    expect(lines(corrupt.stderr).at(-1)).toMatch(/^vgs: .+\.part does not match the video's SHA-256 .+--restart$/);
    expect(existsSync(out)).toBe(false);
    expect((await vgs(['download', completedId, '-o', out, '--restart'])).code).toBe(0);
    expect(sha256(out)).toBe(meta.checksum_sha256);

    // The output path is checked before any transfer: one line, nothing written.
    for (const [target, why] of [
      [dir, `${dir} is a directory; name a file`],
      [join(dir, 'missing', 'x.mp4'), `no such directory: ${join(dir, 'missing')}`],
    ]) {
      const r = await vgs(['download', completedId, '-o', target]);
      expect(r).toEqual({ code: 1, stdout: '', stderr: `vgs: ${why}\n` });
    }
    expect(readdirSync(dir).sort()).toEqual(['sky.mp4']);
  });

  test('logs --follow prints every line of the job; list shows the jobs as a table, filtered, paged', async () => {
    const running = lines((await vgs(['submit', '--topic', 'Why sunsets are red', '--context', CONTEXT, '--quality', 'low'])).stdout)[0];
    const logs = await vgs(['logs', running, '--follow']);
    expect(logs.code).toBe(0);
    expect((await job(running)).status).toBe('completed');
    const served = (await ctx.http().get(`/api/v1/jobs/${running}/logs?limit=1000`).set('Authorization', `Bearer ${token}`)).body.logs;
    expect(served.length).toBeGreaterThan(3);
    expect(lines(logs.stdout)).toEqual(served.map((l: any) => `${l.timestamp} ${l.level.padEnd(5)} ${l.stage ?? '-'}: ${l.message}`));

    const list = await vgs(['list']);
    expect(list.code).toBe(0);
    const [header, ...rows] = lines(list.stdout);
    expect(header).toMatch(/^JOB\s+STATUS\s+PROGRESS\s+STAGE\s+CREATED\s+TOPIC$/);
    expect(rows).toEqual([
      expect.stringMatching(new RegExp(`^${running}\\s+completed\\s+100%\\s+\\S+\\s+\\S+Z\\s+Why sunsets are red$`)),
      expect.stringMatching(new RegExp(`^${completedId}\\s+completed\\s+`)),
      '2 of 2 jobs',
    ]);
    const filtered = JSON.parse((await vgs(['list', '--status', 'completed', '--oldest-first', '--json'])).stdout);
    expect(filtered.data.map((j: any) => j.job_id)).toEqual([completedId, running]);
    // The hint for the next page keeps the filters, order and page size: following it gives that page.
    const paged = await vgs(['list', '--limit', '1', '--oldest-first', '--status', 'completed']);
    expect(lines(paged.stdout)[1]).toMatch(new RegExp(`^${completedId}\\s`));
    const hint = /^1 of 2 jobs; more: vgs (.+)$/.exec(lines(paged.stdout).at(-1) ?? '')?.[1] ?? '';
    expect(hint).toMatch(/^list --status completed --oldest-first --limit 1 --cursor \S+$/);
    const next = await vgs(hint.split(' '));
    expect(lines(next.stdout).slice(1)).toEqual([expect.stringMatching(new RegExp(`^${running}\\s`)), '1 of 2 jobs']);
  });

  test('on a terminal, watch draws a live progress bar with the stage', async () => {
    const id = lines((await vgs(['submit', '--topic', 'Why leaves are green', '--context', CONTEXT, '--quality', 'low'])).stdout)[0];
    // script(1) gives the CLI a pseudo-terminal, as a person's shell would; -e passes its exit code on.
    const command = [process.execPath, ...CLI, 'watch', id].map((a) => `'${a}'`).join(' ');
    const r = await run('script', ['-qefc', command, '/dev/null'], { VGS_URL: ctx.url, VGS_TOKEN: token });
    expect(r.code).toBe(0);
    // Redrawn in place (cursor to column 1) from the state at start to the end; how many frames between depends on speed.
    const frames = r.stdout.split('\x1b[1G').slice(1);
    expect(frames[0]).toMatch(/^[█░]{40} \d+% \| (queued|processing) \| \S+/);
    expect(frames.at(-1)).toMatch(/^█{40} 100% \| completed \| \S+/);
    expect(r.stdout).not.toContain('progress ');
    expect(r.stdout).toContain(`${id} completed`);
  });

  test('failures are one line on stderr with the envelope message and code, and a non-zero exit', async () => {
    const oneLine = async (args: string[], env: Record<string, string>, pattern: RegExp) => {
      const r = await vgs(args, env);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(lines(r.stderr)).toEqual([expect.stringMatching(pattern)]);
    };
    await oneLine(['cancel', completedId], {}, /^vgs: .+ \(JOB_NOT_CANCELLABLE\)$/);
    await oneLine(['watch', '00000000-0000-4000-8000-000000000000'], {}, /^vgs: .+ \(NOT_FOUND\)$/);
    await oneLine(['submit', '--topic', 'no context'], {}, /^vgs: .+ \(VALIDATION_ERROR\): context: .+$/);
    await oneLine(['list'], { VGS_TOKEN: 'not-a-token' }, /^vgs: .+ \(UNAUTHORIZED\)$/);
    await oneLine(['list'], { VGS_TOKEN: '' }, /^vgs: no credentials: set VGS_TOKEN or VGS_API_KEY/);
    await oneLine(['list', '--url', `http://127.0.0.1:${await freePort()}`], {}, /^vgs: cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED$/);
    await oneLine(['submit', '--custom-config', '[1]', '--topic', 't', '--context', 'c'], {}, /^vgs: .*custom-config.* must be a JSON object/);
  });

  test('an API key works instead of a token (--api-key or VGS_API_KEY)', async () => {
    const r = await vgs(['list', '--api-key', API_KEY], { VGS_TOKEN: '' });
    expect(r.code).toBe(0);
    expect(lines(r.stdout).at(-1)).toMatch(/^\d+ of \d+ jobs/);
    expect((await vgs(['list'], { VGS_TOKEN: '', VGS_API_KEY: 'wrong' })).stderr).toMatch(/\(UNAUTHORIZED\)/);
  });
});

describe('vgs with queued jobs (an API process with no worker: they stay queued)', () => {
  let ctx: TestContext;
  let env: Record<string, string>;

  beforeAll(async () => {
    ctx = await startTestApp({ APP_ROLE: 'api' });
    env = { VGS_URL: ctx.url, VGS_TOKEN: ctx.tokenFor('user_cli_queued') };
  });
  afterAll(() => ctx?.close());

  test('submit --file with flags over it; watch and logs --follow follow live until cancel ends the job (watch exits 3)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vgs-cli-'));
    try {
      const requestFile = join(dir, 'request.json');
      writeFileSync(requestFile, JSON.stringify({ topic: 'from the file', context: CONTEXT, quality: 'low', custom_config: { aspect_ratio: '1:1' } }));
      const submitted = await run(process.execPath, [...CLI, 'submit', '--file', requestFile, '--topic', 'from a flag', '--priority', 'low'], env);
      expect(submitted).toEqual({ code: 0, stdout: expect.stringMatching(/^[0-9a-f-]{36}\n$/), stderr: '' });
      const id = submitted.stdout.trim();
      const stored = (await ctx.http().get(`/api/v1/jobs/${id}`).set('Authorization', `Bearer ${env.VGS_TOKEN}`)).body;
      expect(stored.configuration).toEqual(expect.objectContaining({ topic: 'from a flag', quality: 'low', custom_config: { aspect_ratio: '1:1' } }));
      expect(stored.priority).toBe('low');

      // Cancelled once the watcher has shown the queued job: it follows the stream to the end either way (a stream
      // opened after the cancellation starts from it).
      let shown!: () => void;
      const queuedShown = new Promise<void>((resolve) => (shown = resolve));
      const watching = run(process.execPath, [...CLI, 'watch', id], env, ({ stderr }) => stderr.includes('status=queued') && shown());
      let followEnded = false;
      const following = run(process.execPath, [...CLI, 'logs', id, '--follow'], env).finally(() => (followEnded = true));
      await queuedShown;
      // Still following while the job waits; it ends only with the cancellation (possibly before `cancel` exits).
      expect(followEnded).toBe(false);
      const cancelled = await run(process.execPath, [...CLI, 'cancel', id], env);
      expect(cancelled).toEqual({ code: 0, stdout: `${id} cancelled\n`, stderr: '' });
      const logs = await following;
      expect(logs.code).toBe(0);
      const served = (await ctx.http().get(`/api/v1/jobs/${id}/logs`).set('Authorization', `Bearer ${env.VGS_TOKEN}`)).body.logs;
      expect(served.length).toBeGreaterThan(0);
      expect(lines(logs.stdout)).toEqual(served.map((l: any) => `${l.timestamp} ${l.level.padEnd(5)} ${l.stage ?? '-'}: ${l.message}`));
      const watched = await watching;
      expect(watched.code).toBe(3);
      expect(lines(watched.stderr)).toEqual([
        expect.stringMatching(/^progress 0% status=queued stage=\S+$/),
        expect.stringMatching(/^progress 0% status=cancelled stage=\S+$/),
        `vgs: job ${id} cancelled`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const submitQueued = async (topic: string) =>
    lines((await run(process.execPath, [...CLI, 'submit', '--topic', topic, '--context', CONTEXT, '--quality', 'low'], env)).stdout)[0];

  test('a token that expires meanwhile: watch ends by the job’s last update; logs --follow says the token expired and what to use instead', async () => {
    const id = await submitQueued('outlives its token');
    // Expired a second ago, so accepted 4 s more: the service allows Clerk's 5 s of clock skew.
    const now = Math.floor(Date.now() / 1000);
    const shortLived = { ...env, VGS_TOKEN: ctx.issuer.token({ sub: 'user_cli_queued', azp: AZP }, { issuedAt: now - 60, expiresInSeconds: 59 }) };
    let shown!: () => void;
    const queuedShown = new Promise<void>((resolve) => (shown = resolve));
    const watching = run(process.execPath, [...CLI, 'watch', id], shortLived, ({ stderr }) => stderr.includes('status=queued') && shown());
    // Polls the job every second: stops when the token is refused.
    const logs = await run(process.execPath, [...CLI, 'logs', id, '--follow'], shortLived);
    await queuedShown;
    // The token is refused by now; the job ends, and watch finishes by that update without asking again.
    expect((await run(process.execPath, [...CLI, 'cancel', id], env)).code).toBe(0);
    const watched = await watching;
    expect(logs.code).toBe(1);
    expect(lines(logs.stderr)).toEqual([expect.stringMatching(/^vgs: the token expired at \S+Z \(UNAUTHORIZED\).*: .*API key.*VGS_API_KEY/)]);
    expect(watched.code).toBe(3);
    expect(lines(watched.stderr).at(-1)).toBe(`vgs: job ${id} cancelled`);
  });

  test('Ctrl-C during watch on a terminal shows the cursor and turns line wrap back on, and exits 130', async () => {
    const id = await submitQueued('interrupted');
    const command = [process.execPath, ...CLI, 'watch', id].map((a) => `'${a}'`).join(' ');
    let typed = false;
    // Ctrl-C typed into the pseudo-terminal: its line discipline sends SIGINT, as in a person's shell.
    const r = await run(
      'script',
      ['-qefc', command, '/dev/null'],
      env,
      ({ stdout }, child) => {
        if (typed || !stdout.includes('| queued |')) return;
        typed = true;
        child.stdin?.write('\x03');
      },
      'pipe',
    );
    expect(r.code).toBe(130);
    const afterBar = r.stdout.slice(r.stdout.lastIndexOf('\x1b[?25l'));
    expect(afterBar).toContain('\x1b[?25h');
    expect(afterBar).toContain('\x1b[?7h');
  });

  test('list cuts a long topic by what a terminal shows: whole emoji, never half of one', async () => {
    await submitQueued('🌈'.repeat(30));
    const r = await run(process.execPath, [...CLI, 'list', '--limit', '1'], env);
    expect(r.code).toBe(0);
    // 40 columns: 19 emoji two columns wide, then the ellipsis.
    expect(lines(r.stdout)[1]).toMatch(new RegExp(`\\s${'🌈'.repeat(19)}…$`, 'u'));
    expect(r.stdout).not.toContain('\uFFFD');
  });

  test('--file and @path read UTF-8 with or without a byte order mark, and refuse other encodings naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vgs-cli-'));
    try {
      const request = join(dir, 'request.json');
      const context = join(dir, 'context.txt');
      const latin1 = join(dir, 'latin1.txt');
      writeFileSync(request, `\uFEFF${JSON.stringify({ topic: 'from a file with a BOM', quality: 'low' })}`);
      writeFileSync(context, '\uFEFFCafé: sunlight scatters off air molecules.');
      writeFileSync(latin1, Buffer.from('Café: sunlight scatters off air molecules.', 'latin1'));
      const submitted = await run(process.execPath, [...CLI, 'submit', '--file', request, '--context', `@${context}`], env);
      expect(submitted).toEqual({ code: 0, stdout: expect.stringMatching(/^[0-9a-f-]{36}\n$/), stderr: '' });
      const stored = (await ctx.http().get(`/api/v1/jobs/${submitted.stdout.trim()}`).set('Authorization', `Bearer ${env.VGS_TOKEN}`)).body;
      expect(stored.configuration).toEqual(expect.objectContaining({ topic: 'from a file with a BOM', context: 'Café: sunlight scatters off air molecules.' }));

      const refused = await run(process.execPath, [...CLI, 'submit', '--topic', 't', '--context', `@${latin1}`], env);
      expect(refused.code).toBe(1);
      expect(lines(refused.stderr)).toEqual([expect.stringMatching(new RegExp(`^vgs: .*${latin1}.* is not UTF-8 text`))]);
      expect(refused.stdout).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('vgs watch of a job that fails', () => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await startTestApp({ APP_ROLE: 'all', PIPELINE: 'command', PIPELINE_COMMAND: `"${process.execPath}" "${FIXTURE}" crash`, JOB_MAX_ATTEMPTS: '1' });
  });
  afterAll(() => ctx?.close());

  test('submit --wait exits 2 with the job’s error message and code', async () => {
    const r = await run(process.execPath, [...CLI, 'submit', '--topic', 'doomed', '--context', CONTEXT, '--wait'], {
      VGS_URL: ctx.url,
      VGS_TOKEN: ctx.tokenFor('user_cli_failing'),
    });
    expect(r.code).toBe(2);
    const id = lines(r.stdout)[0];
    expect(lines(r.stdout)).toEqual([id]);
    expect(lines(r.stderr).at(-1)).toBe(`vgs: job ${id} failed: generator failed: ${process.execPath} exited with code 3: … Error: the model is unavailable (GENERATOR_FAILED)`);
  });
});

describe('vgs against a stand-in that misbehaves as no test service can (dies mid-stream, answers with foreign pages)', () => {
  const JOB_ID = '00000000-0000-4000-8000-00000000cafe';
  const state = (status: string, error_message: string | null = null) => ({
    job_id: JOB_ID,
    status,
    progress: status === 'completed' ? 100 : 0,
    current_stage: null,
    error_message,
    error_code: null,
    updated_at: new Date().toISOString(),
    batch_id: null,
  });

  /**
   * A server at a URL of its own: the job reads answer `job` (queued), and its event stream sends `events`, ending
   * after a terminal one, when the server is gone as a service that shut down (connections cut on arrival).
   * `streaming` resolves once the stream is open; kill() is a kill -9: open connections cut, then refused.
   */
  async function standIn(events: Array<ReturnType<typeof state>>, other?: (req: IncomingMessage, res: ServerResponse) => void) {
    let gone = false;
    let streamed!: () => void;
    const streaming = new Promise<void>((resolve) => (streamed = resolve));
    const server = createServer((req, res) => {
      if (gone) return req.socket.destroy();
      if (req.url === `/api/v1/jobs/${JOB_ID}`) return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(state('queued')));
      if (req.url === `/api/v1/jobs/${JOB_ID}/events`) {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' }).write('retry: 3000\n\n');
        for (const [n, event] of events.entries()) res.write(`id: 1-${n}\nevent: job.update\ndata: ${JSON.stringify(event)}\n\n`);
        gone = events.some((e) => ['completed', 'failed', 'cancelled'].includes(e.status));
        if (gone) res.end();
        return streamed();
      }
      if (other) return other(req, res);
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const kill = () => {
      server.close();
      server.closeAllConnections();
    };
    return { url, kill, streaming, env: { VGS_URL: url, VGS_TOKEN: 'any' } };
  }

  test('a service that stops right after the job’s terminal update: watch exits by that update', async () => {
    const completed = await standIn([state('queued'), state('completed')]);
    const failed = await standIn([state('queued'), state('failed', 'the model is unavailable')]);
    try {
      expect(await run(process.execPath, [...CLI, 'watch', JOB_ID], completed.env)).toEqual(
        expect.objectContaining({ code: 0, stdout: `${JOB_ID} completed\n` }),
      );
      const r = await run(process.execPath, [...CLI, 'watch', JOB_ID], failed.env);
      expect(r.code).toBe(2);
      expect(lines(r.stderr).at(-1)).toBe(`vgs: job ${JOB_ID} failed: the model is unavailable`);
    } finally {
      completed.kill();
      failed.kill();
    }
  });

  test('a service killed mid-job: watch says it cannot reach it once the stream’s retries are spent', async () => {
    const service = await standIn([state('queued')]);
    const started = Date.now();
    const watching = run(process.execPath, [...CLI, 'watch', JOB_ID], service.env);
    await service.streaming;
    service.kill();
    const r = await watching;
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(/status=queued/), `vgs: cannot reach ${service.url}: ECONNREFUSED`]);
    // Three retries 3 s apart (README, SDK), not the generated client's doubling delays (45 s).
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  test('an answer that is not the service’s (an HTML error page, an unexpected body) is one line naming the URL', async () => {
    let answer: { status: number; type: string; body: string };
    const service = await standIn([], (_req, res) => void res.writeHead(answer.status, { 'Content-Type': answer.type }).end(answer.body));
    try {
      const cases: Array<[typeof answer, string]> = [
        [
          { status: 404, type: 'text/html', body: `<!DOCTYPE html>\n<html>\n${'<p>Not Found</p>\n'.repeat(12)}</html>\n` },
          `vgs: HTTP 404 from ${service.url}/api/v1/jobs: not a response of this service (text/html)`,
        ],
        [
          { status: 200, type: 'application/json', body: '{"hello":"world"}' },
          `vgs: HTTP 200 from ${service.url}/api/v1/jobs: not a response of this service (application/json)`,
        ],
      ];
      for (const [given, line] of cases) {
        answer = given;
        expect(await run(process.execPath, [...CLI, 'list'], service.env)).toEqual({ code: 1, stdout: '', stderr: `${line}\n` });
      }
    } finally {
      service.kill();
    }
  });
});
