import type { Quality } from '../pipeline/video-pipeline';

/** Typical render seconds per quality on a 2-core machine; a first estimate until a job reports progress. */
const TYPICAL_RENDER_SECONDS: Record<Quality, number> = { low: 15, medium: 30, high: 70, ultra: 140 };

export function estimateFromQueue(quality: Quality, jobsAhead: number, concurrency: number, now = Date.now()): Date {
  const each = TYPICAL_RENDER_SECONDS[quality];
  return new Date(now + (Math.ceil(jobsAhead / Math.max(1, concurrency)) * each + each) * 1000);
}

/** Linear extrapolation from progress so far; null until there is enough progress to say anything. */
export function estimateFromProgress(startedAtMs: number, progress: number, now = Date.now()): Date | null {
  if (progress < 5 || progress >= 100) return null;
  const elapsed = now - startedAtMs;
  return new Date(now + (elapsed * (100 - progress)) / progress);
}
