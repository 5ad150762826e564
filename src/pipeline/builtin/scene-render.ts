/**
 * The ffmpeg processes of the render and compose stages (their command lines come from render-graph): the
 * video stream chunk by chunk, the narration track, and the finished MP4.
 */
import { join } from 'node:path';
import { ToolRun } from '../ffmpeg';
import { runProcess } from '../process-runner';
import { FPS } from './output-format';
import { Compose, NarrationClip, VideoRender, chunkArgs, chunkFrames, composeArgs, narrationArgs, planChunks } from './render-graph';
import { timeline } from './timeline';

/** A rendered piece of the video stream and where it starts in the finished video. */
export interface RenderedChunk {
  file: string;
  startSeconds: number;
}

/**
 * Renders the video stream (no audio) one chunk after the other into the work directory and returns the
 * chunks in order; `onProgress` gets the share of the video's frames encoded so far (0–1).
 */
export async function renderChunks(render: VideoRender, run: ToolRun, onProgress: (fraction: number) => void): Promise<RenderedChunk[]> {
  const { totalFrames } = timeline(render.scenes.map((s) => s.frames));
  const chunks: RenderedChunk[] = [];
  for (const [k, chunk] of planChunks(render.scenes.length).entries()) {
    const { from, to } = chunkFrames(render, chunk);
    const output = join(run.cwd, `chunk-${String(k + 1).padStart(2, '0')}.mp4`);
    await runProcess('ffmpeg', chunkArgs(render, chunk, output, run.threads), {
      signal: run.signal,
      cwd: run.cwd,
      timeoutMs: 60_000 + ((to - from) / FPS) * 10_000,
      onStdoutLine: (line) => {
        // -progress prints key=value lines; out_time_us is the media time written so far.
        const match = /^out_time_us=(\d+)$/u.exec(line);
        if (match) onProgress(Math.min(to, from + (Number(match[1]) / 1e6) * FPS) / totalFrames);
      },
    });
    chunks.push({ file: output, startSeconds: from / FPS });
  }
  return chunks;
}

/** The chunk showing the finished video's `seconds`, and that moment's time within the chunk. */
export function chunkAt(chunks: readonly RenderedChunk[], seconds: number): { file: string; atSeconds: number } {
  const chunk = chunks.filter((c) => c.startSeconds <= seconds).at(-1) ?? chunks[0];
  return { file: chunk.file, atSeconds: seconds - chunk.startSeconds };
}

/** Encodes the narration clips into one AAC track of exactly `seconds`. */
export async function encodeNarration(clips: readonly NarrationClip[], seconds: number, output: string, run: ToolRun): Promise<void> {
  await runProcess('ffmpeg', narrationArgs(clips, seconds, output), { signal: run.signal, cwd: run.cwd, timeoutMs: 60_000 + seconds * 2_000 });
}

export async function composeVideo(compose: Compose, run: ToolRun): Promise<void> {
  const timeoutMs = 60_000 + compose.durationSeconds * 5_000;
  await runProcess('ffmpeg', composeArgs(compose), { signal: run.signal, cwd: run.cwd, timeoutMs });
}
