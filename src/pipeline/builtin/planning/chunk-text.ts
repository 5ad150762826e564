/**
 * Splits prose into speech-sized chunks at sentence (else clause, else word) boundaries. The deterministic
 * planner cuts the context into scenes with it, and the captions cut narration into cues with other limits.
 */
import { breakPoints, normalizeText, speechWeight } from '../unicode-text';

/**
 * Chunk sizes in speech-weight units (≈ characters; a CJK character counts 3). espeak-ng at its default rate
 * speaks ~15 characters a second, so this is roughly 5–12 s of narration per scene.
 */
export interface ChunkLimits {
  min: number;
  target: number;
  max: number;
}
export const CHUNK_LIMITS: ChunkLimits = { min: 75, target: 130, max: 180 };

// Costs for the segmentation search. A chunk shorter than `min` is worse than any break inside a sentence;
// a break at a clause (comma, colon…) is preferred to one between two plain words.
const SHORT_CHUNK_COST = 100_000;
const WORD_BREAK_COST = 1_000;
const CLAUSE_BREAK_COST = 200;

const CLOSERS = /["'”’»)\]}」』）】]/u;
const SENTENCE_END = /[.!?…。！？‼⁇⁈⁉]/u;
const CLAUSE_END = /[,;:，、；：—–]/u;

/**
 * Splits text into chunks of about `limits.target` weight, never above `limits.max` (unless a single word is
 * longer) and never below `limits.min` (unless the whole text is shorter). A dynamic programme picks the
 * break points: sentence ends are free, clause ends cost a little, other word gaps a lot, and each chunk
 * costs its squared distance from the target — so sentences stay whole whenever the bounds allow.
 */
export function chunkText(text: string, limits: ChunkLimits = CHUNK_LIMITS): string[] {
  const chars = Array.from(normalizeText(text));
  if (chars.length === 0) return [];

  const prefix = [0];
  for (const ch of chars) prefix.push(prefix[prefix.length - 1] + speechWeight(ch));
  const weight = (from: number, to: number): number => prefix[to] - prefix[from];

  const points = breakPoints(chars);
  // Boundary k: k = 0 is the start of the text, k = i + 1 is "after break point i", the last is the end.
  const starts = [0, ...points.map((p) => p.next)];
  const ends = [...points.map((p) => p.end), chars.length];
  const breakCost = [...points.map((p) => breakPenalty(chars, p.end)), 0];

  const best = new Array<number>(starts.length + 1).fill(Infinity);
  const from = new Array<number>(starts.length + 1).fill(-1);
  best[0] = 0;
  for (let j = 1; j <= starts.length; j++) {
    const end = ends[j - 1];
    for (let i = j - 1; i >= 0; i--) {
      const w = weight(starts[i], end);
      // A single unbreakable piece may exceed max; anything wider is not a candidate.
      if (w > limits.max && i < j - 1) break;
      const cost = best[i] + breakCost[j - 1] + chunkCost(w, limits);
      if (cost < best[j]) {
        best[j] = cost;
        from[j] = i;
      }
    }
  }

  const chunks: string[] = [];
  for (let j = starts.length; j > 0; j = from[j]) {
    chunks.push(chars.slice(starts[from[j]], ends[j - 1]).join(''));
  }
  return chunks.reverse();
}

function chunkCost(weight: number, limits: ChunkLimits): number {
  const shortfall = weight < limits.min ? SHORT_CHUNK_COST + (limits.min - weight) * 100 : 0;
  return shortfall + ((weight - limits.target) / 10) ** 2;
}

/** Cost of ending a chunk just before index `end`, judged by the last character that is not a closing quote/bracket. */
function breakPenalty(chars: readonly string[], end: number): number {
  let i = end - 1;
  while (i > 0 && CLOSERS.test(chars[i])) i--;
  if (SENTENCE_END.test(chars[i])) return 0;
  if (CLAUSE_END.test(chars[i])) return CLAUSE_BREAK_COST;
  return WORD_BREAK_COST;
}
