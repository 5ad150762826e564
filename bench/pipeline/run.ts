/**
 * Builtin pipeline benchmark: renders a ~30-second medium (1280x720) video and compares it, in the same run,
 * with a bare baseline — ONE ffmpeg command encoding the same number of frames (a flat colour) and the same
 * audio (the finished video's soundtrack, decoded to WAV beforehand) with the same codec settings.
 *
 *   npx ts-node --transpile-only bench/pipeline/run.ts [runs=3]
 *
 * Targets: realtime factor (video seconds / wall seconds) ≥ 3, pipeline / bare ≤ 1.5.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuiltinVideoPipeline } from '../../src/pipeline/builtin/builtin-pipeline';
import { AUDIO_ENCODE_ARGS, FPS, frameSize, videoEncodeArgs } from '../../src/pipeline/builtin/output-format';
import { PipelineContext, PipelineResult, VideoRequest } from '../../src/pipeline/video-pipeline';

const CONTEXT =
  'Honey bees live in colonies of tens of thousands of workers, a few hundred drones and a single queen. ' +
  'Workers fly up to a few kilometres from the hive to collect nectar and pollen from flowers. ' +
  'Back home, they pass the nectar from mouth to mouth, adding enzymes that split its sugars. ' +
  'Then they fan it with their wings until most of the water has evaporated. ' +
  'When the honey is thick enough, they seal each cell with a cap of wax, and it keeps for years.';

const REQUEST: VideoRequest = {
  jobId: 'bench',
  topic: 'How bees make honey',
  context: CONTEXT,
  quality: 'medium',
  useRag: false,
  customConfig: {},
};

interface Row {
  run: number;
  videoSeconds: number;
  frames: number;
  pipelineSeconds: number;
  bareSeconds: number;
  stages: Record<string, number>;
}

function context(workDir: string): PipelineContext {
  return { workDir, signal: new AbortController().signal, progress: () => undefined, log: () => undefined };
}

async function timed<T>(work: () => Promise<T> | T): Promise<{ value: T; seconds: number }> {
  const started = performance.now();
  const value = await work();
  return { value, seconds: (performance.now() - started) / 1000 };
}

/** The same frames and soundtrack as `result`, encoded by one plain ffmpeg command. */
function bareEncode(result: PipelineResult, dir: string): number {
  const audio = join(dir, 'soundtrack.wav');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', result.file, '-vn', '-c:a', 'pcm_s16le', audio]);
  const frame = frameSize('medium', '16:9');
  const frames = Math.round(result.metadata.durationSeconds * FPS);
  const started = performance.now();
  execFileSync('ffmpeg', [
    ...['-nostdin', '-v', 'error', '-y'],
    ...['-f', 'lavfi', '-i', `color=c=0x0b1120:s=${frame.width}x${frame.height}:r=${FPS}`, '-i', audio],
    ...['-frames:v', String(frames), ...videoEncodeArgs(frame), ...AUDIO_ENCODE_ARGS, '-shortest'],
    ...['-movflags', '+faststart', join(dir, 'bare.mp4')],
  ]);
  return (performance.now() - started) / 1000;
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 3);
  const pipeline = new BuiltinVideoPipeline();
  const dirs: string[] = [];
  const workDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-pipeline-'));
    dirs.push(dir);
    return dir;
  };
  try {
    // Warm-up (not counted): fonts parsed, binaries and files in the page cache, as on a worker that has run a job.
    await pipeline.run({ ...REQUEST, context: 'A short warm-up.' }, context(workDir()));

    const rows: Row[] = [];
    for (let run = 1; run <= runs; run++) {
      const dir = workDir();
      const { value: result, seconds } = await timed(() => pipeline.run(REQUEST, context(dir)));
      rows.push({
        run,
        videoSeconds: result.metadata.durationSeconds,
        frames: Math.round(result.metadata.durationSeconds * FPS),
        pipelineSeconds: seconds,
        bareSeconds: bareEncode(result, dir),
        stages: result.stageSeconds,
      });
    }
    print(rows);
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

function print(rows: Row[]): void {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`builtin pipeline, medium 1280x720, ${cpus().length} cores (${cpu})\n`);
  const header = ['run', 'video s', 'frames', 'pipeline s', 'realtime x', 'bare s', 'pipeline/bare', 'stages (s)'];
  const lines = rows.map((r) => [
    String(r.run),
    r.videoSeconds.toFixed(2),
    String(r.frames),
    r.pipelineSeconds.toFixed(2),
    (r.videoSeconds / r.pipelineSeconds).toFixed(2),
    r.bareSeconds.toFixed(2),
    (r.pipelineSeconds / r.bareSeconds).toFixed(2),
    Object.entries(r.stages)
      .map(([stage, s]) => `${stage} ${s.toFixed(2)}`)
      .join(', '),
  ]);
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const realtime = median(rows.map((r) => r.videoSeconds / r.pipelineSeconds));
  const ratio = median(rows.map((r) => r.pipelineSeconds / r.bareSeconds));
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(format(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const line of lines) console.log(format(line));
  console.log(`\nmedian realtime factor ${realtime.toFixed(2)} (target ≥ 3): ${realtime >= 3 ? 'ok' : 'MISSED'}`);
  console.log(`median pipeline/bare   ${ratio.toFixed(2)} (target ≤ 1.5): ${ratio <= 1.5 ? 'ok' : 'MISSED'}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
