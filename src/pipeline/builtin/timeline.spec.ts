import { Scene } from './planner';
import { FINAL_FADE_SECONDS, NARRATION_LEAD_SECONDS, TRANSITION_FRAMES, sceneFrames, timeline } from './timeline';

describe('sceneFrames', () => {
  const content: Scene = { kind: 'content', title: 't', text: 'x', narration: 'x' };

  it('fits lead, narration, pause and the crossfade out, rounded up to whole frames', () => {
    // 0.4 lead + 3 s + 0.3 pause + 0.4 crossfade = 4.1 s
    expect(sceneFrames(content, 3, false)).toBe(123);
    expect(sceneFrames(content, 3.01, false)).toBe(124);
    expect(NARRATION_LEAD_SECONDS).toBeCloseTo(TRANSITION_FRAMES / 30, 9);
  });

  it('ends the last scene with the longer fade to black', () => {
    expect(sceneFrames(content, 3, true)).toBe(Math.ceil((0.4 + 3 + 0.3 + FINAL_FADE_SECONDS) * 30));
  });

  it('keeps cards and silent scenes on screen long enough to read', () => {
    expect(sceneFrames({ ...content, kind: 'title' }, 0.5, false)).toBe(75);
    expect(sceneFrames(content, 0, false)).toBe(90);
  });

  it('treats a custom duration as a minimum, never cutting the narration', () => {
    expect(sceneFrames({ ...content, minDurationSeconds: 7 }, 3, false)).toBe(210);
    expect(sceneFrames({ ...content, minDurationSeconds: 2 }, 3, false)).toBe(123);
  });
});

describe('timeline', () => {
  it('overlaps consecutive scenes by the crossfade', () => {
    expect(timeline([90, 120, 60])).toEqual({ startFrames: [0, 78, 186], totalFrames: 246 });
    expect(timeline([75])).toEqual({ startFrames: [0], totalFrames: 75 });
    expect(timeline([])).toEqual({ startFrames: [], totalFrames: 0 });
  });
});
