/**
 * The ffmpeg command lines of the render and compose stages, built as pure functions.
 *
 * Render is ONE ffmpeg process for the whole video. Everything drawn (background, boxes, text, captions)
 * is drawn once onto stills that are then repeated, which costs next to nothing; only a picture's slow zoom
 * is computed per frame. Scenes are joined by crossfades, but not with xfade: in ffmpeg 5.1 it copies every
 * frame it passes (~0.7 ms per 720p frame, even outside the transition) and blends in plain C (~6 ms per
 * frame). Instead each scene is cut into head / body / tail with trim, the next scene's head fades in
 * (alpha) over the previous scene's tail with overlay's SIMD blend, 12 frames per transition, and the concat
 * filter (nearly free) joins the pieces. One process and one x264 instance for the whole timeline also
 * save a start-up, an AAC encode and a remux per scene compared with per-scene segments joined by
 * `-c copy`, and AAC priming gaps at segment joins cannot happen.
 *
 * User text never enters a filter string: each line is read by drawtext from its own file with expansion
 * disabled, and every value placed in the graph is escaped.
 */
import { QUIET_FFMPEG, filter } from '../ffmpeg';
import { AUDIO_ENCODE_ARGS, AUDIO_SAMPLE_RATE, FPS, FrameSize, videoEncodeArgs } from './output-format';
import { Box, Rect, TextLine } from './scene-layout';
import { Theme } from './theme';
import { FINAL_FADE_SECONDS, TRANSITION_FRAMES, timeline } from './timeline';

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

export interface RenderScene {
  frames: number;
  boxes: Box[];
  texts: DrawnText[];
  picture?: { file: string; rect: Rect };
  captions: CaptionDrawing[];
}

export interface NarrationClip {
  file: string;
  /** Seconds from the start of the video. */
  startSeconds: number;
}

export interface VideoRender {
  frame: FrameSize;
  theme: Theme;
  scenes: RenderScene[];
  /** Mixed into the render's audio track; undefined for a video-only render (compose adds the sound). */
  narration?: NarrationClip[];
  output: string;
  threads?: number;
}

export function renderArgs(render: VideoRender): string[] {
  const { scenes } = render;
  const inputs: string[] = [];
  let inputCount = 0;
  const graph: string[] = [`${background(render.frame, render.theme)},split=${scenes.length}${scenes.map((_, i) => `[bg${i}]`).join('')}`];

  const pieces: string[] = [];
  scenes.forEach((scene, i) => {
    let pictureInput: number | undefined;
    if (scene.picture) {
      inputs.push('-framerate', String(FPS), '-i', scene.picture.file);
      pictureInput = inputCount++;
    }
    graph.push(...sceneChains(scene, i, scenes.length, pictureInput));
    if (i > 0) {
      // The incoming scene's first frames fade in over the outgoing scene's last ones.
      const fadeIn = `format=yuva420p,fade=t=in:st=0:d=${seconds(TRANSITION_FRAMES)}:alpha=1`;
      graph.push(`[head${i}]${fadeIn}[in${i}]`, `[tail${i - 1}][in${i}]overlay=format=yuv420:eof_action=pass[x${i}]`);
      pieces.push(`[x${i}]`);
    }
    pieces.push(`[body${i}]`);
  });
  graph.push(`${pieces.join('')}concat=n=${pieces.length}:v=1:a=0[v]`);

  const outputs = ['-map', '[v]', ...videoEncodeArgs(render.frame)];
  if (render.narration) {
    const total = timeline(scenes.map((s) => s.frames)).totalFrames / FPS;
    const mix = narrationMix(render.narration, inputCount, total, 'a');
    inputs.push(...mix.inputs);
    graph.push(...mix.graph);
    outputs.push('-map', '[a]', ...AUDIO_ENCODE_ARGS);
  }
  return [
    ...QUIET_FFMPEG,
    ...['-progress', 'pipe:1', '-nostats'],
    ...inputs,
    '-filter_complex',
    graph.join(';'),
    ...outputs,
    ...(render.threads ? ['-threads', String(render.threads)] : []),
    render.output,
  ];
}

/**
 * The filter chains of scene `i`, ending in [head i] / [body i] / [tail i] around the crossfades. Captions
 * only change at cue boundaries, so each caption state (none, cue 1, none, cue 2…) is its own still drawn
 * once and repeated for its frames, and the states are concatenated: no text is drawn per frame.
 */
function sceneChains(scene: RenderScene, i: number, count: number, pictureInput: number | undefined): string[] {
  const chains: string[] = [];
  const segments = captionSegments(scene);
  const still = [...scene.boxes.map((box) => drawBox(box)), ...scene.texts.map((text) => drawText(text))];
  const repeat = (frames: number): string[] => ['format=yuv420p', 'loop=loop=-1:size=1', `settb=1/${FPS}`, 'setpts=N', `trim=end_frame=${frames}`];
  if (segments.length === 1) {
    chains.push(`[bg${i}]${[...still, ...repeat(scene.frames)].join(',')}[raw${i}]`);
  } else {
    const labels = segments.map((_, k) => `[seg${i}x${k}]`);
    chains.push(`[bg${i}]${[...still, `split=${segments.length}${labels.map((l) => l.replace(']', 'in]')).join('')}`].join(',')}`);
    segments.forEach((segment, k) => {
      const caption = segment.caption ? [drawBox(segment.caption.box), ...segment.caption.texts.map((t) => drawText(t))] : [];
      chains.push(`${labels[k].replace(']', 'in]')}${[...caption, ...repeat(segment.frames)].join(',')}${labels[k]}`);
    });
    // concat answers in microseconds; crossfades need the frame time base back.
    chains.push(`${labels.join('')}concat=n=${segments.length}:v=1:a=0,settb=1/${FPS},setpts=N[raw${i}]`);
  }

  let source = `[raw${i}]`;
  const perFrame: string[] = [];
  if (pictureInput !== undefined && scene.picture) {
    const { x, y } = scene.picture.rect;
    chains.push(`[${pictureInput}:v]${kenBurns(scene.picture.rect, scene.frames)}[pic${i}]`);
    source = `[raw${i}][pic${i}]`;
    perFrame.push(filter('overlay', { x, y, format: 'yuv420' }));
  }
  if (i === count - 1) {
    const fadeStart = (scene.frames / FPS - FINAL_FADE_SECONDS).toFixed(3);
    perFrame.push(`fade=t=out:st=${fadeStart}:d=${FINAL_FADE_SECONDS}`);
  }

  const head = i > 0 ? TRANSITION_FRAMES : 0;
  const tail = i < count - 1 ? TRANSITION_FRAMES : 0;
  const parts = [`body${i}`, ...(head ? [`head${i}`] : []), ...(tail ? [`tail${i}`] : [])];
  perFrame.push(`split=${parts.length}${parts.map((p) => `[${p}in]`).join('')}`);
  chains.push(`${source}${perFrame.join(',')}`);
  const rebase = 'setpts=PTS-STARTPTS';
  chains.push(`[body${i}in]trim=start_frame=${head}:end_frame=${scene.frames - tail},${rebase}[body${i}]`);
  if (head) chains.push(`[head${i}in]trim=end_frame=${head},${rebase}[head${i}]`);
  if (tail) chains.push(`[tail${i}in]trim=start_frame=${scene.frames - tail},${rebase}[tail${i}]`);
  return chains;
}

/** The scene's frames as runs with one caption (or none) each, in order, covering every frame once. */
export function captionSegments(scene: RenderScene): Array<{ frames: number; caption?: CaptionDrawing }> {
  const segments: Array<{ frames: number; caption?: CaptionDrawing }> = [];
  let at = 0;
  for (const caption of scene.captions) {
    const start = Math.min(scene.frames, Math.max(at, Math.round(caption.start * FPS)));
    const end = Math.min(scene.frames, Math.max(start, Math.round(caption.end * FPS)));
    if (start > at) segments.push({ frames: start - at });
    if (end > start) segments.push({ frames: end - start, caption });
    at = end;
  }
  if (at < scene.frames) segments.push({ frames: scene.frames - at });
  return segments;
}

/**
 * One frame of the theme's diagonal gradient (with a soft vignette on dark themes); light noise dithers away
 * the banding H.264 would show. Generated inside the render graph: no separate process or file.
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
  // 8-bit planar RGB from the start: left to negotiation, noise may get a float format it garbles, and text
  // drawn in RGB has cleaner edges than text drawn in yuv420p.
  const look = [...(theme.vignette ? ['vignette=angle=PI/5'] : []), 'noise=alls=3:allf=u'];
  return [gradient, 'trim=end_frame=1', 'format=gbrp', ...look].join(',');
}

/** The picture scaled to its rectangle (oversampled), zooming slowly about its centre for `frames` frames. */
function kenBurns(rect: Rect, frames: number): string {
  return [
    filter('scale', {
      w: rect.width * PICTURE_OVERSAMPLING,
      h: rect.height * PICTURE_OVERSAMPLING,
      flags: 'lanczos',
    }),
    // Keeps transparency, so a PNG with an alpha channel shows the scene behind it.
    'format=yuva420p',
    filter('zoompan', {
      z: `1+${PICTURE_ZOOM}*on/${frames}`,
      x: '(iw-iw/zoom)/2',
      y: '(ih-ih/zoom)/2',
      d: frames,
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

export interface MusicBed {
  file: string;
  /** 0–1, relative to the file's own level. */
  volume: number;
}

export interface Compose {
  /** The render stage's output. */
  video: string;
  durationSeconds: number;
  /** With music, the render was video-only: narration and music are mixed here and encoded once. */
  music?: { bed: MusicBed; narration: NarrationClip[] };
  output: string;
}

/**
 * The finished MP4 with its index at the front (+faststart). Without music that is a remux; with music, the
 * bed is looped to the video's length, ducked under the narration (sidechain compression keyed by the voice),
 * faded in and out, and mixed with the narration; the video stream is copied either way.
 */
export function composeArgs(compose: Compose): string[] {
  const finish = ['-movflags', '+faststart', compose.output];
  if (!compose.music) return [...QUIET_FFMPEG, '-i', compose.video, '-map', '0', '-c', 'copy', ...finish];

  const { bed, narration } = compose.music;
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
    ...['-i', compose.video, ...voice.inputs, '-stream_loop', '-1', '-i', bed.file],
    ...['-filter_complex', graph.join(';'), '-map', '0:v', '-c:v', 'copy', '-map', '[a]', ...AUDIO_ENCODE_ARGS],
    ...['-t', seconds.toFixed(3)],
    ...finish,
  ];
}

function seconds(frames: number): string {
  return (frames / FPS).toFixed(3);
}
