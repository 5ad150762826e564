import { MAX_CAPTION_LINES, balancedWrap, splitIntoCues, timeCues, toWebVtt, vttTime } from './captions';
import { estimateWidthEm } from './text-layout';

const words = (text: string): string[] => text.split(/\s+/u).filter(Boolean);
const NARRATION =
  'Bees are remarkable insects that live in highly organised colonies. A single hive can hold tens of ' +
  'thousands of workers, all daughters of one queen. Workers forage for nectar and pollen, and they tell ' +
  'each other where the best flowers are with a waggle dance.';

describe('splitIntoCues', () => {
  const width = 30; // em: about 45 characters of the estimate

  it('never makes a cue of more than two lines, each within the width, and loses no word', () => {
    const cues = splitIntoCues(NARRATION, width, estimateWidthEm);
    expect(cues.length).toBeGreaterThan(2);
    for (const lines of cues) {
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.length).toBeLessThanOrEqual(MAX_CAPTION_LINES);
      for (const line of lines) expect(estimateWidthEm(line)).toBeLessThanOrEqual(width);
    }
    expect(cues.flat().flatMap(words)).toEqual(words(NARRATION));
  });

  it('keeps lines to about 42 characters even when the frame is wide', () => {
    for (const line of splitIntoCues(NARRATION, 200, estimateWidthEm).flat()) expect(line.length).toBeLessThanOrEqual(48);
  });

  it('ends cues at sentence ends when the sentences fit', () => {
    const cues = splitIntoCues('Heat rises. Cold air sinks. Wind is born.', width, estimateWidthEm);
    expect(cues.map((lines) => lines.join(' '))).toEqual(['Heat rises. Cold air sinks. Wind is born.']);
    const long = splitIntoCues(NARRATION, width, estimateWidthEm).map((lines) => lines.join(' '));
    expect(long.filter((cue) => /[.!?]$/u.test(cue)).length).toBeGreaterThanOrEqual(3);
  });

  it('splits a long sentence without punctuation into two-line cues', () => {
    const sentence = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    const cues = splitIntoCues(sentence, 20, estimateWidthEm);
    expect(cues.length).toBeGreaterThan(3);
    expect(cues.every((lines) => lines.length <= 2)).toBe(true);
    expect(cues.flat().flatMap(words)).toEqual(words(sentence));
  });

  it('gives nothing for empty narration', () => {
    expect(splitIntoCues('', width, estimateWidthEm)).toEqual([]);
  });
});

describe('balancedWrap', () => {
  it('evens out the lines instead of leaving one word alone', () => {
    const text = 'Bees are remarkable insects that live in highly organised colonies.';
    // Just too narrow for one line: a greedy wrap would leave "colonies." alone on the second.
    const width = estimateWidthEm(text) * 0.9;
    const lines = balancedWrap(text, width, estimateWidthEm);
    expect(lines).toHaveLength(2);
    const [a, b] = lines.map(estimateWidthEm);
    expect(Math.abs(a - b)).toBeLessThan(8);
  });

  it('keeps a single line as it is', () => {
    expect(balancedWrap('Short.', 40, estimateWidthEm)).toEqual(['Short.']);
  });
});

describe('timeCues', () => {
  const cues = [['one two three'], ['four five six seven eight nine'], ['ten']];

  it('spreads cues over the narration in proportion to their length, back to back', () => {
    const timed = timeCues(cues, 0.4, 10, 10.7);
    expect(timed[0].start).toBe(0.4);
    timed.forEach((cue, i) => {
      expect(cue.end).toBeGreaterThan(cue.start);
      if (i > 0) expect(cue.start).toBe(timed[i - 1].end);
    });
    const length = (i: number): number => timed[i].end - timed[i].start;
    expect(length(1)).toBeGreaterThan(length(0));
    expect(timed[2].end).toBe(10.7); // held through the pause
    expect(timed.map((c) => c.lines)).toEqual(cues);
  });

  it('never ends before the narration does', () => {
    expect(timeCues([['a']], 1, 2, 0).at(-1)?.end).toBe(3);
  });
});

describe('toWebVtt', () => {
  it('writes numbered cues with hh:mm:ss.mmm times and escaped text', () => {
    const vtt = toWebVtt([
      { start: 0.4, end: 2.25, lines: ['Salt & pepper', '<b>bold</b> -> arrow'] },
      { start: 3725.5, end: 3726, lines: ['Later'] },
    ]);
    expect(vtt).toBe(
      'WEBVTT\n\n' +
        '1\n00:00:00.400 --> 00:00:02.250\nSalt &amp; pepper\n&lt;b&gt;bold&lt;/b&gt; -&gt; arrow\n\n' +
        '2\n01:02:05.500 --> 01:02:06.000\nLater\n',
    );
  });

  it('writes a valid empty file for a silent video', () => {
    expect(toWebVtt([])).toBe('WEBVTT\n');
  });

  it('formats times', () => {
    expect(vttTime(0)).toBe('00:00:00.000');
    expect(vttTime(59.9996)).toBe('00:01:00.000');
  });
});
