/**
 * The ffmpeg processes of the render and compose stages (their command lines come from render-graph): one
 * background still per run, one process rendering every scene, one finishing the MP4.
 */
import { runProcess } from '../process-runner';
import { QUIET_FFMPEG, ToolRun, filter } from '../ffmpeg';
import { FrameSize } from './output-format';
import { Compose, VideoRender, composeArgs, renderArgs } from './render-graph';
import { Theme } from './theme';

/** A diagonal gradient (with a soft vignette on dark themes); light noise dithers away the banding H.264 would show. */
export async function renderBackground(frame: FrameSize, theme: Theme, output: string, run: ToolRun): Promise<void> {
  const { width, height } = frame;
  const source = filter('gradients', {
    s: `${width}x${height}`,
    c0: theme.backgroundFrom,
    c1: theme.backgroundTo,
    x0: 0,
    y0: 0,
    x1: width,
    y1: height,
    nb_colors: 2,
  });
  const look = [...(theme.vignette ? ['vignette=angle=PI/5'] : []), 'noise=alls=3:allf=u'].join(',');
  const args = [...QUIET_FFMPEG, '-f', 'lavfi', '-i', source, '-vf', look, '-frames:v', '1', output];
  await runProcess('ffmpeg', args, { signal: run.signal, cwd: run.cwd, timeoutMs: 60_000 });
}

/** Renders every scene in one ffmpeg process; `onProgress` gets the share of the video encoded so far (0–1). */
export async function renderVideo(
  render: VideoRender,
  durationSeconds: number,
  run: ToolRun,
  onProgress: (fraction: number) => void,
): Promise<void> {
  const timeoutMs = 60_000 + durationSeconds * 10_000;
  await runProcess('ffmpeg', renderArgs({ ...render, threads: run.threads }), {
    signal: run.signal,
    cwd: run.cwd,
    timeoutMs,
    onStdoutLine: (line) => {
      // -progress prints key=value lines; out_time_us is the media time written so far.
      const match = /^out_time_us=(\d+)$/u.exec(line);
      if (match) onProgress(Math.min(1, Number(match[1]) / 1e6 / durationSeconds));
    },
  });
}

export async function composeVideo(compose: Compose, run: ToolRun): Promise<void> {
  const timeoutMs = 60_000 + compose.durationSeconds * 5_000;
  await runProcess('ffmpeg', composeArgs(compose), { signal: run.signal, cwd: run.cwd, timeoutMs });
}
