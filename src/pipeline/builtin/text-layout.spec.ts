import { ASCENT_EM, DESCENT_EM, MeasureEm, estimateWidthEm, fitText, wrapText } from './text-layout';

/** Every character half an em wide: a line of maxWidthEm em holds 2 × maxWidthEm characters. */
const mono: MeasureEm = (text) => Array.from(text).length * 0.5;
const words = (text: string): string[] => text.split(/\s+/u).filter(Boolean);

const PARAGRAPH =
  'Photosynthesis is the process by which green plants and some other organisms use sunlight to synthesize ' +
  'foods from carbon dioxide and water. It generally involves the green pigment chlorophyll and generates ' +
  'oxygen as a by-product.';

describe('wrapText', () => {
  it('fills lines up to the width without splitting or losing words', () => {
    const lines = wrapText(PARAGRAPH, 15, mono); // 30 characters per line
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(30);
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.flatMap(words)).toEqual(words(PARAGRAPH));
    // Greedy: the next word would not have fitted on the previous line.
    for (let i = 1; i < lines.length; i++) expect(`${lines[i - 1]} ${words(lines[i])[0]}`.length).toBeGreaterThan(30);
  });

  it('keeps special characters verbatim', () => {
    const text = "100% of 'quoted' \\back\\slashes: %{pts} and {braces}";
    expect(wrapText(text, 100, mono)).toEqual([text]);
  });

  it('breaks CJK text between characters and never before closing punctuation', () => {
    const text = '光合作用是植物利用阳光合成食物的过程。它通常涉及叶绿素，并产生氧气。';
    const lines = wrapText(text, 5, mono);
    for (const line of lines) expect(Array.from(line).length).toBeLessThanOrEqual(10);
    for (const line of lines.slice(1)) expect(line).not.toMatch(/^[。，]/u);
    expect(lines.join('')).toBe(text);
  });

  it('breaks a word wider than the line between graphemes', () => {
    const word = `${'a'.repeat(25)}👍🏽q\u0301${'b'.repeat(10)}`;
    const lines = wrapText(`x ${word} y`, 6, mono);
    for (const line of lines) expect(mono(line)).toBeLessThanOrEqual(6);
    expect(lines.join(' ').split(' ').join('')).toBe(`x${word}y`);
    expect(lines.some((l) => l.includes('👍🏽'))).toBe(true);
    expect(lines.some((l) => l.includes('q\u0301'))).toBe(true);
  });

  it('returns no lines for blank text', () => {
    expect(wrapText('  \n ', 10, mono)).toEqual([]);
  });
});

describe('fitText', () => {
  const area = { maxWidth: 600, maxHeight: 200, fontSize: 40, minFontSize: 16, lineHeight: 1.4 };

  const expectInside = (block: ReturnType<typeof fitText>, measure: MeasureEm): void => {
    for (const line of block.lines) expect(measure(line) * block.fontSize).toBeLessThanOrEqual(area.maxWidth);
    expect(block.height).toBeLessThanOrEqual(area.maxHeight);
  };

  it('keeps the preferred size when the text fits', () => {
    const block = fitText('Short title', area, mono);
    expect(block).toMatchObject({ lines: ['Short title'], fontSize: 40, truncated: false });
    expect(block.baselines).toEqual([40]);
    expect(block.height).toBe(Math.round(40 * ASCENT_EM) + Math.round(40 * DESCENT_EM));
  });

  it('shrinks the font until the text fits the area', () => {
    const block = fitText(PARAGRAPH, area, mono);
    expect(block.fontSize).toBeLessThan(40);
    expect(block.fontSize).toBeGreaterThanOrEqual(16);
    expect(block.truncated).toBe(false);
    expect(block.lines.flatMap(words)).toEqual(words(PARAGRAPH));
    expectInside(block, mono);
    expect(block.baselines[1] - block.baselines[0]).toBe(block.lineHeightPx);
  });

  it('honours maxLines', () => {
    const block = fitText(PARAGRAPH, { ...area, maxHeight: 10_000, maxLines: 3 }, mono);
    expect(block.lines.length).toBeLessThanOrEqual(3);
  });

  it('ends with an ellipsis rather than overflowing when even the minimum size is too big', () => {
    const text = PARAGRAPH.repeat(5);
    const block = fitText(text, area, mono);
    expect(block.fontSize).toBe(16);
    expect(block.truncated).toBe(true);
    expect(block.lines[block.lines.length - 1]).toMatch(/…$/u);
    expectInside(block, mono);
  });

  it('fits wide text measured with the conservative estimate', () => {
    const text = 'WWWWWWWWWW MMMMMMMMMM 漢字漢字漢字漢字漢字漢字 😀😀😀😀😀😀 mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm';
    const block = fitText(text, area, estimateWidthEm);
    expectInside(block, estimateWidthEm);
  });
});
