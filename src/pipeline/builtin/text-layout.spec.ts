import { ASCENT_EM, DESCENT_EM, ListBlock, ListOptions, MeasureEm, estimateWidthEm, fitList, fitText, wrapText } from './text-layout';

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

describe('fitList', () => {
  const options: ListOptions = { maxWidth: 400, maxHeight: 300, fontSize: 40, minFontSize: 16, lineHeight: 1.3, indentEm: 1, gapEm: 0.5 };
  const items = ['Heat evaporates water', 'Vapour condenses into clouds', 'Rain falls'];

  /** Every line fits beside the marker, and the list's height is what its last line needs. */
  function expectInside(list: ListBlock, opts: ListOptions): void {
    for (const item of list.items) {
      for (const line of item.lines) expect(mono(line) * list.fontSize).toBeLessThanOrEqual(opts.maxWidth - list.indent);
    }
    const lastItem = list.items[list.items.length - 1];
    const last = lastItem.baselines[lastItem.baselines.length - 1];
    expect(list.height).toBe(last + Math.round(DESCENT_EM * list.fontSize));
    expect(list.height).toBeLessThanOrEqual(opts.maxHeight);
  }

  it('keeps the preferred size when the list fits, items one after another with a gap', () => {
    const list = fitList(items, options, mono);
    expect(list.fontSize).toBe(40);
    expect(list.indent).toBe(40);
    expect(list.items.map((item) => item.lines.join(' '))).toEqual(items);
    const [a, b] = list.items;
    expect(b.baselines[0] - a.baselines[a.baselines.length - 1]).toBe(Math.round(40 * 1.3) + 20);
    expect(list.truncated).toBe(false);
    expectInside(list, options);
  });

  it('shrinks all items together until the list fits', () => {
    const long = items.map((item) => `${item}, ${PARAGRAPH.slice(0, 80)}`);
    const list = fitList(long, options, mono);
    expect(list.fontSize).toBeLessThan(40);
    expect(list.fontSize).toBeGreaterThanOrEqual(16);
    expect(list.items.map((item) => item.lines.join(' '))).toEqual(long);
    expectInside(list, options);
  });

  it('cuts the longest items with an ellipsis at the least size, keeping every item', () => {
    const long = [PARAGRAPH, 'Short one', PARAGRAPH];
    const list = fitList(long, { ...options, maxHeight: 150 }, mono);
    expect(list.fontSize).toBe(16);
    expect(list.truncated).toBe(true);
    expect(list.items).toHaveLength(3);
    expect(list.items[1].lines).toEqual(['Short one']);
    expect(list.items[0].lines[list.items[0].lines.length - 1]).toMatch(/…$/u);
    expectInside(list, { ...options, maxHeight: 150 });
  });

  it('shrinks below the least size (to half of it) only when one line an item cannot fit otherwise', () => {
    const six = ['a', 'b', 'c', 'd', 'e', 'f'];
    const list = fitList(six, { ...options, maxHeight: 90 }, mono);
    expect(list.fontSize).toBeLessThan(16);
    expect(list.fontSize).toBeGreaterThanOrEqual(8);
    expect(list.items).toHaveLength(6);
    expectInside(list, { ...options, maxHeight: 90 });
    // Past that, the last items are left out rather than drawn too small to read.
    const cut = fitList(six, { ...options, maxHeight: 40 }, mono);
    expect(cut).toMatchObject({ fontSize: 8, truncated: true });
    expect(cut.items.map((item) => item.lines[0])).toEqual(['a', 'b', 'c']);
    expect(fitList(six, { ...options, maxHeight: -5 }, mono)).toMatchObject({ items: [], height: 0 });
    expect(fitList([], options, mono)).toMatchObject({ items: [], height: 0 });
  });
});
