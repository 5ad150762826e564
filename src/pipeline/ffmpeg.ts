/**
 * ffmpeg helpers shared by the adapters: filtergraph escaping, the common quiet flags, and the thumbnail.
 * User text never enters a filter string through these: values are escaped, and text goes through files.
 */
import { runProcess } from './process-runner';

export const QUIET_FFMPEG = ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y'];

/** How tools run for one pipeline run: cancelled by its signal, inside its work directory. */
export interface ToolRun {
  signal: AbortSignal;
  cwd: string;
  /** ffmpeg -threads for encodes; 0 or undefined leaves it to ffmpeg. */
  threads?: number;
}

/**
 * Escapes a value for a filter option inside a filtergraph: first for the option parser (\ ' :), then for
 * the graph parser (\ ' [ ] , ;), as ffmpeg-filters "Notes on filtergraph escaping" describes.
 */
export function escapeFilterValue(value: string): string {
  const optionLevel = value.replace(/[\\':]/gu, '\\$&');
  return optionLevel.replace(/[\\'[\],;]/gu, '\\$&');
}

/** `name=key=value:key=value…` with every value escaped. */
export function filter(name: string, options: Record<string, string | number>): string {
  const pairs = Object.entries(options).map(([key, value]) => `${key}=${escapeFilterValue(String(value))}`);
  return pairs.length > 0 ? `${name}=${pairs.join(':')}` : name;
}

/** A JPEG of the frame at `atSeconds`, at most 640 pixels wide. */
export async function renderThumbnail(video: string, atSeconds: number, output: string, run: ToolRun): Promise<void> {
  const scale = filter('scale', { w: 'min(640,iw)', h: -2 });
  const args = [
    ...QUIET_FFMPEG,
    ...['-ss', atSeconds.toFixed(3), '-i', video, '-frames:v', '1', '-vf', scale, '-q:v', '3', output],
  ];
  await runProcess('ffmpeg', args, { signal: run.signal, cwd: run.cwd, timeoutMs: 60_000 });
}
