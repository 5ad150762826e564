import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeVideo } from '../media-probe';
import { PIPELINE_STAGES, PipelineAbortedError, PipelineContext, PipelineLogLevel, VideoRequest } from '../video-pipeline';
import { BuiltinVideoPipeline, sceneDuration } from './builtin-pipeline';

// Renders real videos with ffmpeg and espeak-ng (installed in the service image).
jest.setTimeout(60_000);

interface Recorder {
  ctx: PipelineContext;
  progress: Array<{ stage: string; percent: number }>;
  logs: Array<{ level: PipelineLogLevel; message: string; stage?: string }>;
}

function recorder(workDir: string, signal: AbortSignal): Recorder {
  const progress: Recorder['progress'] = [];
  const logs: Recorder['logs'] = [];
  return {
    progress,
    logs,
    ctx: {
      workDir,
      signal,
      progress: (stage, percent) => progress.push({ stage, percent }),
      log: (level, message, stage) => logs.push({ level, message, stage }),
    },
  };
}

function request(topic: string, context: string): VideoRequest {
  return { jobId: 'job-1', topic, context, quality: 'low', useRag: false, customConfig: {} };
}

/** ffmpeg / espeak-ng processes that mention the directory in their arguments or run inside it. */
function toolsUsing(dir: string): string[] {
  const lines = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).split('\n').slice(1);
  return lines.filter((line) => {
    const [pid, ...args] = line.trim().split(/\s+/u);
    if (!/ffmpeg|espeak-ng/u.test(args[0] ?? '')) return false;
    let cwd = '';
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      // Gone (or a zombie) by now.
    }
    return args.join(' ').includes(dir) || cwd === dir;
  });
}

describe('sceneDuration', () => {
  const scene = { kind: 'content' as const, title: 't', text: 'x', narration: 'x' };

  it('pads the narration and rounds up to whole frames', () => {
    expect(sceneDuration(scene, 3)).toBeCloseTo(3.6, 6);
    expect(sceneDuration(scene, 3.01) * 30).toBe(109);
  });

  it('keeps cards and silent scenes on screen long enough to read', () => {
    expect(sceneDuration({ ...scene, kind: 'title' }, 0.5)).toBe(2.5);
    expect(sceneDuration(scene, 0)).toBe(2);
    expect(sceneDuration({ ...scene, minDurationSeconds: 7 }, 3)).toBe(7);
  });
});

describe('BuiltinVideoPipeline', () => {
  const dirs: string[] = [];
  const workDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'builtin-pipeline-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('declares its tools', () => {
    expect(new BuiltinVideoPipeline().requiredTools()).toEqual(['ffmpeg', 'ffprobe', 'espeak-ng']);
  });

  it('refuses a misconfiguration when constructed', () => {
    expect(() => new BuiltinVideoPipeline({ fontFile: '/nonexistent/font.ttf' })).toThrow(/does not exist/u);
    expect(() => new BuiltinVideoPipeline({ ffmpegThreads: -1 })).toThrow(/whole number/u);
    expect(() => new BuiltinVideoPipeline({ ffmpegThreads: 1.5 })).toThrow(/whole number/u);
    expect(() => new BuiltinVideoPipeline({ ffmpegThreads: 0 })).not.toThrow(); // 0 = let ffmpeg decide
  });

  it('renders a narrated low-quality video with a thumbnail', async () => {
    const dir = workDir();
    const rec = recorder(dir, new AbortController().signal);
    const result = await new BuiltinVideoPipeline().run(
      request(
        'Rainbows',
        'A rainbow appears when sunlight is refracted by raindrops. Each colour bends by a slightly different angle.',
      ),
      rec.ctx,
    );

    expect(result.file).toBe(join(dir, 'video.mp4'));
    const probed = await probeVideo(result.file, new AbortController().signal);
    expect(result.metadata).toEqual(probed);
    expect(probed).toMatchObject({ videoCodec: 'h264', audioCodec: 'aac', width: 854, height: 480, fps: 30, format: 'mp4' });
    expect(probed.fileSize).toBeGreaterThan(0);
    expect(probed.checksumSha256).toMatch(/^[0-9a-f]{64}$/u);

    const sceneSeconds = rec.logs
      .filter((log) => log.level === 'debug' && log.stage === 'render')
      .map((log) => Number(/: ([\d.]+)s$/u.exec(log.message)?.[1]));
    expect(sceneSeconds).toHaveLength(3); // title, one content scene, outro
    const planned = sceneSeconds.reduce((sum, s) => sum + s, 0);
    expect(probed.durationSeconds).toBeGreaterThan(5);
    expect(Math.abs(probed.durationSeconds - planned)).toBeLessThan(0.3);

    expect(result.thumbnail).toBe(join(dir, 'thumbnail.jpg'));
    expect(readFileSync(result.thumbnail).subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    const thumb = await probeVideo(result.thumbnail, new AbortController().signal);
    expect(thumb.width).toBe(640);

    const percents = rec.progress.map((p) => p.percent);
    percents.forEach((p, i) => expect(p).toBeGreaterThanOrEqual(percents[i - 1] ?? 0));
    expect(percents[percents.length - 1]).toBe(100);
    const stageOrder = [...new Set(rec.progress.map((p) => p.stage))];
    expect(stageOrder).toEqual([...PIPELINE_STAGES]);
    expect(Object.keys(result.stageSeconds)).toEqual([...PIPELINE_STAGES]);
    expect(rec.logs.some((log) => log.level === 'info' && log.stage === 'finalize')).toBe(true);
  });

  it('stops promptly when aborted and leaves no tool running', async () => {
    const dir = workDir();
    const controller = new AbortController();
    const rec = recorder(dir, controller.signal);
    const context = Array.from(
      { length: 12 },
      (_, i) => `Paragraph ${i + 1} explains one more step of the process in detail, so that rendering takes a while.`,
    ).join(' ');
    const pipeline = new BuiltinVideoPipeline({ ffmpegThreads: 1 });
    const run = pipeline.run({ ...request('A long video', context), quality: 'medium' }, rec.ctx);
    let settled = false;
    const outcome = run.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    void outcome.finally(() => (settled = true));

    await new Promise((resolve) => setTimeout(resolve, 1500));
    // Abort while a tool is running (not in the few milliseconds between two of them).
    while (!settled && toolsUsing(dir).length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(settled).toBe(false);
    const abortedAt = Date.now();
    controller.abort();
    expect(await outcome).toBeInstanceOf(PipelineAbortedError);
    expect(Date.now() - abortedAt).toBeLessThan(3000);

    const deadline = Date.now() + 1000;
    while (toolsUsing(dir).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(toolsUsing(dir)).toEqual([]);
    expect(existsSync(join(dir, 'video.mp4'))).toBe(false);
  });
});
