/**
 * Scene timing. Consecutive scenes overlap by a short crossfade; each scene's narration starts once the
 * crossfade into it is over and ends, plus a pause, before the crossfade out of it begins. Everything is
 * counted in whole frames so that video, audio offsets and caption times agree exactly.
 */
import { FPS } from './output-format';
import { Scene } from './scene';
import { speechWeight } from './unicode-text';

/** Crossfade between scenes: 0.4 s. */
export const TRANSITION_FRAMES = 12;
/** Narration starts when the crossfade into the scene has finished. */
export const NARRATION_LEAD_SECONDS = TRANSITION_FRAMES / FPS;
/** Silence after a scene's narration before the crossfade to the next one starts. */
export const PAUSE_AFTER_NARRATION_SECONDS = 0.3;
/** The last scene fades to black instead of crossfading. */
export const FINAL_FADE_SECONDS = 0.6;
const MIN_CARD_SECONDS = 2.5;
const MIN_CONTENT_SECONDS = 3;
/** Code needs reading time of its own, whatever the narration says about it. */
const CODE_SECONDS_PER_LINE = 0.4;

/** Frames of a scene: narration plus lead, pause and fade, at least long enough to read, at least its custom minimum. */
export function sceneFrames(scene: Pick<Scene, 'kind' | 'minDurationSeconds' | 'code'>, narrationSeconds: number, last: boolean): number {
  const codeLines = scene.code ? scene.code.source.trim().split('\n').length : 0;
  const floor = Math.max(scene.kind === 'content' ? MIN_CONTENT_SECONDS : MIN_CARD_SECONDS, codeLines * CODE_SECONDS_PER_LINE);
  const fadeOut = last ? FINAL_FADE_SECONDS : TRANSITION_FRAMES / FPS;
  const spoken = narrationSeconds > 0 ? NARRATION_LEAD_SECONDS + narrationSeconds + PAUSE_AFTER_NARRATION_SECONDS : 0;
  const seconds = Math.max(spoken + fadeOut, floor, scene.minDurationSeconds ?? 0);
  return Math.ceil(seconds * FPS - 1e-6);
}

export interface Timeline {
  /** First frame of each scene in the finished video. */
  startFrames: number[];
  totalFrames: number;
}

export function timeline(sceneFrameCounts: readonly number[]): Timeline {
  const startFrames: number[] = [];
  let next = 0;
  for (const frames of sceneFrameCounts) {
    startFrames.push(next);
    next += frames - TRANSITION_FRAMES;
  }
  const totalFrames = sceneFrameCounts.length === 0 ? 0 : next + TRANSITION_FRAMES;
  return { startFrames, totalFrames };
}

/**
 * When each bullet appears, in frames from the start of its scene: when the narration reaches it. A bullet
 * whose words the narration says (the whole bullet, else its first three words) appears at that point — its
 * share of the narration's speech weight times the narration's measured seconds, after the lead; the others
 * are spread evenly between their neighbours. All appear before the narration ends; without narration, at once.
 */
export function bulletRevealFrames(bullets: readonly string[], narration: string, narrationSeconds: number): number[] {
  if (narrationSeconds <= 0) return bullets.map(() => 0);
  const spoken = words(narration);
  // Indexed like indexOf's results: by UTF-16 code unit.
  const weights = [0];
  for (let i = 0; i < spoken.length; i++) weights.push(weights[i] + speechWeight(spoken[i]));
  const total = weights[weights.length - 1] || 1;
  // Where each bullet is said, searching on from the previous one so that repeated words keep the order.
  let from = 0;
  const found = bullets.map((bullet) => {
    const phrase = words(bullet);
    const opening = phrase.split(' ').slice(0, 3).join(' ');
    const at = [phrase, opening].map((p) => (p ? findWords(spoken, p, from) : -1)).find((i) => i >= 0);
    if (at === undefined) return undefined;
    from = at + 1;
    return weights[at] / total;
  });
  const shares = fillGaps(found);
  return shares.map((share) => Math.round((NARRATION_LEAD_SECONDS + share * narrationSeconds) * FPS));
}

/** Lower-case words separated by single spaces: what matching narration against bullets compares. */
function words(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Index of `phrase` in `text` at word boundaries, from `from` on; -1 when absent. */
function findWords(text: string, phrase: string, from: number): number {
  for (let at = text.indexOf(phrase, from); at >= 0; at = text.indexOf(phrase, at + 1)) {
    const before = at === 0 || text[at - 1] === ' ';
    const after = at + phrase.length === text.length || text[at + phrase.length] === ' ';
    if (before && after) return at;
  }
  return -1;
}

/**
 * Shares (0–1) for every item: known ones kept, unknown ones spaced evenly between their known neighbours
 * (from 0 before the first, towards 1 after the last, never reaching it).
 */
function fillGaps(known: ReadonlyArray<number | undefined>): number[] {
  const n = known.length;
  const anchors = known.flatMap((share, i) => (share === undefined ? [] : [{ i, share }]));
  return known.map((share, i) => {
    if (share !== undefined) return share;
    // With no anchor before it, an item is spaced from the first one, which starts the narration.
    const before = [...anchors].reverse().find((a) => a.i < i) ?? { i: 0, share: 0 };
    const after = anchors.find((a) => a.i > i) ?? { i: n, share: 1 };
    if (i === before.i) return before.share;
    return before.share + ((after.share - before.share) * (i - before.i)) / (after.i - before.i);
  });
}

/** Frames at which the pages of a code block start: spread between the scene's crossfades, in proportion to their rows. */
export function pageStartFrames(pageRows: readonly number[], sceneFrames: number): number[] {
  const total = pageRows.reduce((sum, rows) => sum + rows, 0) || 1;
  const body = sceneFrames - 2 * TRANSITION_FRAMES;
  let before = 0;
  return pageRows.map((rows, k) => {
    const start = k === 0 ? 0 : TRANSITION_FRAMES + Math.round((body * before) / total);
    before += rows;
    return start;
  });
}

/**
 * The frame at which a change at `frame` is shown: one in the crossfade into the scene at once (the crossfade
 * shows it), one in the crossfade out just before it (it would hardly be seen there).
 */
export function stepFrame(frame: number, sceneFrames: number): number {
  return frame <= TRANSITION_FRAMES ? 0 : Math.min(frame, sceneFrames - TRANSITION_FRAMES - 1);
}
