/**
 * The offline "builtin" pipeline: an explainer video made only of local tools — espeak-ng narrates the
 * planned scenes, ffmpeg draws each scene as text on a gradient and joins them, ffprobe measures the result.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { probeDurationSeconds, probeVideo } from '../media-probe';
import {
  PipelineAbortedError,
  PipelineContext,
  PipelineError,
  PipelineResult,
  PipelineStage,
  ProbedVideo,
  QUALITY_RESOLUTION,
  VideoPipeline,
  VideoRequest,
} from '../video-pipeline';
import { FontLibrary } from './font-set';
import { DEFAULT_VOICE, VoiceSettings, resolveVoice, synthesize } from './narration';
import { Scene, planScenes } from './planner';
import { layoutScene } from './scene-layout';
import {
  FPS,
  NARRATION_LEAD_SECONDS,
  ToolRun,
  concatSegments,
  renderBackground,
  renderScene,
  renderThumbnail,
} from './scene-render';
import { isSpeakable } from './unicode-text';

export interface BuiltinPipelineOptions {
  /** Preferred font; installed defaults remain as fallbacks for scripts it lacks. */
  fontFile?: string;
  /** ffmpeg threads per process; 0 or unset lets ffmpeg decide. */
  ffmpegThreads?: number;
}

/** Silence around the narration: the lead before it plus a pause after it. */
const NARRATION_PADDING_SECONDS = NARRATION_LEAD_SECONDS + 0.35;
const MIN_CARD_SECONDS = 2.5;
const MIN_CONTENT_SECONDS = 2;
/** Tolerated gap between the planned length and what ffprobe measures before we log a warning. */
const DURATION_TOLERANCE_SECONDS = 0.5;

/** Everything one run's stages share. */
interface Run {
  request: VideoRequest;
  ctx: PipelineContext;
  tools: ToolRun;
  report(stage: PipelineStage, percent: number): void;
}

interface PlannedScene {
  scene: Scene;
  /** File name prefix in the work directory. */
  name: string;
  narrationFile: string | null;
  seconds: number;
}

export class BuiltinVideoPipeline implements VideoPipeline {
  readonly name = 'builtin';
  private fonts?: Promise<FontLibrary>;

  /** Throws on a misconfiguration, so that it shows at startup rather than in every job. */
  constructor(private readonly options: BuiltinPipelineOptions = {}) {
    if (options.fontFile !== undefined && !existsSync(options.fontFile)) {
      throw new Error(`builtin pipeline: font file ${options.fontFile} does not exist`);
    }
    const threads = options.ffmpegThreads;
    if (threads !== undefined && !(Number.isInteger(threads) && threads >= 0)) {
      throw new Error(`builtin pipeline: ffmpegThreads must be a whole number ≥ 0, got ${threads}`);
    }
  }

  requiredTools(): string[] {
    return ['ffmpeg', 'ffprobe', 'espeak-ng'];
  }

  async run(request: VideoRequest, ctx: PipelineContext): Promise<PipelineResult> {
    const run: Run = {
      request,
      ctx,
      tools: { signal: ctx.signal, cwd: ctx.workDir, threads: this.options.ffmpegThreads },
      report: monotonicProgress(ctx),
    };
    const stageSeconds: Record<string, number> = {};
    const stage = async <T>(name: PipelineStage, work: () => Promise<T>): Promise<T> => {
      if (ctx.signal.aborted) throw new PipelineAbortedError();
      const started = performance.now();
      try {
        return await work();
      } finally {
        stageSeconds[name] = Math.round(performance.now() - started) / 1000;
      }
    };

    try {
      const scenes = await stage('plan', async () => this.plan(run));
      const planned = await stage('narrate', () => this.narrate(scenes, run));
      const segments = await stage('render', () => this.render(planned, run));
      const file = await stage('compose', () => this.compose(segments, run));
      const thumbnail = join(ctx.workDir, 'thumbnail.jpg');
      const expectedSeconds = planned.reduce((sum, p) => sum + p.seconds, 0);
      const metadata = await stage('finalize', () => this.finalize(file, thumbnail, expectedSeconds, run));
      return { file, thumbnail, metadata, stageSeconds };
    } catch (error) {
      // Whatever broke after cancellation (a stream, a half-written file) is reported as the cancellation.
      if (ctx.signal.aborted && !(error instanceof PipelineAbortedError)) throw new PipelineAbortedError();
      throw error;
    }
  }

  private plan({ request, ctx, report }: Run): Scene[] {
    report('plan', 0);
    const scenes = planScenes(request.topic, request.context, request.customConfig);
    ctx.log('info', `planned ${scenes.length} scenes`, 'plan');
    report('plan', 5);
    return scenes;
  }

  /** Speaks every scene and sets each scene's length from its narration. */
  private async narrate(scenes: Scene[], run: Run): Promise<PlannedScene[]> {
    const { ctx } = run;
    let voice = resolveVoice(run.request.customConfig);
    const planned: PlannedScene[] = [];
    for (const [i, scene] of scenes.entries()) {
      const name = `scene-${String(i + 1).padStart(2, '0')}`;
      let narrationFile: string | null = null;
      let spoken = 0;
      if (isSpeakable(scene.narration)) {
        narrationFile = join(ctx.workDir, `${name}.wav`);
        voice = await this.speak(scene.narration, narrationFile, voice, ctx);
        spoken = await probeDurationSeconds(narrationFile, ctx.signal);
      }
      planned.push({ scene, name, narrationFile, seconds: sceneDuration(scene, spoken) });
      run.report('narrate', 5 + (20 * (i + 1)) / scenes.length);
    }
    ctx.log('info', `narrated ${scenes.length} scenes with voice ${voice.voice} at ${voice.rate} wpm`, 'narrate');
    return planned;
  }

  /** Speaks with the requested voice, or with the default one if espeak-ng rejects it; returns the voice used. */
  private async speak(text: string, file: string, voice: VoiceSettings, ctx: PipelineContext): Promise<VoiceSettings> {
    try {
      await synthesize(text, file, voice, ctx.signal, ctx.workDir);
      return voice;
    } catch (error) {
      const isDefault = voice.voice === DEFAULT_VOICE.voice;
      if (isDefault || !(error instanceof PipelineError) || error.code !== 'TOOL_FAILED') throw error;
      ctx.log('warn', `voice "${voice.voice}" failed, using "${DEFAULT_VOICE.voice}": ${error.message}`, 'narrate');
      const fallback = { ...voice, voice: DEFAULT_VOICE.voice };
      await synthesize(text, file, fallback, ctx.signal, ctx.workDir);
      return fallback;
    }
  }

  /** One MP4 segment per scene; returns their paths in order. */
  private async render(planned: PlannedScene[], run: Run): Promise<string[]> {
    const { ctx, report } = run;
    report('render', 25);
    const { width, height } = QUALITY_RESOLUTION[run.request.quality];
    const fonts = await this.fontLibrary(ctx.signal);
    const background = join(ctx.workDir, 'background.png');
    await renderBackground(width, height, background, run.tools);

    const total = planned.reduce((sum, p) => sum + p.seconds, 0);
    const contentCount = planned.filter((p) => p.scene.kind === 'content').length;
    let contentShown = 0;
    let rendered = 0;
    const segments: string[] = [];
    for (const [i, { scene, name, narrationFile, seconds }] of planned.entries()) {
      const heading = fonts.choose(scene.title, 'bold');
      const body = fonts.choose(scene.text, 'regular');
      const missing = heading.missingGlyphs + body.missingGlyphs;
      if (missing > 0) ctx.log('warn', `scene ${i + 1}: no installed font has ${missing} of its characters`, 'render');
      if (scene.kind === 'content') contentShown++;
      const layout = layoutScene({
        kind: scene.kind,
        heading: heading.text,
        body: body.text,
        width,
        height,
        measureHeading: heading.measure,
        measureBody: body.measure,
        progress: scene.kind === 'content' ? contentShown / contentCount : undefined,
      });
      const output = join(ctx.workDir, `${name}.mp4`);
      const fontFiles = { heading: heading.file, body: body.file };
      await renderScene(
        { name, layout, fonts: fontFiles, durationSeconds: seconds, narrationFile, background, output },
        run.tools,
      );
      if (narrationFile) await rm(narrationFile, { force: true });
      segments.push(output);
      ctx.log('debug', `scene ${i + 1}/${planned.length} (${scene.kind}): ${seconds.toFixed(3)}s`, 'render');
      rendered += seconds;
      report('render', 25 + (55 * rendered) / total);
    }
    ctx.log('info', `rendered ${segments.length} scenes at ${width}x${height}, ${total.toFixed(1)}s`, 'render');
    return segments;
  }

  private async compose(segments: string[], { ctx, tools, report }: Run): Promise<string> {
    report('compose', 80);
    const file = join(ctx.workDir, 'video.mp4');
    await concatSegments(join(ctx.workDir, 'segments.txt'), segments, file, tools);
    await Promise.all(segments.map((segment) => rm(segment, { force: true })));
    ctx.log('info', `joined ${segments.length} segments`, 'compose');
    report('compose', 92);
    return file;
  }

  private async finalize(file: string, thumbnail: string, expectedSeconds: number, run: Run): Promise<ProbedVideo> {
    const { ctx, report } = run;
    const probed = await probeVideo(file, ctx.signal);
    report('finalize', 96);
    if (Math.abs(probed.durationSeconds - expectedSeconds) > DURATION_TOLERANCE_SECONDS) {
      ctx.log('warn', `video lasts ${probed.durationSeconds}s, planned ${expectedSeconds.toFixed(2)}s`, 'finalize');
    }
    await renderThumbnail(file, Math.min(1, probed.durationSeconds / 2), thumbnail, run.tools);
    ctx.log('info', `${probed.width}x${probed.height}, ${probed.durationSeconds}s, ${probed.fileSize} bytes`, 'finalize');
    report('finalize', 100);
    return probed;
  }

  /** Fonts are parsed once per pipeline instance; a failed load is retried by the next run. */
  private fontLibrary(signal: AbortSignal): Promise<FontLibrary> {
    this.fonts ??= FontLibrary.load(this.options.fontFile, signal).catch((error: unknown) => {
      this.fonts = undefined;
      throw error;
    });
    return this.fonts;
  }
}

/** Narration plus padding, at least long enough to read a card, rounded up to whole frames. */
export function sceneDuration(scene: Scene, narrationSeconds: number): number {
  const floor = scene.kind === 'content' ? MIN_CONTENT_SECONDS : MIN_CARD_SECONDS;
  const padded = narrationSeconds > 0 ? narrationSeconds + NARRATION_PADDING_SECONDS : 0;
  const seconds = Math.max(padded, floor, scene.minDurationSeconds ?? 0);
  return Math.ceil(seconds * FPS - 1e-6) / FPS;
}

/** Progress never goes backwards, whatever order callers report in. */
function monotonicProgress(ctx: PipelineContext): Run['report'] {
  let last = 0;
  return (stage, percent) => {
    last = Math.max(last, Math.min(100, Math.round(percent * 10) / 10));
    ctx.progress(stage, last);
  };
}
