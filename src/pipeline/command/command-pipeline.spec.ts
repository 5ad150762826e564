import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { pipelineRecorder, PipelineRecorder, removeRecorderDirs } from '../../../test/support/pipeline-recorder';
import { probeVideo } from '../media-probe';
import { PipelineAbortedError, PipelineError, VideoRequest } from '../video-pipeline';
import { CommandPipelineOptions, CommandVideoPipeline } from './command-pipeline';

// Real child processes: the example generator (ffmpeg + espeak-ng) and misbehaving fixtures.
jest.setTimeout(30_000);

const FIXTURE = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'misbehaving-generator.mjs');
const EXAMPLE = resolve(__dirname, '../../../examples/generator/explainer-generator.mjs');

afterAll(removeRecorderDirs);

const recorder = (signal?: AbortSignal): PipelineRecorder => pipelineRecorder('command-pipeline', signal);

const request: VideoRequest = {
  jobId: 'job-42',
  topic: 'Tides',
  context: 'The moon pulls the oceans. Twice a day the water rises and falls.',
  model: 'gpt-test',
  quality: 'low',
  useRag: true,
  customConfig: { style: 'calm' },
};

/** A pipeline running the fixture in `mode`; its processes carry a unique marker in their argv. */
function fixture(mode: string, options: Partial<CommandPipelineOptions> = {}): { pipeline: CommandVideoPipeline; marker: string } {
  const marker = `fixture-${randomUUID()}`;
  const pipeline = new CommandVideoPipeline({ command: [process.execPath, FIXTURE, mode, marker], timeoutSeconds: 20, ...options });
  return { pipeline, marker };
}

/** Processes whose command line mentions `marker` (ps -eo pid,pgid,args), zombies excluded. */
function survivors(marker: string): string[] {
  const table = execFileSync('ps', ['-eo', 'pid,pgid,stat,args'], { encoding: 'utf8' }).split('\n').slice(1);
  return table.filter((line) => line.includes(marker) && !line.includes(' ps ') && !/^\s*\d+\s+\d+\s+Z/u.test(line));
}

async function expectNoSurvivors(marker: string): Promise<void> {
  const deadline = Date.now() + 1000;
  while (survivors(marker).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(survivors(marker)).toEqual([]);
}

async function failure(pipeline: CommandVideoPipeline, rec: PipelineRecorder): Promise<PipelineError> {
  const error: unknown = await pipeline.run(request, rec.ctx).then(
    () => new Error('expected the run to fail'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PipelineError);
  return error as PipelineError;
}

describe('CommandVideoPipeline', () => {
  it('refuses a misconfiguration when constructed', () => {
    expect(() => new CommandVideoPipeline({ command: [], timeoutSeconds: 10 })).toThrow(/command is empty/u);
    expect(() => new CommandVideoPipeline({ command: ['x'], timeoutSeconds: 0 })).toThrow(/timeoutSeconds/u);
    expect(() => new CommandVideoPipeline({ command: ['x'], timeoutSeconds: 1, killGraceMs: -1 })).toThrow(/killGraceMs/u);
  });

  it('declares the generator and the finalize tools, and passes custom_config through', () => {
    const pipeline = new CommandVideoPipeline({ command: ['python3', '/opt/gen/main.py'], timeoutSeconds: 60 });
    expect(pipeline.name).toBe('command');
    expect(pipeline.requiredTools()).toEqual(['python3', 'ffprobe', 'ffmpeg']);
    expect(pipeline.checkCustomConfig()).toEqual([]);
  });

  it('runs the example generator end to end: progress, logs, a probed video and a thumbnail', async () => {
    const rec = recorder();
    const pipeline = new CommandVideoPipeline({ command: [process.execPath, EXAMPLE], timeoutSeconds: 20 });
    const result = await pipeline.run(request, rec.ctx);

    expect(result.file).toBe(join(rec.ctx.workDir, 'output', 'video.mp4'));
    expect(result.metadata).toEqual(await probeVideo(result.file, new AbortController().signal));
    expect(result.metadata).toMatchObject({ videoCodec: 'h264', audioCodec: 'aac', width: 854, height: 480, format: 'mp4' });
    expect(result.metadata.durationSeconds).toBeGreaterThan(4);
    expect(readFileSync(result.thumbnail).subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));

    const percents = rec.progress.map((p) => p.percent);
    percents.forEach((p, i) => expect(p).toBeGreaterThanOrEqual(percents[i - 1] ?? 0));
    expect(Math.max(...rec.progress.filter((p) => p.stage !== 'finalize').map((p) => p.percent))).toBeLessThanOrEqual(95);
    expect(rec.progress[rec.progress.length - 1]).toEqual({ stage: 'finalize', percent: 100 });
    expect([...new Set(rec.progress.map((p) => p.stage))]).toEqual(['plan', 'narrate', 'render', 'finalize']);
    expect(Object.keys(result.stageSeconds)).toEqual(['plan', 'narrate', 'render', 'finalize']);
    expect(rec.logs).toContainEqual(expect.objectContaining({ level: 'info', message: expect.stringMatching(/^job job-42: 4 cards/u) }));
  });

  it('gives the generator the job as one JSON line, an empty output dir, its work dir as cwd and the configured env', async () => {
    const rec = recorder();
    const { pipeline } = fixture('echo-input', { env: { FIXTURE_ENV: 'yes', PATH: '/usr/local/bin:/usr/bin:/bin' } });
    await pipeline.run(request, rec.ctx);
    const echoed = rec.logs.find((log) => log.message.startsWith('{"job"'));
    expect(JSON.parse(echoed?.message ?? '{}')).toEqual({
      job: {
        job_id: 'job-42',
        topic: 'Tides',
        context: request.context,
        model: 'gpt-test',
        quality: 'low',
        use_rag: true,
        custom_config: { style: 'calm' },
        output_dir: join(rec.ctx.workDir, 'output'),
      },
      cwd: rec.ctx.workDir,
      env: 'yes',
    });
  });

  it('keeps stray stdout lines as info logs and still succeeds', async () => {
    const rec = recorder();
    const { pipeline, marker } = fixture('garbage');
    const result = await pipeline.run(request, rec.ctx);
    expect(result.metadata.videoCodec).toBe('h264');
    const stray = rec.logs.filter((log) => log.level === 'info' && log.message.startsWith('generator: ')).map((l) => l.message);
    expect(stray.slice(0, 4)).toEqual([
      'generator: Loading model weights...',
      'generator: {"not": "a protocol message"}',
      'generator: {"type":"progress","progress":"half"}',
      'generator: [1, 2, 3]',
    ]);
    expect(stray[4].length).toBeLessThan(600); // cut
    expect(rec.logs).toContainEqual({ level: 'info', message: 'odd level', stage: 'script' });
    // 30 → 20 is ignored (never backwards); 250 is clamped to 100 → 95 overall.
    expect(rec.progress.filter((p) => p.stage !== 'finalize').map((p) => p.percent)).toEqual([28.5, 28.5, 95]);
    await expectNoSurvivors(marker);
  });

  it('fails a non-zero exit with a retryable GENERATOR_FAILED carrying the stderr tail', async () => {
    const rec = recorder();
    const { pipeline, marker } = fixture('crash');
    const error = await failure(pipeline, rec);
    expect(error).toMatchObject({ code: 'GENERATOR_FAILED', retryable: true });
    expect(error.message).toContain('exited with code 3');
    expect(error.message).toContain('Error: the model is unavailable');
    expect(error.message).toContain('trace line 60');
    expect(error.message).toContain('trace line 22'); // the last 40 lines of stderr
    expect(error.message).not.toContain('trace line 21\n');
    expect(rec.logs.filter((log) => log.level === 'debug')).toHaveLength(61); // stderr relayed
    await expectNoSurvivors(marker);
  });

  it('fails an exit without a result line with GENERATOR_NO_RESULT', async () => {
    const rec = recorder();
    const { pipeline, marker } = fixture('no-result');
    const error = await failure(pipeline, rec);
    expect(error).toMatchObject({ code: 'GENERATOR_NO_RESULT', retryable: false });
    expect(error.message).toContain('done, I think');
    await expectNoSurvivors(marker);
  });

  it.each([
    ['a file outside the output dir', 'outside', /not inside the output directory/u],
    ['a path escaping with ..', 'dot-dot', /not inside the output directory|does not exist/u],
    ['a symlink inside the output dir pointing outside', 'symlink', /not inside the output directory/u],
    ['a relative path', 'relative', /not an absolute path/u],
    ['a directory', 'directory', /not inside the output directory|not a regular file/u],
  ])('refuses %s with GENERATOR_BAD_RESULT', async (_label, mode, reason) => {
    const rec = recorder();
    const { pipeline, marker } = fixture(mode);
    const error = await failure(pipeline, rec);
    expect(error).toMatchObject({ code: 'GENERATOR_BAD_RESULT', retryable: false });
    expect(error.message).toMatch(reason);
    await expectNoSurvivors(marker);
  });

  it('refuses a result ffprobe cannot read as video with INVALID_OUTPUT', async () => {
    const rec = recorder();
    const { pipeline } = fixture('not-video');
    expect(await failure(pipeline, rec)).toMatchObject({ code: 'INVALID_OUTPUT', retryable: false });
  });

  it('times out with GENERATOR_TIMEOUT: SIGTERM first, SIGKILL after the grace when it is ignored', async () => {
    const rec = recorder();
    const { pipeline, marker } = fixture('hang-ignoring-term', { timeoutSeconds: 1, killGraceMs: 700 });
    const started = Date.now();
    const error = await failure(pipeline, rec);
    const elapsed = Date.now() - started;
    expect(error).toMatchObject({ code: 'GENERATOR_TIMEOUT', retryable: true });
    expect(error.message).toContain('last stage: thinking');
    expect(elapsed).toBeGreaterThanOrEqual(1650); // the timeout, then the whole grace period
    expect(elapsed).toBeLessThan(4000);
    expect(rec.logs).toContainEqual(expect.objectContaining({ message: 'ignoring SIGTERM' }));
    await expectNoSurvivors(marker);
  });

  it('cancels with SIGTERM to the group: a generator that honours it stops before the grace is over', async () => {
    const controller = new AbortController();
    const rec = recorder(controller.signal);
    const { pipeline, marker } = fixture('hang', { killGraceMs: 5000 });
    const run = pipeline.run(request, rec.ctx);
    while (rec.progress.length === 0) await new Promise((r) => setTimeout(r, 20));
    const abortedAt = Date.now();
    controller.abort();
    await expect(run).rejects.toBeInstanceOf(PipelineAbortedError);
    expect(Date.now() - abortedAt).toBeLessThan(2000);
    await expectNoSurvivors(marker);
  });

  it('cancels a generator that ignores SIGTERM with SIGKILL after the grace, group and all', async () => {
    const controller = new AbortController();
    const rec = recorder(controller.signal);
    const { pipeline, marker } = fixture('hang-ignoring-term', { killGraceMs: 600 });
    const run = pipeline.run(request, rec.ctx);
    while (rec.progress.length === 0) await new Promise((r) => setTimeout(r, 20));
    expect(survivors(marker).length).toBeGreaterThanOrEqual(2); // the generator and its straggler child
    const abortedAt = Date.now();
    controller.abort();
    await expect(run).rejects.toBeInstanceOf(PipelineAbortedError);
    const elapsed = Date.now() - abortedAt;
    expect(elapsed).toBeGreaterThanOrEqual(550);
    expect(elapsed).toBeLessThan(2500);
    await expectNoSurvivors(marker);
  });

  it('reports a missing program as a non-retryable TOOL_MISSING', async () => {
    const pipeline = new CommandVideoPipeline({ command: ['no-such-generator-xyz'], timeoutSeconds: 5 });
    expect(await failure(pipeline, recorder())).toMatchObject({ code: 'TOOL_MISSING', retryable: false });
  });
});
