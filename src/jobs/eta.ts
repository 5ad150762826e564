import { PIPELINE_STAGES, Quality } from '../pipeline/video-pipeline';

/** Moving averages of measured render times for one quality: `total` and one entry per stage, in seconds. */
export type RenderTimes = Partial<Record<string, number>>;

/** Until a quality has measurements: typical render seconds on a 2-core machine. */
const TYPICAL_RENDER_SECONDS: Record<Quality, number> = { low: 8, medium: 15, high: 35, ultra: 70 };

export function expectedRenderSeconds(quality: Quality, measured: RenderTimes): number {
  return measured.total ?? TYPICAL_RENDER_SECONDS[quality];
}

/** A queued job: the jobs ahead of it share the workers, then its own render. */
export function estimateFromQueue(renderSeconds: number, jobsAhead: number, concurrency: number, now = Date.now()): Date {
  const rounds = Math.ceil(jobsAhead / Math.max(1, concurrency));
  return new Date(now + (rounds + 1) * renderSeconds * 1000);
}

/**
 * A running job: what its remaining stages usually take (measured per stage, minus the time already spent
 * in the current one); without per-stage figures, the share of the measured total that progress has left;
 * without any measurements, a linear extrapolation of the progress so far.
 */
export function estimateWhileRunning(
  input: { stage: string; stageStartedAt: number; startedAt: number; progress: number; measured: RenderTimes },
  now = Date.now(),
): Date | null {
  const { stage, stageStartedAt, startedAt, progress, measured } = input;
  const order: readonly string[] = PIPELINE_STAGES;
  const index = order.indexOf(stage);
  if (index >= 0 && order.every((s) => measured[s] !== undefined)) {
    const current = Math.max(0, (measured[stage] as number) - (now - stageStartedAt) / 1000);
    const after = order.slice(index + 1).reduce((sum, s) => sum + (measured[s] as number), 0);
    return new Date(now + (current + after) * 1000);
  }
  if (measured.total !== undefined) return new Date(now + measured.total * 1000 * Math.max(0, 100 - progress) / 100);
  if (progress < 5 || progress >= 100) return null;
  return new Date(now + ((now - startedAt) * (100 - progress)) / progress);
}
