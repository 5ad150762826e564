/**
 * Builtin pipeline benchmark: renders a ~35-second video at low, medium and high quality, twice each — plain
 * slides (headings and text) and the same scenes with formulas, code and bullets (same narration, so the
 * same length) — and compares each with a bare baseline: ONE ffmpeg command encoding the same number of
 * frames (a flat colour) and the same audio (the finished video's soundtrack, decoded to WAV beforehand)
 * with the same codec settings. Plain and visual runs alternate, so that a busy machine slows both alike.
 *
 *   npx ts-node --transpile-only bench/pipeline/run.ts [runs=3] [qualities=low,medium,high]
 *
 * Targets: realtime factor (video seconds / wall seconds) ≥ 3 and pipeline / bare ≤ 1.5 for plain slides at
 * medium; formulas, code and bullets cost at most 20% more wall time than plain slides at medium.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuiltinVideoPipeline } from '../../src/pipeline/builtin/builtin-pipeline';
import { AUDIO_ENCODE_ARGS, FPS, frameSize, videoEncodeArgs } from '../../src/pipeline/builtin/output-format';
import { PipelineContext, PipelineResult, QUALITIES, Quality, VideoRequest } from '../../src/pipeline/video-pipeline';

const SENTENCES = [
  'Honey bees live in colonies of tens of thousands of workers, a few hundred drones and a single queen.',
  'Workers fly up to a few kilometres from the hive to collect nectar and pollen from flowers.',
  'Back home, they pass the nectar from mouth to mouth, adding enzymes that split its sugars.',
  'Then they fan it with their wings until most of the water has evaporated.',
  'When the honey is thick enough, they seal each cell with a cap of wax, and it keeps for years.',
];

const PLAIN = SENTENCES.map((sentence, i) => ({ title: `Step ${i + 1}`, text: sentence, narration: sentence }));

const CODE = [
  'def water_left(nectar_g: float, days: int) -> float:',
  '    """Water in the nectar after the bees fan it."""',
  '    water = 0.8 * nectar_g',
  '    for day in range(days):',
  '        water *= 0.7  # evaporation per day',
  '    return water',
  '',
  'print(water_left(40.0, 5))',
].join('\n');

/** The same scenes and narration, with a formula, code and bullets on screen. */
const VISUAL = [
  PLAIN[0],
  { ...PLAIN[1], math: 'd_{\\max} \\approx \\frac{E_{\\text{nectar}}}{2\\,c_{\\text{flight}}}' },
  { ...PLAIN[2], text: '', bullets: ['Pass the nectar on', 'Add enzymes', 'Split the sugars'] },
  { ...PLAIN[3], text: 'Fanning evaporates the water:', code: { language: 'python', source: CODE } },
  { ...PLAIN[4], math: 'w_{t+1} = 0.7\\, w_t \\quad\\Rightarrow\\quad w_n = 0.7^n\\, w_0' },
];

type Variant = 'plain' | 'visuals';

interface Row {
  quality: Quality;
  variant: Variant;
  videoSeconds: number;
  pipelineSeconds: number;
  bareSeconds: number;
  stages: Record<string, number>;
}

function request(quality: Quality, variant: Variant): VideoRequest {
  const scenes = variant === 'plain' ? PLAIN : VISUAL;
  return { jobId: 'bench', topic: 'How bees make honey', context: '', quality, useRag: false, customConfig: { scenes } };
}

function context(workDir: string): PipelineContext {
  return { workDir, signal: new AbortController().signal, progress: () => undefined, log: () => undefined };
}

/** The same frames and soundtrack as `result`, encoded by one plain ffmpeg command. */
function bareEncode(result: PipelineResult, quality: Quality, dir: string): number {
  const audio = join(dir, 'soundtrack.wav');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', result.file, '-vn', '-c:a', 'pcm_s16le', audio]);
  const frame = frameSize(quality, '16:9');
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
  const qualities = (process.argv[3]?.split(',') ?? ['low', 'medium', 'high']).map((q) => {
    if (!QUALITIES.includes(q as Quality)) throw new Error(`unknown quality ${q}`);
    return q as Quality;
  });
  const pipeline = new BuiltinVideoPipeline();
  const dirs: string[] = [];
  const workDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-pipeline-'));
    dirs.push(dir);
    return dir;
  };
  try {
    // Warm-up (not counted): fonts parsed, MathJax and highlight.js loaded, binaries and files in the page
    // cache, as on a worker that has run a job.
    await pipeline.run(request('low', 'visuals'), context(workDir()));

    const rows: Row[] = [];
    for (const quality of qualities) {
      for (let run = 1; run <= runs; run++) {
        for (const variant of ['plain', 'visuals'] as const) {
          const dir = workDir();
          const started = performance.now();
          const result = await pipeline.run(request(quality, variant), context(dir));
          const pipelineSeconds = (performance.now() - started) / 1000;
          rows.push({
            quality,
            variant,
            videoSeconds: result.metadata.durationSeconds,
            pipelineSeconds,
            bareSeconds: bareEncode(result, quality, dir),
            stages: result.stageSeconds,
          });
          rmSync(dir, { recursive: true, force: true });
        }
      }
    }
    print(rows, runs);
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function print(rows: Row[], runs: number): void {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`builtin pipeline, 16:9, median of ${runs} runs each, ${cpus().length} cores (${cpu})\n`);
  const header = ['quality', 'scenes', 'video s', 'pipeline s', 'realtime x', 'bare s', 'pipeline/bare', 'render s', 'vs plain'];
  const groups = [...new Set(rows.map((r) => `${r.quality}/${r.variant}`))];
  const summary = new Map<string, { pipeline: number; realtime: number; ratio: number }>();
  const lines = groups.map((group) => {
    const [quality, variant] = group.split('/') as [Quality, Variant];
    const mine = rows.filter((r) => r.quality === quality && r.variant === variant);
    const pipeline = median(mine.map((r) => r.pipelineSeconds));
    const realtime = median(mine.map((r) => r.videoSeconds / r.pipelineSeconds));
    const ratio = median(mine.map((r) => r.pipelineSeconds / r.bareSeconds));
    summary.set(group, { pipeline, realtime, ratio });
    const plain = summary.get(`${quality}/plain`);
    return [
      quality,
      variant,
      median(mine.map((r) => r.videoSeconds)).toFixed(2),
      pipeline.toFixed(2),
      realtime.toFixed(2),
      median(mine.map((r) => r.bareSeconds)).toFixed(2),
      ratio.toFixed(2),
      median(mine.map((r) => r.stages.render ?? 0)).toFixed(2),
      variant === 'visuals' && plain ? `${((pipeline / plain.pipeline - 1) * 100).toFixed(0)}%` : '',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(format(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const line of lines) console.log(format(line));

  const plain = summary.get('medium/plain');
  const visuals = summary.get('medium/visuals');
  if (plain && visuals) {
    const extra = visuals.pipeline / plain.pipeline - 1;
    console.log(`\nmedium plain realtime factor ${plain.realtime.toFixed(2)} (target ≥ 3): ${plain.realtime >= 3 ? 'ok' : 'MISSED'}`);
    console.log(`medium plain pipeline/bare   ${plain.ratio.toFixed(2)} (target ≤ 1.5): ${plain.ratio <= 1.5 ? 'ok' : 'MISSED'}`);
    console.log(`medium visuals over plain    ${(extra * 100).toFixed(0)}% (target ≤ 20%): ${extra <= 0.2 ? 'ok' : 'MISSED'}`);
  }
}

/** One quality's plain-slides render against its bare encode, after a warm-up: for `npm run bench`. */
export async function measureRender(quality: Quality, runs: number): Promise<{ realtime: number; ratio: number }> {
  const pipeline = new BuiltinVideoPipeline();
  const measured: Array<{ realtime: number; ratio: number }> = [];
  const warmDir = mkdtempSync(join(tmpdir(), 'bench-pipeline-'));
  try {
    await pipeline.run(request('low', 'plain'), context(warmDir));
  } finally {
    rmSync(warmDir, { recursive: true, force: true });
  }
  for (let run = 0; run < runs; run++) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-pipeline-'));
    try {
      const started = performance.now();
      const result = await pipeline.run(request(quality, 'plain'), context(dir));
      const seconds = (performance.now() - started) / 1000;
      measured.push({ realtime: result.metadata.durationSeconds / seconds, ratio: seconds / bareEncode(result, quality, dir) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { realtime: median(measured.map((m) => m.realtime)), ratio: median(measured.map((m) => m.ratio)) };
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
