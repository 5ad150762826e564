import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipelineRecorder, PipelineRecorder, removeRecorderDirs } from '../../../test/support/pipeline-recorder';
import { renderThumbnail } from '../ffmpeg';
import { probeVideo } from '../media-probe';
import {
  PIPELINE_STAGES,
  PipelineAbortedError,
  PipelineError,
  PipelineResult,
  VideoRequest,
} from '../video-pipeline';
import { BuiltinVideoPipeline } from './builtin-pipeline';
import { OUTRO_TITLE } from './planning';

// Renders real videos with ffmpeg and espeak-ng (installed in the service image), mostly at low quality.
jest.setTimeout(60_000);

interface Cue {
  start: number;
  end: number;
  text: string;
}

afterAll(removeRecorderDirs);

const recorder = (signal?: AbortSignal): PipelineRecorder => pipelineRecorder('builtin-pipeline', signal);

const CONTEXT = 'A rainbow appears when sunlight is refracted by raindrops. Each colour bends by a slightly different angle.';

function request(customConfig: Record<string, unknown> = {}, overrides: Partial<VideoRequest> = {}): VideoRequest {
  return { jobId: 'job-1', topic: 'Rainbows', context: CONTEXT, quality: 'low', useRag: false, customConfig, ...overrides };
}

const pipeline = new BuiltinVideoPipeline();
const signal = new AbortController().signal;

/** Parses a WebVTT file strictly enough to catch format mistakes. */
function parseVtt(file: string): Cue[] {
  const [header, ...blocks] = readFileSync(file, 'utf8').trimEnd().split('\n\n');
  expect(header).toBe('WEBVTT');
  const seconds = (time: string): number => {
    const [h, m, s] = time.split(':');
    return Number(h) * 3600 + Number(m) * 60 + Number(s);
  };
  return blocks.map((block, i) => {
    const [id, timing, ...text] = block.split('\n');
    expect(id).toBe(String(i + 1));
    const match = /^(\d\d:\d\d:\d\d\.\d\d\d) --> (\d\d:\d\d:\d\d\.\d\d\d)$/u.exec(timing);
    expect(match).not.toBeNull();
    expect(text.length).toBeGreaterThanOrEqual(1);
    expect(text.length).toBeLessThanOrEqual(2);
    return { start: seconds(match?.[1] ?? ''), end: seconds(match?.[2] ?? ''), text: text.join(' ') };
  });
}

/** Mean colour (r, g, b) of a region of the frame at `at` seconds; region as fractions of the frame. */
function meanColour(video: string, at: number, region: { x: number; y: number; w: number; h: number }): number[] {
  const crop = `crop=iw*${region.w}:ih*${region.h}:iw*${region.x}:ih*${region.y},scale=1:1:flags=area`;
  const args = ['-v', 'error', '-ss', String(at), '-i', video, '-frames:v', '1', '-vf', crop, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'];
  return [...execFileSync('ffmpeg', args)];
}

/** Mean volume in dBFS of the audio between two times. */
function meanVolume(video: string, from: number, to: number): number {
  const args = ['-hide_banner', '-ss', String(from), '-t', String(to - from), '-i', video, '-af', 'volumedetect', '-vn', '-f', 'null', '-'];
  const { stderr } = spawnSync('ffmpeg', args, { encoding: 'utf8' });
  return Number(/mean_volume: (-?[\d.]+) dB/u.exec(stderr)?.[1] ?? NaN);
}

/** Scene lengths from the render stage's debug logs. */
function sceneSeconds(rec: PipelineRecorder): number[] {
  return rec.logs
    .filter((log) => log.level === 'debug' && log.stage === 'render')
    .map((log) => Number(/: ([\d.]+)s$/u.exec(log.message)?.[1]));
}

function wordsOf(text: string): string[] {
  return text.split(/\s+/u).filter(Boolean);
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

describe('BuiltinVideoPipeline', () => {
  it('declares its tools', () => {
    expect(pipeline.requiredTools()).toEqual(['ffmpeg', 'ffprobe', 'espeak-ng']);
  });

  it('refuses a misconfiguration when constructed', () => {
    expect(() => new BuiltinVideoPipeline({ fontFile: '/nonexistent/font.ttf' })).toThrow(/does not exist/u);
    expect(() => new BuiltinVideoPipeline({ ffmpegThreads: -1 })).toThrow(/whole number/u);
    expect(() => new BuiltinVideoPipeline({ ffmpegThreads: 1.5 })).toThrow(/whole number/u);
    expect(() => new BuiltinVideoPipeline({ ffmpegThreads: 0 })).not.toThrow(); // 0 = let ffmpeg decide
  });

  it('checks custom_config with the same rules the run uses', async () => {
    expect(pipeline.checkCustomConfig({ theme: 'forest', aspect_ratio: '1:1' })).toEqual([]);
    expect(pipeline.checkCustomConfig({ aspect_ratio: '4:3', foo: 1 })).toEqual([
      expect.objectContaining({ field: 'custom_config.foo' }),
      { field: 'custom_config.aspect_ratio', message: 'must be one of 16:9, 9:16, 1:1' },
    ]);
    const rec = recorder();
    const error = await pipeline.run(request({ aspect_ratio: '4:3' }), rec.ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PipelineError);
    expect(error).toMatchObject({ code: 'INVALID_CUSTOM_CONFIG', retryable: false });
    expect(readdirSync(rec.ctx.workDir)).toEqual([]); // refused before any work
  });

  describe('a default 16:9 video', () => {
    const rec = recorder();
    let result: PipelineResult;
    beforeAll(async () => {
      result = await pipeline.run(request(), rec.ctx);
    });

    it('is a narrated H.264/AAC MP4 of the planned length, with a thumbnail', async () => {
      expect(result.file).toBe(join(rec.ctx.workDir, 'video.mp4'));
      const probed = await probeVideo(result.file, signal);
      expect(result.metadata).toEqual(probed);
      expect(probed).toMatchObject({ videoCodec: 'h264', audioCodec: 'aac', width: 854, height: 480, fps: 30, format: 'mp4' });
      expect(probed.checksumSha256).toMatch(/^[0-9a-f]{64}$/u);

      const scenes = sceneSeconds(rec);
      expect(scenes).toHaveLength(3); // title, one content scene, outro
      const planned = scenes.reduce((sum, s) => sum + s, 0) - 2 * 0.4; // two crossfades
      expect(probed.durationSeconds).toBeGreaterThan(5);
      expect(Math.abs(probed.durationSeconds - planned)).toBeLessThan(0.1);

      expect(result.thumbnail).toBe(join(rec.ctx.workDir, 'thumbnail.jpg'));
      expect(readFileSync(result.thumbnail).subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
      expect((await probeVideo(result.thumbnail, signal)).width).toBe(640);
      // Cut from a chunk while the video was composed, it is the finished video's frame at the same moment.
      const fromVideo = join(rec.ctx.workDir, 'from-video.jpg');
      await renderThumbnail(result.file, 1, fromVideo, { signal, cwd: rec.ctx.workDir });
      expect(readFileSync(result.thumbnail).equals(readFileSync(fromVideo))).toBe(true);
    });

    it('reports every stage in order, with monotonic progress', () => {
      const percents = rec.progress.map((p) => p.percent);
      percents.forEach((p, i) => expect(p).toBeGreaterThanOrEqual(percents[i - 1] ?? 0));
      expect(percents[percents.length - 1]).toBe(100);
      expect([...new Set(rec.progress.map((p) => p.stage))]).toEqual([...PIPELINE_STAGES]);
      expect(Object.keys(result.stageSeconds)).toEqual([...PIPELINE_STAGES]);
      // The render stage reports ffmpeg's own progress, not just its start and end.
      expect(rec.progress.filter((p) => p.stage === 'render').length).toBeGreaterThan(2);
    });

    it('writes WebVTT captions that follow the narration: ordered, inside the video, every word once', async () => {
      expect(result.captions).toBe(join(rec.ctx.workDir, 'captions.vtt'));
      const cues = parseVtt(result.captions ?? '');
      const duration = result.metadata.durationSeconds;
      cues.forEach((cue, i) => {
        expect(cue.end).toBeGreaterThan(cue.start);
        expect(cue.start).toBeGreaterThanOrEqual(i > 0 ? cues[i - 1].end : 0);
        expect(cue.end).toBeLessThanOrEqual(duration);
      });
      // What is said: the title, the context, the outro.
      expect(cues.flatMap((cue) => wordsOf(cue.text))).toEqual(wordsOf(`Rainbows ${CONTEXT} ${OUTRO_TITLE}.`));
      expect(cues[0]).toMatchObject({ start: 0.4, text: 'Rainbows' });
      const captioned = cues.reduce((sum, cue) => sum + cue.end - cue.start, 0);
      expect(captioned / duration).toBeGreaterThan(0.6);
      // Between two scenes' narrations the soundtrack is silent (no music was asked for).
      expect(meanVolume(result.file, cues[0].end + 0.05, cues[1].start - 0.05)).toBeLessThan(-80);
    });
  });

  it.each([
    ['9:16', 480, 854],
    ['1:1', 480, 480],
  ])('renders %s at the quality’s short side, with sound and captions', async (ratio, width, height) => {
    const rec = recorder();
    const result = await pipeline.run(request({ aspect_ratio: ratio }), rec.ctx);
    expect(result.metadata).toMatchObject({ width, height, videoCodec: 'h264', audioCodec: 'aac' });
    const cues = parseVtt(result.captions ?? '');
    expect(cues.length).toBeGreaterThanOrEqual(3);
    expect(cues[cues.length - 1].end).toBeLessThanOrEqual(result.metadata.durationSeconds);
    // Burned-in captions: the content scene's cues were drawn (not the cards': their heading says it already).
    const drawnCues = new Set(readdirSync(rec.ctx.workDir).flatMap((f) => /^(scene-\d+-cue-\d+)-\d+\.txt$/u.exec(f)?.[1] ?? []));
    expect(drawnCues.size).toBe(cues.length - 2);
  });

  it('still writes the WebVTT file when burned-in captions are off', async () => {
    const rec = recorder();
    const result = await pipeline.run(request({ captions: false, aspect_ratio: '1:1', voice: { voice: 'fr', rate: 200 } }), rec.ctx);
    expect(parseVtt(result.captions ?? '').length).toBeGreaterThanOrEqual(3);
    expect(readdirSync(rec.ctx.workDir).filter((f) => f.includes('-cue-'))).toEqual([]);
    expect(rec.logs).toContainEqual(expect.objectContaining({ message: expect.stringContaining('with espeak-ng fr at 200 wpm') }));
  });

  it('falls back to the default voice when espeak-ng does not have the one asked for', async () => {
    const rec = recorder();
    const result = await pipeline.run(request({ voice: { voice: 'zz-nope' } }, { context: 'Short.' }), rec.ctx);
    expect(result.metadata.audioCodec).toBe('aac');
    expect(rec.logs).toContainEqual(expect.objectContaining({ level: 'warn', message: expect.stringContaining('voice "zz-nope" failed') }));
    expect(rec.logs).toContainEqual(expect.objectContaining({ message: expect.stringContaining('with espeak-ng en at 165 wpm') }));
  });

  describe('uploads', () => {
    const IMAGE_ID = '7b0b4f39-52f0-4c7e-9a53-6a1c2f9d8e01';
    const MUSIC_ID = '0d6f2f1e-3a4b-4c5d-8e9f-a0b1c2d3e4f5';
    const assetsDir = pipelineRecorder('builtin-assets').ctx.workDir;
    const picture = join(assetsDir, 'red.png');
    const music = join(assetsDir, 'music.wav');
    beforeAll(() => {
      execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'color=c=red:s=320x240', '-frames:v', '1', picture]);
      execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=f=330:d=1.3', '-af', 'volume=4', music]);
    });

    it('shows a scene’s picture beside its text, undistorted', async () => {
      const rec = recorder();
      const scenes = [{ title: 'Red', text: 'This scene shows a red picture beside its text.', image_file_id: IMAGE_ID }];
      const result = await pipeline.run(request({ scenes }, { assets: { images: { [IMAGE_ID]: picture } } }), rec.ctx);
      const [title] = sceneSeconds(rec);
      const middleOfPictureScene = title - 0.4 + 2;
      // The picture column is the right part of the frame; the text column the left.
      const [r, g, b] = meanColour(result.file, middleOfPictureScene, { x: 0.7, y: 0.45, w: 0.06, h: 0.06 });
      expect(r).toBeGreaterThan(180);
      expect(g).toBeLessThan(60);
      expect(b).toBeLessThan(60);
      const [leftR] = meanColour(result.file, middleOfPictureScene, { x: 0.02, y: 0.45, w: 0.04, h: 0.06 });
      expect(leftR).toBeLessThan(80);
      expect(rec.logs).toContainEqual(expect.objectContaining({ message: expect.stringContaining('1 pictures') }));
    });

    it('renders a long video in chunks joined frame-exactly, a picture crossing the join', async () => {
      const rec = recorder();
      const numbers = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight'];
      // Title + 8 scenes + outro = 10 scenes: two render chunks; scene 5 (the picture) ends the first one.
      const scenes = numbers.map((word, i) => ({
        title: `Part ${word}`,
        text: `Part ${word} is a short sentence.`,
        ...(i === 4 ? { image_file_id: IMAGE_ID } : {}),
      }));
      const result = await pipeline.run(request({ scenes }, { assets: { images: { [IMAGE_ID]: picture } } }), rec.ctx);
      const lengths = sceneSeconds(rec);
      expect(lengths).toHaveLength(10);
      const frames = Math.round((lengths.reduce((sum, s) => sum + s, 0) - 9 * 0.4) * 30);
      const counted = execFileSync('ffprobe', [
        ...['-v', 'error', '-count_frames', '-select_streams', 'v', '-show_entries', 'stream=nb_read_frames'],
        ...['-of', 'csv=p=0', result.file],
      ]);
      expect(Number(counted.toString())).toBe(frames);
      expect(Math.abs(result.metadata.durationSeconds - frames / 30)).toBeLessThan(0.05);
      const pictureSceneStart = lengths.slice(0, 5).reduce((sum, s) => sum + s, 0) - 5 * 0.4;
      const [r, g] = meanColour(result.file, pictureSceneStart + 1.5, { x: 0.7, y: 0.45, w: 0.06, h: 0.06 });
      expect(r).toBeGreaterThan(180);
      expect(g).toBeLessThan(60);
      // Words spoken in order across the join.
      const cueWords = parseVtt(result.captions ?? '').flatMap((cue) => wordsOf(cue.text));
      expect(cueWords.filter((w) => numbers.includes(w))).toEqual(numbers);
    });

    it('fails without retrying when an upload the config names is not available', async () => {
      const scenes = [{ title: 'Red', text: 'x', image_file_id: IMAGE_ID }];
      await expect(pipeline.run(request({ scenes }), recorder().ctx)).rejects.toMatchObject({ code: 'ASSET_MISSING', retryable: false });
      const gone = { assets: { images: { [IMAGE_ID]: join(assetsDir, 'deleted.png') } } };
      await expect(pipeline.run(request({ scenes }, gone), recorder().ctx)).rejects.toMatchObject({ code: 'ASSET_MISSING' });
      await expect(
        pipeline.run(request({ background_audio_file_id: MUSIC_ID }, { assets: { images: {} } }), recorder().ctx),
      ).rejects.toMatchObject({ code: 'ASSET_MISSING', retryable: false });
      const notAPicture = { assets: { images: { [IMAGE_ID]: join(assetsDir, 'not-a-picture.png') } } };
      writeFileSync(join(assetsDir, 'not-a-picture.png'), 'plain text, not an image');
      await expect(pipeline.run(request({ scenes }, notAPicture), recorder().ctx)).rejects.toMatchObject({
        code: 'ASSET_INVALID',
        retryable: false,
      });
    });

    it('mixes background audio under the narration, looped to the video’s length', async () => {
      const rec = recorder();
      const result = await pipeline.run(
        request({ background_audio_file_id: MUSIC_ID, background_music_volume: 0.5 }, { assets: { images: {}, backgroundAudio: music } }),
        rec.ctx,
      );
      expect(result.metadata.audioCodec).toBe('aac');
      const planned = sceneSeconds(rec).reduce((sum, s) => sum + s, 0) - 2 * 0.4;
      expect(Math.abs(result.metadata.durationSeconds - planned)).toBeLessThan(0.1);
      const cues = parseVtt(result.captions ?? '');
      // In the pause between two narrations the music plays (without it, that pause is digital silence)…
      const gap = meanVolume(result.file, cues[0].end + 0.05, cues[1].start - 0.05);
      expect(gap).toBeGreaterThan(-40);
      // …and it is still playing near the end, although the file lasts 1.3 s.
      expect(meanVolume(result.file, result.metadata.durationSeconds - 2.5, result.metadata.durationSeconds - 1.5)).toBeGreaterThan(-40);
      expect(rec.logs).toContainEqual(expect.objectContaining({ stage: 'compose', message: expect.stringContaining('ducked') }));
    });
  });

  describe('formulas, code and bullets', () => {
    const CODE = ['def square(x):', '    """The number times itself."""', '    return x * x', '', 'print(square(12))  # 144'].join('\n');
    const scenes = [
      { title: 'The quadratic formula', text: 'Its solutions are:', math: 'x = \\frac{-b \\pm \\sqrt{b^2 - 4ac}}{2a}' },
      {
        title: 'Squaring in Python',
        bullets: ['Define the function', 'Multiply x by itself', 'Print the square of twelve'],
        narration: 'First we define the function. It is short. Then we multiply x by itself. Finally we print the square of twelve.',
        code: { language: 'python', source: CODE },
      },
    ];

    /** Share of the pixels of a region (fractions of the frame) at `at` seconds brighter than `threshold` (0–255). */
    function brightShare(video: string, at: number, region: { x: number; y: number; w: number; h: number }, threshold = 140): number {
      const crop = `crop=iw*${region.w}:ih*${region.h}:iw*${region.x}:ih*${region.y}`;
      const args = ['-v', 'error', '-ss', at.toFixed(3), '-i', video, '-frames:v', '1', '-vf', crop, '-f', 'rawvideo', '-pix_fmt', 'gray', '-'];
      const pixels = execFileSync('ffmpeg', args);
      return pixels.filter((p) => p > threshold).length / pixels.length;
    }

    /** No text (nothing bright) in a strip along each edge of the frame, outside the safe area. */
    function expectClearEdges(video: string, at: number): void {
      for (const strip of [
        { x: 0, y: 0, w: 0.04, h: 1 },
        { x: 0.96, y: 0, w: 0.04, h: 1 },
        { x: 0, y: 0, w: 1, h: 0.04 },
        { x: 0, y: 0.975, w: 1, h: 0.025 },
      ]) {
        expect(brightShare(video, at, strip, 100)).toBe(0);
      }
    }

    it('typesets the formula and highlights the code, revealing the bullets as the narration reaches them', async () => {
      const rec = recorder();
      const result = await pipeline.run(request({ scenes, captions: false }), rec.ctx);
      const [title, math, code] = sceneSeconds(rec);
      const mathStart = title - 0.4;
      const codeStart = mathStart + math - 0.4;
      expect(code).toBeGreaterThan(4);

      // The formula: white strokes in the middle of the frame, below the text, where the background is dark.
      const formula = { x: 0.3, y: 0.45, w: 0.4, h: 0.35 };
      const background = { x: 0.01, y: 0.45, w: 0.05, h: 0.35 };
      expect(brightShare(result.file, mathStart + 1.5, formula)).toBeGreaterThan(0.03);
      expect(brightShare(result.file, mathStart + 1.5, background)).toBe(0);

      // The code panel, right of the bullets: light code text on it.
      const panel = { x: 0.5, y: 0.3, w: 0.4, h: 0.45 };
      expect(brightShare(result.file, codeStart + code - 0.8, panel)).toBeGreaterThan(0.02);
      expect(readdirSync(rec.ctx.workDir)).toEqual(expect.arrayContaining(['scene-02-math.png', 'scene-03-code-1.png']));

      // The bullets, left of the code: none before the narration reaches the first, all three by its end.
      const bullets = { x: 0.08, y: 0.25, w: 0.34, h: 0.6 };
      const early = brightShare(result.file, codeStart + 0.5, bullets);
      const late = brightShare(result.file, codeStart + code - 0.8, bullets);
      expect(late).toBeGreaterThan(early + 0.02);

      for (const at of [mathStart + 1.5, codeStart + code - 0.8]) expectClearEdges(result.file, at);
    });

    it.each(['9:16', '1:1'])('keeps everything inside a %s frame', async (ratio) => {
      const rec = recorder();
      const everything = [{ ...scenes[1], text: 'A function, its output and the formula it computes.', math: 'f(x) = x^2' }];
      const result = await pipeline.run(request({ scenes: everything, aspect_ratio: ratio }), rec.ctx);
      const [title, scene] = sceneSeconds(rec);
      for (const at of [title - 0.4 + 0.6, title - 0.4 + scene - 0.8]) expectClearEdges(result.file, at);
      // Formula and code drawn, not blank: the middle of the frame has light ink.
      expect(brightShare(result.file, title - 0.4 + scene - 0.8, { x: 0.08, y: 0.3, w: 0.84, h: 0.5 })).toBeGreaterThan(0.01);
    });
  });

  it('paints each theme preset in its own colours', async () => {
    const colours: Record<string, number[]> = {};
    for (const theme of ['midnight', 'daylight', 'forest', 'sunset']) {
      const result = await pipeline.run(request({ theme, scenes: [{ title: 'Colours', text: '' }] }), recorder().ctx);
      // Near the top-left corner of the title card, away from any text: the gradient's start colour.
      colours[theme] = meanColour(result.file, 1, { x: 0.1, y: 0.1, w: 0.05, h: 0.05 });
    }
    const brightness = (rgb: number[]): number => rgb.reduce((sum, c) => sum + c, 0) / 3;
    const [midnight, daylight, forest, sunset] = [colours.midnight, colours.daylight, colours.forest, colours.sunset];
    expect(brightness(daylight)).toBeGreaterThan(200);
    expect(brightness(midnight)).toBeLessThan(60);
    expect(midnight[2]).toBeGreaterThan(midnight[0]); // blue-ish
    expect(forest[1]).toBeGreaterThan(forest[0]); // green
    expect(forest[1]).toBeGreaterThan(forest[2]);
    expect(sunset[0]).toBeGreaterThan(sunset[1]); // purple to orange: red over green
    expect(new Set(Object.values(colours).map((c) => c.join(','))).size).toBe(4);
  });

  it('stops promptly when aborted and leaves no tool running', async () => {
    const controller = new AbortController();
    const rec = recorder(controller.signal);
    const dir = rec.ctx.workDir;
    const context = Array.from(
      { length: 12 },
      (_, i) => `Paragraph ${i + 1} explains one more step of the process in detail, so that rendering takes a while.`,
    ).join(' ');
    const run = new BuiltinVideoPipeline({ ffmpegThreads: 1 }).run(request({}, { context, quality: 'medium' }), rec.ctx);
    let settled = false;
    const outcome = run.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    void outcome.finally(() => (settled = true));

    // Abort while the render is running (not in the few milliseconds between two tools).
    while (!settled && !rec.progress.some((p) => p.stage === 'render' && p.percent > 30)) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(settled).toBe(false);
    expect(toolsUsing(dir).length).toBeGreaterThan(0);
    const abortedAt = Date.now();
    controller.abort();
    expect(await outcome).toBeInstanceOf(PipelineAbortedError);
    expect(Date.now() - abortedAt).toBeLessThan(3000);

    const deadline = Date.now() + 1000;
    while (toolsUsing(dir).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(toolsUsing(dir)).toEqual([]);
    expect(existsSync(join(dir, 'video.mp4'))).toBe(false);
  });

  it('aborted while scenes are drawn (before any render tool starts): no chunk is ever rendered', async () => {
    const controller = new AbortController();
    const rec = recorder(controller.signal);
    const dir = rec.ctx.workDir;
    // The first scene drawn is logged before the render tools start: abort right there.
    const log = rec.ctx.log;
    rec.ctx.log = (level, message, stage) => {
      log(level, message, stage);
      if (/^scene 1\//.test(message)) controller.abort();
    };
    const context = Array.from({ length: 8 }, (_, i) => `Step ${i + 1} of the process, explained in a sentence of its own.`).join(' ');
    const outcome = await new BuiltinVideoPipeline({ ffmpegThreads: 1 }).run(request({}, { context, quality: 'low' }), rec.ctx).catch((e: unknown) => e);
    expect(controller.signal.aborted).toBe(true);
    expect(outcome).toBeInstanceOf(PipelineAbortedError);
    expect(readdirSync(dir).filter((f) => f.startsWith('chunk-'))).toEqual([]);
    expect(toolsUsing(dir)).toEqual([]);
  });
});
