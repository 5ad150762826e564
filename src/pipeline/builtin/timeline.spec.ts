import { Scene } from './scene';
import {
  FINAL_FADE_SECONDS,
  NARRATION_LEAD_SECONDS,
  TRANSITION_FRAMES,
  bulletRevealFrames,
  pageStartFrames,
  sceneFrames,
  stepFrame,
  timeline,
} from './timeline';

describe('sceneFrames', () => {
  const content: Scene = { kind: 'content', title: 't', text: 'x', narration: 'x', bullets: [] };

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

  it('gives code time to be read, whatever the narration', () => {
    const source = Array.from({ length: 40 }, (_, i) => `x${i} = ${i}`).join('\n');
    expect(sceneFrames({ ...content, code: { language: 'python', source } }, 3, false)).toBe(16 * 30);
  });
});

describe('bulletRevealFrames', () => {
  const at = (seconds: number): number => Math.round((NARRATION_LEAD_SECONDS + seconds) * 30);

  it('reveals each bullet where the narration says its words, as that share of the narration’s time', () => {
    const narration = 'First, heat. Then evaporation happens. Finally, rain falls down!';
    const frames = bulletRevealFrames(['Heat', 'Evaporation happens', 'Rain falls down'], narration, 10);
    const words = 'first heat then evaporation happens finally rain falls down';
    expect(frames).toEqual([
      at((10 * words.indexOf('heat')) / words.length),
      at((10 * words.indexOf('evaporation')) / words.length),
      at((10 * words.indexOf('rain')) / words.length),
    ]);
  });

  it('matches a bullet by its first words, whole words only, in order', () => {
    const narration = 'Cats sleep a lot. Dogs sleep less, and cats sleep more than dogs.';
    // The second "cats sleep" is after the dogs, so the last bullet is found there, not at the start.
    const [dogs, cats] = bulletRevealFrames(['Dogs sleep less than cats do all day', 'Cats sleep more'], narration, 6);
    expect(dogs).toBeGreaterThan(at(0));
    expect(cats).toBeGreaterThan(dogs);
    expect(bulletRevealFrames(['at'], 'Cats sleep.', 3)).toEqual([at(0)]); // "at" inside "cats" does not count
  });

  it('spaces bullets the narration does not say evenly, between the ones it does', () => {
    expect(bulletRevealFrames(['alpha', 'beta', 'gamma', 'delta'], 'Nothing in common.', 8)).toEqual([at(0), at(2), at(4), at(6)]);
    const narration = 'aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj';
    const [first, unknown, known] = bulletRevealFrames(['aaaa', 'zzzz', 'ffff'], narration, 10);
    const ffff = (10 * narration.indexOf('ffff')) / narration.length;
    expect(first).toBe(at(0));
    expect(unknown).toBe(at(ffff / 2));
    expect(known).toBe(at(ffff));
  });

  it('shows every bullet before the narration ends, and all at once without narration', () => {
    const frames = bulletRevealFrames(['one', 'two', 'three'], 'one two three', 3);
    for (const frame of frames) expect(frame).toBeLessThan(at(3));
    expect(bulletRevealFrames(['one', 'two'], '', 0)).toEqual([0, 0]);
  });
});

describe('pageStartFrames and stepFrame', () => {
  it('spreads pages of code between the crossfades in proportion to their rows', () => {
    // Body: frames 12–288 (276 frames); pages of 10, 10 and 5 rows.
    expect(pageStartFrames([10, 10, 5], 300)).toEqual([0, 12 + Math.round(276 * 0.4), 12 + Math.round(276 * 0.8)]);
    expect(pageStartFrames([7], 90)).toEqual([0]);
  });

  it('moves a change in the crossfade in to the start, and one in the crossfade out before it', () => {
    expect(stepFrame(5, 100)).toBe(0);
    expect(stepFrame(TRANSITION_FRAMES, 100)).toBe(0);
    expect(stepFrame(50, 100)).toBe(50);
    expect(stepFrame(95, 100)).toBe(100 - TRANSITION_FRAMES - 1);
  });
});

describe('timeline', () => {
  it('overlaps consecutive scenes by the crossfade', () => {
    expect(timeline([90, 120, 60])).toEqual({ startFrames: [0, 78, 186], totalFrames: 246 });
    expect(timeline([75])).toEqual({ startFrames: [0], totalFrames: 75 });
    expect(timeline([])).toEqual({ startFrames: [], totalFrames: 0 });
  });
});
