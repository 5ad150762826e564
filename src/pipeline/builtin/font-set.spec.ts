import { readFileSync } from 'node:fs';
import { parseFontMetrics } from './font-metrics';
import { FontLibrary } from './font-set';

const DEJAVU = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
const DEJAVU_SERIF = '/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf';
const NOTO = '/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf';
const cp = (ch: string): number => ch.codePointAt(0) ?? 0;
const signal = new AbortController().signal;

// These read the fonts scripts/setup.sh installs (fonts-dejavu-core, fonts-noto-core).
describe('parseFontMetrics', () => {
  const dejavu = parseFontMetrics(DEJAVU, readFileSync(DEJAVU));

  it('knows which characters the font covers', () => {
    expect(dejavu.hasGlyph(cp('A'))).toBe(true);
    expect(dejavu.hasGlyph(cp('ش'))).toBe(true);
    expect(dejavu.hasGlyph(cp('中'))).toBe(false);
    expect(dejavu.hasGlyph(0x10ffff)).toBe(false);
  });

  it('reads advance widths in em', () => {
    expect(dejavu.advanceEm(cp('A'))).toBeCloseTo(1401 / 2048, 3);
    expect(dejavu.advanceEm(cp('W'))).toBeGreaterThan(dejavu.advanceEm(cp('i')));
    expect(dejavu.advanceEm(cp('中'))).toBeGreaterThan(0); // the .notdef box still takes room
  });

  it('rejects a file that is not a font', () => {
    expect(() => parseFontMetrics('x', Buffer.from('not a font at all, definitely'))).toThrow();
  });
});

describe('FontLibrary', () => {
  let fonts: FontLibrary;
  beforeAll(async () => {
    fonts = await FontLibrary.load(undefined, signal);
  });

  it('prefers Noto Sans for Latin text, in the requested weight', () => {
    expect(fonts.choose('Hello world', 'regular')).toMatchObject({ file: NOTO, text: 'Hello world', missingGlyphs: 0 });
    expect(fonts.choose('Hello world', 'bold').file).toMatch(/NotoSans-Bold\.ttf$/u);
  });

  it('falls back to a font that covers the text', () => {
    expect(fonts.choose('Next → step', 'regular')).toMatchObject({ file: DEJAVU, missingGlyphs: 0 });
    expect(fonts.choose('שלום עולם', 'regular').missingGlyphs).toBe(0);
    expect(fonts.choose('नमस्ते दुनिया', 'regular').file).toMatch(/Devanagari/u);
  });

  it('drops emoji and invisible characters the font cannot draw, and counts what is missing', () => {
    const choice = fonts.choose('Launch 🚀 now\uFE0F!', 'regular');
    expect(choice.text).toBe('Launch now!');
    expect(choice.missingGlyphs).toBe(1);
  });

  it('measures with the chosen font', () => {
    const choice = fonts.choose('iiii WWWW', 'regular');
    expect(choice.measure('WWWW')).toBeGreaterThan(choice.measure('iiii'));
  });

  it('finds a monospaced face for code', () => {
    expect(fonts.mono).toEqual({ file: '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf', family: 'DejaVu Sans Mono' });
  });

  it('cleans other text for the chosen font the way it cleaned the text it was chosen for', () => {
    const choice = fonts.choose('Rain and  sun ', 'regular');
    expect(choice.text).toBe('Rain and sun');
    expect(choice.clean('  Rain  and sun')).toBe(choice.text);
  });

  it('puts a preferred font first', async () => {
    const serif = await FontLibrary.load(DEJAVU_SERIF, signal);
    expect(serif.choose('Hello', 'bold').file).toBe(DEJAVU_SERIF);
    expect(serif.choose('नमस्ते', 'regular').file).toMatch(/Devanagari/u);
  });
});
