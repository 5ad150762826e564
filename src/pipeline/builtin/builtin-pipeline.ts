/**
 * The offline "builtin" pipeline: an explainer video made only of local tools — espeak-ng narrates the
 * planned scenes, ffmpeg draws them (themed gradient, text, pictures, captions, crossfades; a few scenes per
 * process, see render-graph) while the narration is encoded alongside, the compose stage joins them (mixing
 * in background music when asked), and ffprobe measures the result.
 */
import { access, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ToolRun, renderThumbnail } from '../ffmpeg';
import { probeDimensions, probeVideo } from '../media-probe';
import {
  CustomConfigProblem,
  GenerationInfo,
  PipelineAbortedError,
  PipelineContext,
  PipelineError,
  PipelineResult,
  PipelineStage,
  ProbedVideo,
  VideoPipeline,
  VideoRequest,
} from '../video-pipeline';
import { CaptionCue, splitIntoCues, timeCues, toWebVtt } from './captions';
import { BuiltinSettings, parseBuiltinConfig } from './custom-config';
import { FontLibrary } from './font-set';
import { SpokenClip, VoiceEngine, VoiceOptions, createVoiceEngine } from './voices';
import { FPS, FrameSize, frameSize } from './output-format';
import { DeterministicPlanner, LlmPlanner, LlmPlannerOptions, PlanOutcome, Planner, toScenes } from './planning';
import { groundInDocuments } from './grounding';
import { MusicBed, NarrationClip, RenderScene, concatList } from './render-graph';
import { Passage, Scene } from './scene';
import { drawScene } from './scene-drawing';
import { captionStyle } from './scene-layout';
import { RenderedChunk, chunkAt, composeVideo, encodeNarration, renderChunks } from './scene-render';
import { NARRATION_LEAD_SECONDS, PAUSE_AFTER_NARRATION_SECONDS, TRANSITION_FRAMES, sceneFrames, timeline } from './timeline';
import { isSpeakable } from './unicode-text';

export interface BuiltinPipelineOptions {
  /** Preferred font; installed defaults remain as fallbacks for scripts it lacks. */
  fontFile?: string;
  /** ffmpeg threads per process; 0 or unset lets ffmpeg decide. */
  ffmpegThreads?: number;
  /** Who speaks: espeak-ng (the default) or an OpenAI-compatible speech endpoint. */
  voice?: VoiceOptions;
  /** A model behind an OpenAI-compatible chat completions endpoint plans; without it the deterministic planner does. */
  llm?: LlmPlannerOptions;
}

/** Tolerated gap between the planned length and what ffprobe measures before we log a warning. */
const DURATION_TOLERANCE_SECONDS = 0.5;
/** espeak-ng is single-threaded: two at a time keep two cores busy (and a speech endpoint is not flooded). */
const NARRATION_CONCURRENCY = 2;

/** Everything one run's stages share. */
interface Run {
  request: VideoRequest;
  ctx: PipelineContext;
  settings: BuiltinSettings;
  tools: ToolRun;
  report(stage: PipelineStage, percent: number): void;
  /** Filled in by the stages as they learn it. */
  generation: GenerationInfo;
}

interface Plan {
  scenes: Scene[];
  /** Picture file and width/height ratio per scene index. */
  pictures: Map<number, { file: string; aspect: number }>;
  music?: MusicBed;
}

interface NarratedScene {
  scene: Scene;
  /** File name prefix in the work directory. */
  name: string;
  narrationFile: string | null;
  narrationSeconds: number;
  frames: number;
}

interface Rendered {
  /** The video stream, in chunks to join. */
  chunks: RenderedChunk[];
  /** The encoded narration, unless it is mixed with music in the compose stage. */
  narrationTrack?: string;
  captions: string;
  durationSeconds: number;
  narration: NarrationClip[];
}

export class BuiltinVideoPipeline implements VideoPipeline {
  readonly name = 'builtin';
  private fonts?: Promise<FontLibrary>;
  private readonly voices: VoiceEngine;
  private readonly planner: Planner;

  /** Throws on a misconfiguration, so that it shows at startup rather than in every job. */
  constructor(private readonly options: BuiltinPipelineOptions = {}) {
    if (options.fontFile !== undefined && !existsSync(options.fontFile)) {
      throw new Error(`builtin pipeline: font file ${options.fontFile} does not exist`);
    }
    const threads = options.ffmpegThreads;
    if (threads !== undefined && !(Number.isInteger(threads) && threads >= 0)) {
      throw new Error(`builtin pipeline: ffmpegThreads must be a whole number ≥ 0, got ${threads}`);
    }
    this.voices = createVoiceEngine(options.voice);
    this.planner = options.llm ? new LlmPlanner(options.llm) : new DeterministicPlanner();
  }

  requiredTools(): string[] {
    return ['ffmpeg', 'ffprobe', ...this.voices.requiredTools()];
  }

  checkCustomConfig(customConfig: Record<string, unknown>): CustomConfigProblem[] {
    return parseBuiltinConfig(customConfig, this.voices.kind).problems;
  }

  async run(request: VideoRequest, ctx: PipelineContext): Promise<PipelineResult> {
    const { settings, problems } = parseBuiltinConfig(request.customConfig, this.voices.kind);
    // Checked before queuing; a job queued before a rule changed fails plainly rather than guessing.
    if (problems.length > 0) {
      const list = problems.map((p) => `${p.field}: ${p.message}`).join('; ');
      throw new PipelineError(`invalid custom_config: ${list}`, 'INVALID_CUSTOM_CONFIG', false);
    }
    const run: Run = {
      request,
      ctx,
      settings,
      tools: { signal: ctx.signal, cwd: ctx.workDir, threads: this.options.ffmpegThreads },
      report: monotonicProgress(ctx),
      generation: { planner: 'custom', voice: '', scenes: 0 }, // each stage fills in what it learns
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
      const passages = await stage('ground', () => this.ground(run));
      const plan = await stage('plan', () => this.plan(run, passages));
      const narrated = await stage('narrate', () => this.narrate(plan.scenes, run));
      const rendered = await stage('render', () => this.render(narrated, plan, run));
      const thumbnail = join(ctx.workDir, 'thumbnail.jpg');
      const file = await stage('compose', () => this.compose(rendered, plan, thumbnail, run));
      const metadata = await stage('finalize', () => this.finalize(file, rendered.durationSeconds, run));
      return { file, thumbnail, captions: rendered.captions, metadata, stageSeconds, generation: run.generation };
    } catch (error) {
      // Whatever broke after cancellation (a stream, a half-written file) is reported as the cancellation.
      if (ctx.signal.aborted && !(error instanceof PipelineAbortedError)) throw new PipelineAbortedError();
      throw error;
    }
  }

  /** use_rag: the passages of the caller's documents that best match topic + context (none without use_rag). */
  private async ground({ request, ctx, settings, report, generation }: Run): Promise<Passage[]> {
    // Reported even when skipped, so that every run measures every stage (ETA sums them).
    report('ground', 0);
    if (!request.useRag) return [];
    if (settings.scenes) {
      ctx.log('info', 'use_rag: the request wrote its own scenes, so there is no plan to ground', 'ground');
      return [];
    }
    const found = await groundInDocuments(request.assets?.documents ?? [], { topic: request.topic, context: request.context }, ctx.signal);
    if (found.skipped.length > 0) ctx.log('warn', `use_rag: left out ${found.skipped.join(', ')} (unreadable or past the indexing budget)`, 'ground');
    if (found.documents === 0) {
      ctx.log('warn', 'use_rag: you have no documents to ground the plan in; planning from the topic and context alone', 'ground');
      return [];
    }
    const sources = [...new Set(found.passages.map((p) => p.source))];
    generation.grounding = { passages: found.passages.length, sources };
    ctx.log(
      'info',
      found.passages.length > 0
        ? `use_rag: ${found.passages.length} of ${found.indexed} passages in ${found.documents} documents match: ${sources.join(', ')}`
        : `use_rag: nothing in ${found.documents} documents matches the topic and context`,
      'ground',
    );
    report('ground', 2);
    return found.passages;
  }

  /** Scenes (the request's own, or the planner's), and the uploads they use (pictures measured now, so that layout knows their shape). */
  private async plan(run: Run, passages: Passage[]): Promise<Plan> {
    const { request, ctx, settings, report, generation } = run;
    report('plan', 2);
    const outcome: PlanOutcome = settings.scenes ? { scenes: settings.scenes, planner: 'custom' } : await this.planContent(run, passages);
    generation.planner = outcome.planner;
    if (outcome.model !== undefined) generation.model = outcome.model;
    if (outcome.promptVersion !== undefined) generation.prompt_version = outcome.promptVersion;
    if (outcome.usage !== undefined) generation.usage = outcome.usage;
    const scenes = toScenes(request.topic, outcome.scenes);
    generation.scenes = scenes.length;
    const pictures: Plan['pictures'] = new Map();
    for (const [i, scene] of scenes.entries()) {
      if (scene.imageFileId === undefined) continue;
      const file = await assetFile(request.assets?.images[scene.imageFileId], `image ${scene.imageFileId}`);
      const { width, height } = await probeDimensions(file, ctx.signal).catch((error: unknown) => {
        throw asAssetError(error, `image ${scene.imageFileId}`);
      });
      pictures.set(i, { file, aspect: width / height });
    }
    const plan: Plan = { scenes, pictures };
    if (settings.backgroundAudioFileId !== undefined) {
      const what = `background audio ${settings.backgroundAudioFileId}`;
      plan.music = { file: await assetFile(request.assets?.backgroundAudio, what), volume: settings.backgroundMusicVolume };
    }
    const extras = [`${settings.aspectRatio}`, `captions ${settings.captions ? 'on' : 'off'}`];
    if (pictures.size > 0) extras.push(`${pictures.size} pictures`);
    if (plan.music) extras.push(`music at ${Math.round(settings.backgroundMusicVolume * 100)}%`);
    ctx.log('info', `planned ${scenes.length} scenes (${extras.join(', ')})`, 'plan');
    report('plan', 5);
    return plan;
  }

  /** The content scenes from the configured planner. */
  private planContent({ request, ctx }: Run, passages: Passage[]): Promise<PlanOutcome> {
    return this.planner.plan({
      topic: request.topic,
      context: request.context,
      model: request.model,
      passages,
      signal: ctx.signal,
      log: (level, message) => ctx.log(level, message, 'plan'),
    });
  }

  /** Speaks every scene (two at a time) and sets each scene's length from the audio the voice returned. */
  private async narrate(scenes: Scene[], run: Run): Promise<NarratedScene[]> {
    const { ctx } = run;
    const names = scenes.map((_, i) => `scene-${String(i + 1).padStart(2, '0')}`);
    const voice = this.voices.voiceFor(run.settings.voice, (level, message) => ctx.log(level, message, 'narrate'));
    const spoken = scenes.flatMap((scene, i) => (isSpeakable(scene.narration) ? [i] : []));
    const clips = new Map<number, SpokenClip>();
    let done = 0;
    await forEachLimited(spoken, NARRATION_CONCURRENCY, async (i) => {
      clips.set(i, await voice.speak(scenes[i].narration, join(ctx.workDir, names[i]), ctx.signal));
      run.report('narrate', 5 + (20 * ++done) / spoken.length);
    });
    run.generation.voice = voice.name;
    const seconds = [...clips.values()].reduce((sum, clip) => sum + clip.seconds, 0);
    ctx.log('info', `narrated ${spoken.length} scenes with ${voice.name} at ${run.settings.voice.rate} wpm: ${seconds.toFixed(1)} s of speech`, 'narrate');
    return scenes.map((scene, i) => {
      const clip = clips.get(i);
      return {
        scene,
        name: names[i],
        narrationFile: clip?.file ?? null,
        narrationSeconds: clip?.seconds ?? 0,
        frames: sceneFrames(scene, clip?.seconds ?? 0, i === scenes.length - 1),
      };
    });
  }

  /** Draws every scene and its captions, writes the WebVTT file, and renders the video stream (in chunks) and the narration track. */
  private async render(narrated: NarratedScene[], plan: Plan, run: Run): Promise<Rendered> {
    const { ctx, settings, report } = run;
    report('render', 25);
    const frame = frameSize(run.request.quality, settings.aspectRatio);
    const fonts = await this.fontLibrary(ctx.signal);

    const { startFrames, totalFrames } = timeline(narrated.map((n) => n.frames));
    const durationSeconds = totalFrames / FPS;
    const contentCount = narrated.filter((n) => n.scene.kind === 'content').length;
    let contentShown = 0;
    const cues: CaptionCue[] = [];
    const scenes: RenderScene[] = [];
    const narration: NarrationClip[] = [];
    for (const [i, planned] of narrated.entries()) {
      const { scene } = planned;
      if (scene.kind === 'content') contentShown++;
      const startSeconds = startFrames[i] / FPS;
      const sceneCues = this.captionCues(planned, frame, fonts);
      cues.push(...sceneCues.map((cue) => ({ ...cue, start: cue.start + startSeconds, end: cue.end + startSeconds })));
      if (planned.narrationFile) {
        narration.push({ file: planned.narrationFile, startSeconds: startSeconds + NARRATION_LEAD_SECONDS });
      }
      const burn = settings.captions && sceneCues.length > 0 && !headingSaysIt(scene);
      const drawn = await drawScene(planned, {
        frame,
        fonts,
        theme: settings.theme,
        workDir: ctx.workDir,
        cues: burn ? sceneCues : [],
        picture: plan.pictures.get(i),
        progress: scene.kind === 'content' ? contentShown / contentCount : undefined,
      });
      if (drawn.missingGlyphs > 0) ctx.log('warn', `${planned.name}: no installed font has ${drawn.missingGlyphs} of its characters`, 'render');
      scenes.push(drawn.render);
      ctx.log('debug', `scene ${i + 1}/${narrated.length} (${scene.kind}): ${(planned.frames / FPS).toFixed(3)}s`, 'render');
    }

    const captions = join(ctx.workDir, 'captions.vtt');
    await writeFile(captions, toWebVtt(cues), 'utf8');
    // With music, narration and music are mixed (and encoded once) in the compose stage.
    const narrationTrack = plan.music ? undefined : join(ctx.workDir, 'narration.m4a');
    const [chunks] = await together(
      ctx.signal,
      (signal) =>
        renderChunks({ frame, theme: settings.theme, scenes }, { ...run.tools, signal }, (done) => report('render', 25 + 60 * done)),
      async (signal) => {
        if (narrationTrack) await encodeNarration(narration, durationSeconds, narrationTrack, { ...run.tools, signal });
      },
    );
    ctx.log(
      'info',
      `rendered ${scenes.length} scenes at ${frame.width}x${frame.height}, ${durationSeconds.toFixed(1)}s, ` +
        `${cues.length} captions`,
      'render',
    );
    const rendered: Rendered = { chunks, captions, durationSeconds, narration };
    if (narrationTrack) rendered.narrationTrack = narrationTrack;
    return rendered;
  }

  /** The scene's narration as caption cues, in seconds from the start of the scene. */
  private captionCues(planned: NarratedScene, frame: FrameSize, fonts: FontLibrary): CaptionCue[] {
    if (!planned.narrationFile) return [];
    const style = captionStyle(frame);
    const font = fonts.choose(planned.scene.narration, 'regular');
    const lines = splitIntoCues(font.text, (style.maxWidth * 0.97) / style.fontSize, font.measure);
    const speechEnd = NARRATION_LEAD_SECONDS + planned.narrationSeconds;
    const sceneSeconds = planned.frames / FPS;
    // Captions stay up through the pause after the narration, but are gone before the scene fades out.
    const holdUntil = Math.min(speechEnd + PAUSE_AFTER_NARRATION_SECONDS, sceneSeconds - TRANSITION_FRAMES / FPS);
    return timeCues(lines, NARRATION_LEAD_SECONDS, planned.narrationSeconds, holdUntil);
  }

  /** Joins the chunks and the sound into the finished MP4; meanwhile cuts the thumbnail from the chunk that shows it. */
  private async compose(rendered: Rendered, plan: Plan, thumbnail: string, { ctx, tools, report }: Run): Promise<string> {
    report('compose', 85);
    const file = join(ctx.workDir, 'video.mp4');
    const chunkList = join(ctx.workDir, 'chunks.txt');
    await writeFile(chunkList, concatList(rendered.chunks.map((chunk) => chunk.file)), 'utf8');
    const sound = plan.music ? { bed: plan.music, narration: rendered.narration } : { track: rendered.narrationTrack ?? '' };
    // The finished video copies the chunks' frames, so the thumbnail need not wait for it.
    const shown = chunkAt(rendered.chunks, Math.min(1, rendered.durationSeconds / 2));
    await Promise.all([
      composeVideo({ chunkList, durationSeconds: rendered.durationSeconds, sound, output: file }, tools),
      renderThumbnail(shown.file, shown.atSeconds, thumbnail, tools),
    ]);
    const leftovers = [
      ...rendered.chunks.map((chunk) => chunk.file),
      ...(rendered.narrationTrack ? [rendered.narrationTrack] : []),
      ...rendered.narration.map((clip) => clip.file),
    ];
    await Promise.all(leftovers.map((f) => rm(f, { force: true })));
    ctx.log('info', plan.music ? 'mixed narration with ducked background audio' : 'muxed narration', 'compose');
    report('compose', 93);
    return file;
  }

  private async finalize(file: string, expectedSeconds: number, { ctx, report }: Run): Promise<ProbedVideo> {
    report('finalize', 94);
    const probed = await probeVideo(file, ctx.signal);
    if (Math.abs(probed.durationSeconds - expectedSeconds) > DURATION_TOLERANCE_SECONDS) {
      ctx.log('warn', `video lasts ${probed.durationSeconds}s, planned ${expectedSeconds.toFixed(2)}s`, 'finalize');
    }
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

/**
 * Cards whose narration is their own heading (the title card, the outro, a custom section card) keep their
 * cue in the WebVTT file but get no burned-in caption: the same words twice on one frame only add clutter.
 */
function headingSaysIt(scene: Scene): boolean {
  const words = (text: string): string => text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
  return words(scene.narration) === words(scene.title);
}

/** The path the worker resolved for an upload; missing means the job cannot be made as asked. */
async function assetFile(file: string | undefined, what: string): Promise<string> {
  const missing = new PipelineError(`${what} is not available to the pipeline`, 'ASSET_MISSING', false);
  if (file === undefined) throw missing;
  await access(file).catch(() => {
    throw missing;
  });
  return file;
}

/** ffprobe failing on an upload is a problem with the upload, not a fault worth retrying. */
function asAssetError(error: unknown, what: string): unknown {
  if (!(error instanceof PipelineError) || error.code === 'TOOL_MISSING' || error.code === 'TOOL_TIMEOUT') return error;
  return new PipelineError(`${what} cannot be read as a picture: ${error.message}`, 'ASSET_INVALID', false);
}

/**
 * Runs `work` over `items` with at most `limit` running at once. After a failure no new item starts, and the
 * first error is thrown once the running ones have finished (so no tool outlives the stage).
 */
async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      await work(items[next++]).catch((error: unknown) => {
        failed = true;
        throw error;
      });
    }
  };
  const outcomes = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failure) throw failure.reason;
}

/**
 * Runs two jobs side by side under a signal of their own: if one fails the other is cancelled, and the first
 * failure is thrown once both have stopped (no tool outlives the stage).
 */
async function together<A, B>(
  signal: AbortSignal,
  first: (signal: AbortSignal) => Promise<A>,
  second: (signal: AbortSignal) => Promise<B>,
): Promise<[A, B]> {
  const both = new AbortController();
  const abort = (): void => both.abort();
  // A signal aborted before this point never fires 'abort' again: without this check both jobs would run to the end.
  if (signal.aborted) both.abort();
  else signal.addEventListener('abort', abort, { once: true });
  let failure: { error: unknown } | undefined;
  const guarded = <T>(job: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> =>
    job(both.signal).catch((error: unknown) => {
      // The first failure is the cause; the other job's cancellation follows from it.
      failure ??= { error };
      both.abort();
      return undefined;
    });
  try {
    const [a, b] = await Promise.all([guarded(first), guarded(second)]);
    if (failure) throw failure.error;
    return [a as A, b as B];
  } finally {
    signal.removeEventListener('abort', abort);
  }
}

/** Progress never goes backwards, whatever order callers report in. */
function monotonicProgress(ctx: PipelineContext): Run['report'] {
  let last = 0;
  return (stage, percent) => {
    last = Math.max(last, Math.min(100, Math.round(percent * 10) / 10));
    ctx.progress(stage, last);
  };
}
