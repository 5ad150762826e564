/**
 * The ffmpeg command lines of the render and compose stages, built as pure functions.
 *
 * The video stream is rendered in chunks of a few scenes, one ffmpeg process each (a short video is a single
 * chunk), and the chunks are joined with `-c copy`; the narration is encoded by its own process alongside.
 * Within a chunk the graph is one timeline:
 *  - the base: each scene's static parts (background, boxes, text, and graphics such as formulas and code —
 *    PNG inputs overlaid once) drawn once on a still that is repeated (repeats are references to one frame,
 *    so they cost next to nothing), crossfading into the next scene's still over 12 frames, the pieces joined
 *    by the concat filter. A scene whose content changes (bullets revealed, pages of code) is a sequence of
 *    such stills, one piece each: the crossfade into it shows its first step, the crossfade out its last;
 *  - layers on that timeline for what changes over time — each picture's slow zoom and each caption cue, a
 *    small canvas drawn once — every layer a stream that exists only for its own frames.
 * Why this shape (measured on ffmpeg 5.1): xfade copies every frame it passes (~0.7 ms per 720p frame, even
 * outside the transition) and blends in plain C (~6 ms per frame), so the crossfade is an alpha fade on
 * overlay's SIMD blend instead; drawtext per frame costs ~1 ms a frame, hence captions drawn once; and concat
 * pulls from all its inputs at once, so anything feeding it renders ahead and queues its frames — cheap for
 * repeated stills, but the crossfades' frames add up, which chunking bounds (~100 MB a chunk at 720p
 * instead of gigabytes for a long video at 1440p). One process per chunk rather than per scene also saves a
 * start-up and an encoder warm-up per scene, and one audio encode for the whole video has no AAC priming
 * gaps at segment joins.
 *
 * User text never enters a filter string: each line is read by drawtext from its own file with expansion
 * disabled, and every value placed in the graph is escaped.
 */
import { QUIET_FFMPEG, filter } from '../ffmpeg';
import { AUDIO_ENCODE_ARGS, AUDIO_SAMPLE_RATE, FPS, FrameSize, videoEncodeArgs } from './output-format';
import { Box, Rect, TextLine } from './scene-layout';
import { Theme } from './theme';
import { FINAL_FADE_SECONDS, TRANSITION_FRAMES, timeline } from './timeline';

/**
 * Scenes per render process, about: bounds the memory a render holds, whatever the video's length (a chunk
 * holds at most 4/3 of it, eight scenes).
 */
export const SCENES_PER_CHUNK = 6;
/** A slow zoom (Ken Burns) from 100% to 106% over the scene. */
const PICTURE_ZOOM = 0.06;
/** Pictures are scaled to twice their drawn size first, so that zoompan's whole-pixel crops do not judder. */
const PICTURE_OVERSAMPLING = 2;
const AUDIO_FADE_OUT_SECONDS = 0.5;

export interface DrawnText {
  line: TextLine;
  /** File holding line.text, read by drawtext. */
  file: string;
  fontFile: string;
}

export interface CaptionDrawing {
  /** Seconds from the start of the scene. */
  start: number;
  end: number;
  box: Box;
  texts: DrawnText[];
}

/** A picture drawn once into a still (a formula, a page of code): a PNG at its own pixel size, placed at (x, y). */
export interface Graphic {
  file: string;
  x: number;
  y: number;
}

/** What a still shows on the scene's background, in drawing order: boxes, graphics, text. */
export interface StillContent {
  boxes: Box[];
  graphics: Graphic[];
  texts: DrawnText[];
}

/** From `startFrame` (counted from the scene's first frame) until the next step, the still also shows this. */
export interface SceneStep extends StillContent {
  startFrame: number;
}

export interface RenderScene extends StillContent {
  frames: number;
  /**
   * What changes during the scene, in order, the first starting at frame 0; empty for a scene that shows
   * one still throughout. A step should start after the crossfade into the scene, or it is only seen from
   * then on.
   */
  steps: SceneStep[];
  picture?: { file: string; rect: Rect };
  captions: CaptionDrawing[];
}

export interface VideoRender {
  frame: FrameSize;
  theme: Theme;
  scenes: RenderScene[];
}

/** Scenes `first`…`last` (inclusive) of a render, each with the crossfade into it. */
export interface Chunk {
  first: number;
  last: number;
}

/**
 * As many chunks as `perChunk` scenes each makes, rounded to the nearest, the scenes spread evenly over them:
 * never a lone scene or two in a process of their own (a start-up and an encoder warm-up for a few seconds of
 * video: an intro, five scenes and an outro are one chunk, not six scenes and one).
 */
export function planChunks(sceneCount: number, perChunk = SCENES_PER_CHUNK): Chunk[] {
  const count = Math.max(1, Math.round(sceneCount / perChunk));
  return Array.from({ length: count }, (_, k) => ({
    first: Math.floor((k * sceneCount) / count),
    last: Math.floor(((k + 1) * sceneCount) / count) - 1,
  }));
}

/**
 * The frames of the finished video a chunk renders. A chunk starts where the crossfade into its first scene
 * starts and ends where the crossfade out of its last scene starts, so no piece is ever cut in two.
 */
export function chunkFrames(render: VideoRender, chunk: Chunk): { from: number; to: number } {
  const { startFrames, totalFrames } = timeline(render.scenes.map((s) => s.frames));
  const to = chunk.last === render.scenes.length - 1 ? totalFrames : startFrames[chunk.last + 1];
  return { from: startFrames[chunk.first], to };
}

/** The ffmpeg argv rendering one chunk's video stream (no audio) into `output`. */
export function chunkArgs(render: VideoRender, chunk: Chunk, output: string, threads?: number): string[] {
  const { scenes } = render;
  const { startFrames } = timeline(scenes.map((s) => s.frames));
  const { from, to } = chunkFrames(render, chunk);
  const last = scenes.length - 1;
  // The scene before the chunk is needed for the crossfade into the chunk's first scene.
  const drawn = range(Math.max(0, chunk.first - 1), chunk.last);
  const graph = [`${background(render.frame, render.theme)},split=${drawn.length}${drawn.map((i) => `[bg${i}]`).join('')}`];
  // Each input's arguments; its index is its number in the graph ([0:v], [1:v]…).
  const inputs: string[][] = [];
  const addInput = (...args: string[]): number => inputs.push(args) - 1;
  // Each graphic file is one input, split when several stills show it (a page of code while bullets appear).
  const graphicUses = new Map<string, { input: number; uses: number }>();
  const graphic = (file: string): string => {
    const known = graphicUses.get(file) ?? { input: addInput('-i', file), uses: 0 };
    graphicUses.set(file, { ...known, uses: known.uses + 1 });
    return `[g${known.input}u${known.uses}]`;
  };

  // The base timeline: each scene's stills held for their frames, crossfading into the next scene.
  const pieces: string[] = [];
  for (const i of drawn) {
    const scene = scenes[i];
    const ownScene = i >= chunk.first;
    const head = i > 0 ? TRANSITION_FRAMES : 0;
    const tail = i < last ? TRANSITION_FRAMES : 0;
    const steps: SceneStep[] = scene.steps.length > 0 ? scene.steps : [{ startFrame: 0, boxes: [], graphics: [], texts: [] }];
    const lastStep = steps.length - 1;
    // The frames of the body (between the crossfades) each step holds.
    const bodyFrames = steps.map((step, k) => {
      const end = k < lastStep ? Math.min(steps[k + 1].startFrame, scene.frames - tail) : scene.frames - tail;
      return Math.max(0, end - Math.max(step.startFrame, head));
    });
    const uses = steps.map((_, k) => [
      ...(ownScene && head && k === 0 ? ['to'] : []),
      ...(ownScene && bodyFrames[k] > 0 ? ['body'] : []),
      ...(k === lastStep && i < chunk.last ? ['from'] : []),
    ]);
    const shown = steps.flatMap((_, k) => (uses[k].length > 0 ? [k] : []));
    const stillOf = (k: number): string => `still${i}s${k}`;
    if (shown.length === 1) {
      drawStill(graph, `bg${i}`, merge(scene, steps[shown[0]]), stillOf(shown[0]), graphic);
    } else {
      drawStill(graph, `bg${i}`, scene, `base${i}`, graphic);
      graph.push(`[base${i}]split=${shown.length}${shown.map((k) => `[base${i}s${k}]`).join('')}`);
      for (const k of shown) drawStill(graph, `base${i}s${k}`, steps[k], stillOf(k), graphic);
    }
    for (const k of shown) {
      const labels = uses[k].map((use) => `[${use}${i}s${k}in]`);
      graph.push(`[${stillOf(k)}]format=yuv420p,split=${labels.length}${labels.join('')}`);
    }
    if (i < chunk.last) graph.push(`[from${i}s${lastStep}in]${hold(TRANSITION_FRAMES)}[from${i}]`);
    if (!ownScene) continue;
    if (head) {
      // The incoming still fades in (alpha) over the outgoing one: a crossfade on overlay's SIMD blend.
      const fadeIn = `format=yuva420p,fade=t=in:st=0:d=${seconds(TRANSITION_FRAMES)}:alpha=1`;
      graph.push(`[to${i}s0in]${hold(TRANSITION_FRAMES)},${fadeIn}[to${i}]`);
      graph.push(`[from${i - 1}][to${i}]overlay=format=yuv420[x${i}]`);
      pieces.push(`[x${i}]`);
    }
    for (const k of shown) {
      if (bodyFrames[k] === 0) continue;
      const label = k === 0 ? `body${i}` : `body${i}s${k}`;
      graph.push(`[body${i}s${k}in]${hold(bodyFrames[k])}[${label}]`);
      pieces.push(`[${label}]`);
    }
  }
  for (const { input, uses } of graphicUses.values()) {
    graph.push(`[${input}:v]split=${uses}${Array.from({ length: uses }, (_, k) => `[g${input}u${k}]`).join('')}`);
  }
  // concat answers in microseconds: back to the frame time base for the layers below.
  graph.push(`${pieces.join('')}concat=n=${pieces.length}:v=1:a=0,settb=1/${FPS},setpts=N[base]`);

  // What changes over time is laid on that timeline, each layer only for its own frames.
  let current = '[base]';
  const overlay = (stream: string, rect: { x: number; y: number }): void => {
    const output = `[layer${graph.length}]`;
    const blend = filter('overlay', { x: rect.x, y: rect.y, format: 'yuv420', eof_action: 'pass' });
    graph.push(`${current}${stream}${blend}${output}`);
    current = output;
  };
  for (const i of drawn) {
    const picture = scenes[i].picture;
    if (!picture) continue;
    // The part of the scene's frames inside the chunk: [a, b) in the video's frames.
    const a = Math.max(startFrames[i], from);
    const b = Math.min(startFrames[i] + scenes[i].frames, to);
    if (b <= a) continue;
    const input = addInput('-framerate', String(FPS), '-i', picture.file);
    const fadeOutAt = startFrames[i] + scenes[i].frames - TRANSITION_FRAMES;
    const fades = [
      ...(i > 0 && a < startFrames[i] + TRANSITION_FRAMES ? [`fade=t=in:st=0:d=${seconds(TRANSITION_FRAMES)}:alpha=1`] : []),
      ...(i < last && b > fadeOutAt ? [`fade=t=out:st=${seconds(fadeOutAt - a)}:d=${seconds(TRANSITION_FRAMES)}:alpha=1`] : []),
    ];
    const zoom = kenBurns(picture.rect, scenes[i].frames, a - startFrames[i], b - a);
    graph.push(`[${input}:v]${[zoom, ...fades, `settb=1/${FPS}`, `setpts=N+${a - from}`].join(',')}[pic${i}]`);
    overlay(`[pic${i}]`, picture.rect);
  }
  for (const i of range(chunk.first, chunk.last)) {
    scenes[i].captions.forEach((caption, k) => {
      // Cues lie between the crossfades, so never across a chunk's edge.
      const start = Math.min(scenes[i].frames, Math.round(caption.start * FPS));
      const end = Math.min(scenes[i].frames, Math.round(caption.end * FPS));
      if (end <= start) return;
      graph.push(`${captionCanvas(caption)},${hold(end - start)},setpts=PTS+${startFrames[i] + start - from}[cue${i}x${k}]`);
      overlay(`[cue${i}x${k}]`, caption.box);
    });
  }
  const fadeAt = ((to - from) / FPS - FINAL_FADE_SECONDS).toFixed(3);
  const finalFade = chunk.last === last ? [`fade=t=out:st=${fadeAt}:d=${FINAL_FADE_SECONDS}`] : [];
  graph.push(`${current}${[...finalFade, 'null'].join(',')}[v]`);

  return [
    ...QUIET_FFMPEG,
    ...['-progress', 'pipe:1', '-nostats'],
    ...inputs.flat(),
    ...['-filter_complex', graph.join(';'), '-map', '[v]', ...videoEncodeArgs(render.frame)],
    ...(threads ? ['-threads', String(threads)] : []),
    output,
  ];
}

/** A scene's own content with one step's on top. */
function merge(scene: StillContent, step: StillContent): StillContent {
  return {
    boxes: [...scene.boxes, ...step.boxes],
    graphics: [...scene.graphics, ...step.graphics],
    texts: [...scene.texts, ...step.texts],
  };
}

/**
 * Draws `content` on the still [from] as [to]: boxes, then each graphic (a stream of its input, overlaid
 * once), then text. The still stays in RGB until it is held, so graphics blend at full colour resolution.
 */
function drawStill(graph: string[], from: string, content: StillContent, to: string, graphicStream: (file: string) => string): void {
  let head = `[${from}]`;
  let filters = content.boxes.map(drawBox);
  content.graphics.forEach((graphic, k) => {
    if (filters.length > 0) {
      graph.push(`${head}${filters.join(',')}[${to}g${k}]`);
      head = `[${to}g${k}]`;
    }
    head += graphicStream(graphic.file);
    filters = [filter('overlay', { x: graphic.x, y: graphic.y, format: 'gbrp' })];
  });
  filters.push(...content.texts.map(drawText));
  graph.push(`${head}${filters.length > 0 ? filters.join(',') : 'null'}[${to}]`);
}

function range(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, k) => first + k);
}

/** A still repeated for `frames` frames, timed from zero. */
function hold(frames: number): string {
  return `loop=loop=-1:size=1,settb=1/${FPS},setpts=N,trim=end_frame=${frames}`;
}

/** One caption cue drawn once on a transparent canvas the size of its box (text placed relative to the box). */
function captionCanvas({ box, texts }: CaptionDrawing): string {
  const moved = texts.map((text) => ({
    ...text,
    line: { ...text.line, x: text.line.x - box.x, baseline: text.line.baseline - box.y },
  }));
  return [
    filter('color', { c: box.color, s: `${box.width}x${box.height}`, r: FPS }),
    'format=rgba',
    'trim=end_frame=1',
    ...moved.map(drawText),
    'format=yuva420p',
  ].join(',');
}

/**
 * One frame of the theme's diagonal gradient (with a soft vignette on dark themes); light noise dithers away
 * the banding H.264 would show. Generated inside the render graph: no separate process or file. It is made
 * in 8-bit planar RGB, since left to negotiation noise may get a float format it garbles.
 */
function background({ width, height }: FrameSize, theme: Theme): string {
  const gradient = filter('gradients', {
    s: `${width}x${height}`,
    c0: theme.backgroundFrom,
    c1: theme.backgroundTo,
    x0: 0,
    y0: 0,
    x1: width,
    y1: height,
    nb_colors: 2,
  });
  const look = [...(theme.vignette ? ['vignette=angle=PI/5'] : []), 'noise=alls=3:allf=u'];
  return [gradient, 'trim=end_frame=1', 'format=gbrp', ...look].join(',');
}

/**
 * Frames `first`…`first + count - 1` of the picture's slow zoom about its centre over a scene of `frames`
 * frames, scaled to its rectangle (oversampled). Starting mid-zoom lets a chunk render only its own frames.
 */
function kenBurns(rect: Rect, frames: number, first: number, count: number): string {
  return [
    filter('scale', {
      w: rect.width * PICTURE_OVERSAMPLING,
      h: rect.height * PICTURE_OVERSAMPLING,
      flags: 'lanczos',
    }),
    // Keeps transparency, so a PNG with an alpha channel shows the scene behind it.
    'format=yuva420p',
    filter('zoompan', {
      z: `1+${PICTURE_ZOOM}*(on+${first})/${frames}`,
      x: '(iw-iw/zoom)/2',
      y: '(ih-ih/zoom)/2',
      d: count,
      s: `${rect.width}x${rect.height}`,
      fps: FPS,
    }),
  ].join(',');
}

function drawBox(box: Box): string {
  return filter('drawbox', { x: box.x, y: box.y, w: box.width, h: box.height, color: box.color, t: 'fill' });
}

function drawText({ line, file, fontFile }: DrawnText): string {
  const options: Record<string, string | number> = {
    fontfile: fontFile,
    textfile: file,
    expansion: 'none',
    fontsize: line.fontSize,
    fontcolor: line.color,
    // Baselines are aligned whatever glyphs a line holds: y is the top of the line's tallest glyph.
    x: line.align === 'center' ? `${line.x}-text_w/2` : line.x,
    y: `${line.baseline}-ascent`,
  };
  if (line.shadow) {
    options.shadowcolor = line.shadow;
    options.shadowy = Math.max(1, Math.round(line.fontSize / 18));
  }
  return filter('drawtext', options);
}

export interface NarrationClip {
  file: string;
  /** Seconds from the start of the video. */
  startSeconds: number;
}

/**
 * The narration clips placed at their start times and summed into one stereo track of exactly `seconds`,
 * fading out with the picture. Inputs are numbered from `firstInput`; the result is labelled [label].
 */
export function narrationMix(
  clips: readonly NarrationClip[],
  firstInput: number,
  seconds: number,
  label: string,
): { inputs: string[]; graph: string[] } {
  const length = `apad=whole_dur=${seconds.toFixed(3)},atrim=duration=${seconds.toFixed(3)}`;
  const fade = `afade=t=out:st=${Math.max(0, seconds - AUDIO_FADE_OUT_SECONDS).toFixed(3)}:d=${AUDIO_FADE_OUT_SECONDS}`;
  if (clips.length === 0) {
    return { inputs: [], graph: [`anullsrc=r=${AUDIO_SAMPLE_RATE}:cl=stereo,${length}[${label}]`] };
  }
  const graph = clips.map(
    (clip, k) =>
      `[${firstInput + k}:a]aformat=sample_fmts=fltp:sample_rates=${AUDIO_SAMPLE_RATE}:channel_layouts=stereo,` +
      `adelay=delays=${Math.round(clip.startSeconds * 1000)}:all=1[n${k}]`,
  );
  const labels = clips.map((_, k) => `[n${k}]`).join('');
  graph.push(`${labels}amix=inputs=${clips.length}:normalize=0,${length},${fade}[${label}]`);
  return { inputs: clips.flatMap((clip) => ['-i', clip.file]), graph };
}

/** The ffmpeg argv encoding the narration track alone (AAC in an M4A file). */
export function narrationArgs(clips: readonly NarrationClip[], seconds: number, output: string): string[] {
  const mix = narrationMix(clips, 0, seconds, 'a');
  return [...QUIET_FFMPEG, ...mix.inputs, '-filter_complex', mix.graph.join(';'), '-map', '[a]', ...AUDIO_ENCODE_ARGS, output];
}

export interface MusicBed {
  file: string;
  /** 0–1, relative to the file's own level. */
  volume: number;
}

export interface Compose {
  /** A concat demuxer list of the rendered chunks. */
  chunkList: string;
  durationSeconds: number;
  /** Either the encoded narration track, or — with music — the narration clips to mix with the music here. */
  sound: { track: string } | { bed: MusicBed; narration: NarrationClip[] };
  output: string;
}

/**
 * The finished MP4 with its index at the front (+faststart), the chunks' video copied. Without music the
 * narration track is copied too; with music, the bed is looped to the video's length, ducked under the
 * narration (sidechain compression keyed by the voice), faded in and out, mixed with it and encoded once.
 */
export function composeArgs(compose: Compose): string[] {
  const video = ['-f', 'concat', '-safe', '0', '-i', compose.chunkList];
  const finish = ['-movflags', '+faststart', compose.output];
  if ('track' in compose.sound) {
    return [...QUIET_FFMPEG, ...video, '-i', compose.sound.track, '-map', '0:v', '-map', '1:a', '-c', 'copy', ...finish];
  }
  const { bed, narration } = compose.sound;
  const seconds = compose.durationSeconds;
  const voice = narrationMix(narration, 1, seconds, 'voice');
  const musicInput = 1 + narration.length;
  const fadeOut = Math.min(2.5, seconds / 3);
  const graph = [
    ...voice.graph,
    `[${musicInput}:a]aformat=sample_fmts=fltp:sample_rates=${AUDIO_SAMPLE_RATE}:channel_layouts=stereo,` +
      `volume=${bed.volume},atrim=duration=${seconds.toFixed(3)},afade=t=in:d=${Math.min(1, seconds / 4).toFixed(3)},` +
      `afade=t=out:st=${(seconds - fadeOut).toFixed(3)}:d=${fadeOut.toFixed(3)}[bed]`,
    '[voice]asplit=2[speech][key]',
    '[bed][key]sidechaincompress=threshold=0.02:ratio=8:attack=20:release=400[ducked]',
    '[speech][ducked]amix=inputs=2:normalize=0:duration=first[a]',
  ];
  return [
    ...QUIET_FFMPEG,
    ...[...video, ...voice.inputs, '-stream_loop', '-1', '-i', bed.file],
    ...['-filter_complex', graph.join(';'), '-map', '0:v', '-c:v', 'copy', '-map', '[a]', ...AUDIO_ENCODE_ARGS],
    ...['-t', seconds.toFixed(3)],
    ...finish,
  ];
}

/** A concat demuxer list: entries quoted for its script syntax, where a quote is written '\''. */
export function concatList(files: readonly string[]): string {
  return `${files.map((file) => `file '${file.replace(/'/gu, "'\\''")}'`).join('\n')}\n`;
}

function seconds(frames: number): string {
  return (frames / FPS).toFixed(3);
}
