/**
 * The offline "builtin" pipeline: an explainer video made only of local tools — espeak-ng narrates the
 * planned scenes, ffmpeg draws each scene as text on a gradient and joins them, ffprobe measures the result.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { probeDurationSeconds, probeVideo } from '../media-probe';
import {
  PipelineAbortedError,
  PipelineContext,
  PipelineError,
  PipelineResult,
  PipelineStage,
  QUALITY_RESOLUTION,
  VideoPipeline,
  VideoRequest,
} from '../video-pipeline';
import { FontLibrary } from './font-set';
import { DEFAULT_VOICE, VoiceSettings, resolveVoice, synthesize } from './narration';
import { Scene, planScenes } from './planner';
import { layoutScene } from './scene-layout';
import { FPS, NARRATION_LEAD_SECONDS, ToolRun, concatSegments, renderBackground, renderScene, renderThumbnail } from './scene-render';
import { isSpeakable } from './unicode-text';

export interface BuiltinPipelineOptions {
  /** Preferred font; installed defaults remain as fallbacks for scripts it lacks. */
  fontFile?: string;
  /** ffmpeg encoder threads per process (ffmpeg decides when unset). */
  ffmpegThreads?: number;
}

/** Silence around the narration: the lead before it plus a pause after it. */
const NARRATION_PADDING_SECONDS = NARRATION_LEAD_SECONDS + 0.35;
const MIN_CARD_SECONDS = 2.5;
const MIN_CONTENT_SECONDS = 2;
/** Tolerated gap between the planned length and what ffprobe measures before we log a warning. */
const DURATION_TOLERANCE_SECONDS = 0.5;

type Report = (stage: PipelineStage, percent: number) => void;

interface Narration {
  file: string | null;
  seconds: number;
}

export class BuiltinVideoPipeline implements VideoPipeline {
  readonly name = 'builtin';
  private fonts?: Promise<FontLibrary>;

  constructor(private readonly options: BuiltinPipelineOptions = {}) {}

  requiredTools(): string[] {
    return ['ffmpeg', 'ffprobe', 'espeak-ng'];
  }

  async run(request: VideoRequest, ctx: PipelineContext): Promise<PipelineResult> {
    const stageSeconds: Record<string, number> = {};
    const report = monotonicProgress(ctx);
    const stage = async <T>(name: PipelineStage, work: () => Promise<T>): Promise<T> => {
      if (ctx.signal.aborted) throw new PipelineAbortedError();
      const started = performance.now();
      try {
        return await work();
      } finally {
        stageSeconds[name] = Math.round(performance.now() - started) / 1000;
      }
    };
    const tools: ToolRun = { signal: ctx.signal, cwd: ctx.workDir, threads: this.options.ffmpegThreads };

    try {
      const scenes = await stage('plan', async () => {
        report('plan', 0);
        const planned = planScenes(request.topic, request.context, request.customConfig);
        ctx.log('info', `planned ${planned.length} scenes`, 'plan');
        report('plan', 5);
        return planned;
      });
      const narrations = await stage('narrate', () => this.narrate(scenes, request, ctx, report));
      const durations = scenes.map((scene, i) => sceneDuration(scene, narrations[i].seconds));
      const segments = await stage('render', () => this.render(scenes, narrations, durations, request, ctx, tools, report));
      const file = join(ctx.workDir, 'video.mp4');
      await stage('compose', async () => {
        report('compose', 80);
        await concatSegments(join(ctx.workDir, 'segments.txt'), segments, file, tools);
        await Promise.all(segments.map((segment) => rm(segment, { force: true })));
        ctx.log('info', `joined ${segments.length} segments`, 'compose');
        report('compose', 92);
      });
      const thumbnail = join(ctx.workDir, 'thumbnail.jpg');
      const metadata = await stage('finalize', async () => {
        const probed = await probeVideo(file, ctx.signal);
        report('finalize', 96);
        const planned = durations.reduce((sum, d) => sum + d, 0);
        if (Math.abs(probed.durationSeconds - planned) > DURATION_TOLERANCE_SECONDS) {
          ctx.log('warn', `video lasts ${probed.durationSeconds}s, planned ${planned.toFixed(2)}s`, 'finalize');
        }
        await renderThumbnail(file, Math.min(1, probed.durationSeconds / 2), thumbnail, tools);
        ctx.log('info', `${probed.width}x${probed.height} ${probed.durationSeconds}s ${probed.fileSize} bytes`, 'finalize');
        report('finalize', 100);
        return probed;
      });
      return { file, thumbnail, metadata, stageSeconds };
    } catch (error) {
      // Whatever broke after cancellation (a stream, a half-written file) is reported as the cancellation.
      if (ctx.signal.aborted && !(error instanceof PipelineAbortedError)) throw new PipelineAbortedError();
      throw error;
    }
  }

  private async narrate(scenes: Scene[], request: VideoRequest, ctx: PipelineContext, report: Report): Promise<Narration[]> {
    let voice = resolveVoice(request.customConfig);
    const narrations: Narration[] = [];
    for (const [i, scene] of scenes.entries()) {
      let narration: Narration = { file: null, seconds: 0 };
      if (isSpeakable(scene.narration)) {
        const file = join(ctx.workDir, `${sceneName(i)}.wav`);
        voice = await this.speak(scene.narration, file, voice, ctx);
        narration = { file, seconds: await probeDurationSeconds(file, ctx.signal) };
      }
      narrations.push(narration);
      report('narrate', 5 + (20 * (i + 1)) / scenes.length);
    }
    const spoken = narrations.reduce((sum, n) => sum + n.seconds, 0);
    ctx.log('info', `narrated ${spoken.toFixed(1)}s with voice ${voice.voice} at ${voice.rate} wpm`, 'narrate');
    return narrations;
  }

  /** Speaks with the requested voice; if espeak-ng rejects it (not installed), falls back to the default. Returns the voice used. */
  private async speak(text: string, file: string, voice: VoiceSettings, ctx: PipelineContext): Promise<VoiceSettings> {
    try {
      await synthesize(text, file, voice, ctx.signal, ctx.workDir);
      return voice;
    } catch (error) {
      const rejected = error instanceof PipelineError && error.code === 'TOOL_FAILED' && voice.voice !== DEFAULT_VOICE.voice;
      if (!rejected) throw error;
      ctx.log('warn', `espeak-ng failed with voice "${voice.voice}", using "${DEFAULT_VOICE.voice}": ${error.message}`, 'narrate');
      const fallback = { ...voice, voice: DEFAULT_VOICE.voice };
      await synthesize(text, file, fallback, ctx.signal, ctx.workDir);
      return fallback;
    }
  }

  private async render(
    scenes: Scene[],
    narrations: Narration[],
    durations: number[],
    request: VideoRequest,
    ctx: PipelineContext,
    tools: ToolRun,
    report: Report,
  ): Promise<string[]> {
    report('render', 25);
    const { width, height } = QUALITY_RESOLUTION[request.quality];
    const fonts = await this.fontLibrary(ctx.signal);
    const background = join(ctx.workDir, 'background.png');
    await renderBackground(width, height, background, tools);

    const total = durations.reduce((sum, d) => sum + d, 0);
    const contentCount = scenes.filter((s) => s.kind === 'content').length;
    let contentShown = 0;
    let rendered = 0;
    const segments: string[] = [];
    for (const [i, scene] of scenes.entries()) {
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
      const output = join(ctx.workDir, `${sceneName(i)}.mp4`);
      await renderScene(
        {
          name: sceneName(i),
          layout,
          fonts: { heading: heading.file, body: body.file },
          durationSeconds: durations[i],
          narrationFile: narrations[i].file,
          background,
          output,
        },
        tools,
      );
      const narrationFile = narrations[i].file;
      if (narrationFile) await rm(narrationFile, { force: true });
      segments.push(output);
      rendered += durations[i];
      report('render', 25 + (55 * rendered) / total);
    }
    ctx.log('info', `rendered ${segments.length} scenes at ${width}x${height}, ${total.toFixed(1)}s`, 'render');
    return segments;
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

function sceneName(index: number): string {
  return `scene-${String(index + 1).padStart(2, '0')}`;
}

/** Progress never goes backwards, whatever order callers report in. */
function monotonicProgress(ctx: PipelineContext): Report {
  let last = 0;
  return (stage, percent) => {
    last = Math.max(last, Math.min(100, Math.round(percent * 10) / 10));
    ctx.progress(stage, last);
  };
}
