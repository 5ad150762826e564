/**
 * The ffmpeg processes of the render and compose stages (their command lines come from render-graph): one
 * process rendering every scene, one finishing the MP4.
 */
import { ToolRun } from '../ffmpeg';
import { runProcess } from '../process-runner';
import { Compose, VideoRender, composeArgs, renderArgs } from './render-graph';

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
