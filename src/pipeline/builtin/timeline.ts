/**
 * Scene timing. Consecutive scenes overlap by a short crossfade; each scene's narration starts once the
 * crossfade into it is over and ends, plus a pause, before the crossfade out of it begins. Everything is
 * counted in whole frames so that video, audio offsets and caption times agree exactly.
 */
import { FPS } from './output-format';
import { Scene } from './planner';

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

/** Frames of a scene: narration plus lead, pause and fade, at least long enough to read, at least its custom minimum. */
export function sceneFrames(scene: Scene, narrationSeconds: number, last: boolean): number {
  const floor = scene.kind === 'content' ? MIN_CONTENT_SECONDS : MIN_CARD_SECONDS;
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
