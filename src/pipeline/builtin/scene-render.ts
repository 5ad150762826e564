/**
 * ffmpeg invocations of the render stage: one background image per run, then one MP4 segment per scene.
 * User text never enters a filter string: each line goes to its own text file that drawtext reads
 * with expansion disabled, and every path placed in a filter is escaped.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runProcess } from '../process-runner';
import { SceneLayout, THEME } from './scene-layout';

export const FPS = 30;
const FADE_SECONDS = 0.35;
/** Narration starts a moment after the fade-in, so the first word is not spoken over a black frame. */
export const NARRATION_LEAD_SECONDS = 0.25;

/**
 * Encoder settings shared by every segment: the compose stage concatenates segments with `-c copy`, which
 * requires identical stream parameters.
 */
const ENCODE_ARGS = [
  ...['-r', String(FPS), '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p'],
  ...['-c:a', 'aac', '-b:a', '128k', '-ar', '44100', '-ac', '2'],
];
const QUIET = ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y'];

/**
 * Escapes a value for a filter option inside a filtergraph: first for the option parser (\ ' :), then for
 * the graph parser (\ ' [ ] , ;), as ffmpeg-filters "Notes on filtergraph escaping" describes.
 */
export function escapeFilterValue(value: string): string {
  const optionLevel = value.replace(/[\\':]/gu, '\\$&');
  return optionLevel.replace(/[\\'[\],;]/gu, '\\$&');
}

/** `name=key=value:key=value…` with every value escaped. */
function filter(name: string, options: Record<string, string | number>): string {
  const pairs = Object.entries(options).map(([key, value]) => `${key}=${escapeFilterValue(String(value))}`);
  return `${name}=${pairs.join(':')}`;
}

/** How tools run for one pipeline run: cancelled by its signal, inside its work directory. */
export interface ToolRun {
  signal: AbortSignal;
  cwd: string;
  /** ffmpeg -threads for scene encodes; 0 or undefined leaves it to ffmpeg. */
  threads?: number;
}

/** A dark diagonal gradient with a soft vignette; light noise dithers away the banding H.264 would show. */
export async function renderBackground(width: number, height: number, output: string, run: ToolRun): Promise<void> {
  const source = filter('gradients', {
    s: `${width}x${height}`,
    c0: THEME.backgroundFrom,
    c1: THEME.backgroundTo,
    x0: 0,
    y0: 0,
    x1: width,
    y1: height,
    nb_colors: 2,
  });
  const look = 'vignette=angle=PI/5,noise=alls=3:allf=u';
  const args = [...QUIET, '-f', 'lavfi', '-i', source, '-vf', look, '-frames:v', '1', output];
  await runProcess('ffmpeg', args, { signal: run.signal, cwd: run.cwd, timeoutMs: 60_000 });
}

export interface SceneSegment {
  /** Prefix for this scene's files in the work directory, e.g. "scene-03". */
  name: string;
  layout: SceneLayout;
  fonts: { heading: string; body: string };
  /** A whole number of frames, in seconds. */
  durationSeconds: number;
  narrationFile: string | null;
  background: string;
  output: string;
}

export async function renderScene(segment: SceneSegment, run: ToolRun): Promise<void> {
  const textFiles = segment.layout.lines.map((_, i) => join(run.cwd, `${segment.name}-line-${i + 1}.txt`));
  await Promise.all(segment.layout.lines.map((line, i) => writeFile(textFiles[i], line.text, 'utf8')));
  const args = sceneArgs(segment, textFiles, run.threads);
  const timeoutMs = 60_000 + segment.durationSeconds * 10_000;
  await runProcess('ffmpeg', args, { signal: run.signal, cwd: run.cwd, timeoutMs });
}

/** The ffmpeg argv for one scene segment; `textFiles[i]` holds the text of `layout.lines[i]`. */
function sceneArgs(segment: SceneSegment, textFiles: readonly string[], threads?: number): string[] {
  const duration = segment.durationSeconds;
  const fade = Math.min(FADE_SECONDS, duration / 4);
  const still = [
    ...segment.layout.boxes.map((box) =>
      filter('drawbox', { x: box.x, y: box.y, w: box.width, h: box.height, color: box.color, t: 'fill' }),
    ),
    ...segment.layout.lines.map((line, i) =>
      filter('drawtext', {
        fontfile: segment.fonts[line.font],
        textfile: textFiles[i],
        expansion: 'none',
        fontsize: line.fontSize,
        fontcolor: line.color,
        shadowcolor: '0x000000@0.45',
        shadowy: Math.max(1, Math.round(line.fontSize / 18)),
        // Baselines are aligned whatever glyphs a line holds: y is the top of the line's tallest glyph.
        x: line.align === 'center' ? `${line.x}-text_w/2` : line.x,
        y: `${line.baseline}-ascent`,
      }),
    ),
  ];
  // Text is drawn once onto the still background, which is then repeated: far cheaper than drawing per frame.
  const video = [
    ...still,
    'format=yuv420p',
    'loop=loop=-1:size=1',
    `settb=1/${FPS}`,
    'setpts=N',
    `fade=t=in:st=0:d=${fade}`,
    `fade=t=out:st=${(duration - fade).toFixed(3)}:d=${fade}`,
  ].join(',');
  const audio = [
    'aformat=sample_rates=44100:channel_layouts=stereo',
    `adelay=delays=${Math.round(NARRATION_LEAD_SECONDS * 1000)}:all=1`,
    'apad',
    `afade=t=out:st=${(duration - 0.2).toFixed(3)}:d=0.2`,
  ].join(',');
  const audioInput = segment.narrationFile
    ? ['-i', segment.narrationFile]
    : ['-f', 'lavfi', '-i', 'anullsrc=r=44100:cl=stereo'];
  return [
    ...QUIET,
    '-i',
    segment.background,
    ...audioInput,
    '-filter_complex',
    `[0:v]${video}[v];[1:a]${audio}[a]`,
    '-map',
    '[v]',
    '-map',
    '[a]',
    '-t',
    duration.toFixed(3),
    ...ENCODE_ARGS,
    ...(threads ? ['-threads', String(threads)] : []),
    segment.output,
  ];
}

/** Joins the segments without re-encoding into a web-friendly MP4 (index at the front). */
export async function concatSegments(
  listFile: string,
  segments: readonly string[],
  output: string,
  run: ToolRun,
): Promise<void> {
  // Entries are quoted for the concat script syntax, where a quote is written '\''.
  const list = segments.map((file) => `file '${file.replace(/'/gu, "'\\''")}'`).join('\n');
  await writeFile(listFile, `${list}\n`, 'utf8');
  const args = [...QUIET, '-f', 'concat', '-safe', '0', '-i', listFile, '-c', 'copy', '-movflags', '+faststart', output];
  await runProcess('ffmpeg', args, { signal: run.signal, cwd: run.cwd, timeoutMs: 300_000 });
}

/** A JPEG of the frame at `atSeconds`, at most 640 pixels wide. */
export async function renderThumbnail(
  video: string,
  atSeconds: number,
  output: string,
  run: ToolRun,
): Promise<void> {
  const scale = filter('scale', { w: 'min(640,iw)', h: -2 });
  const args = [...QUIET, '-ss', atSeconds.toFixed(3), '-i', video, '-frames:v', '1', '-vf', scale, '-q:v', '3', output];
  await runProcess('ffmpeg', args, { signal: run.signal, cwd: run.cwd, timeoutMs: 60_000 });
}
