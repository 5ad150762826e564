/**
 * Line wrapping and font-size fitting for on-screen text. Pure: widths come from an injected measure
 * function, so the same code runs against real font metrics in the pipeline and against a fixed estimate
 * in tests. The guarantee the renderer relies on: every returned line fits `maxWidth`, and the block fits
 * `maxHeight` — shrinking the font first and, as a last resort, ending with "…" — so nothing is clipped.
 */
import { breakPoints, graphemes, normalizeText } from './unicode-text';

/** Width of a string in em (that is, in pixels at a font size of 1). */
export type MeasureEm = (text: string) => number;

const WIDE =
  /[MWmw@%\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Emoji_Presentation}\u3000-\u303f\uff01-\uff60]/u;
const CAPITAL_OR_DIGIT = /[\p{Lu}\p{Nd}]/u;

/**
 * Deliberately wide estimate for when no font metrics are available: 1 em for CJK, full-width, emoji and the
 * widest Latin letters, 0.8 em for capitals and digits, 0.62 em for other letters.
 */
export const estimateWidthEm: MeasureEm = (text) => {
  let width = 0;
  for (const ch of text) width += WIDE.test(ch) ? 1 : CAPITAL_OR_DIGIT.test(ch) ? 0.8 : ch === ' ' ? 0.35 : 0.62;
  return width;
};

/** Vertical room for a line's glyphs, in em: above the baseline (accents) and below it (descenders). */
export const ASCENT_EM = 1.0;
export const DESCENT_EM = 0.3;
/** Kerning and shaping can make rendered text slightly wider than the summed advances. */
const WIDTH_SAFETY = 0.97;
const SHRINK_STEP = 0.92;
const ELLIPSIS = '…';

/** Greedy wrap at spaces (and between CJK characters); a word wider than a line is broken between graphemes. */
export function wrapText(text: string, maxWidthEm: number, measure: MeasureEm): string[] {
  const chars = Array.from(normalizeText(text));
  if (chars.length === 0) return [];
  const pieces: Array<{ text: string; spaced: boolean }> = [];
  let start = 0;
  for (const point of [...breakPoints(chars), { end: chars.length, next: chars.length }]) {
    pieces.push({ text: chars.slice(start, point.end).join(''), spaced: start > 0 && chars[start - 1] === ' ' });
    start = point.next;
  }

  const spaceWidth = measure(' ');
  const lines: string[] = [];
  let line = '';
  let width = 0;
  for (const piece of pieces) {
    const pieceWidth = measure(piece.text);
    const joined = width + (piece.spaced ? spaceWidth : 0) + pieceWidth;
    if (line && joined <= maxWidthEm) {
      line += (piece.spaced ? ' ' : '') + piece.text;
      width = joined;
      continue;
    }
    if (line) lines.push(line);
    if (pieceWidth <= maxWidthEm) {
      line = piece.text;
      width = pieceWidth;
      continue;
    }
    const broken = breakWord(piece.text, maxWidthEm, measure);
    lines.push(...broken.slice(0, -1));
    line = broken[broken.length - 1];
    width = measure(line);
  }
  if (line) lines.push(line);
  return lines;
}

function breakWord(word: string, maxWidthEm: number, measure: MeasureEm): string[] {
  const parts: string[] = [];
  let part = '';
  for (const g of graphemes(word)) {
    if (part && measure(part + g) > maxWidthEm) {
      parts.push(part);
      part = '';
    }
    part += g;
  }
  parts.push(part);
  return parts;
}

export interface FitOptions {
  maxWidth: number;
  maxHeight: number;
  /** Preferred font size in pixels; shrunk step by step down to minFontSize until the text fits. */
  fontSize: number;
  minFontSize: number;
  /** Line pitch as a multiple of the font size. */
  lineHeight: number;
  maxLines?: number;
}

export interface TextBlock {
  lines: string[];
  fontSize: number;
  /** Distance between consecutive baselines, in pixels. */
  lineHeightPx: number;
  /** Baseline of each line, in pixels from the top of the block. */
  baselines: number[];
  height: number;
  /** True when the text did not fit even at minFontSize and was cut with an ellipsis. */
  truncated: boolean;
}

export function fitText(text: string, options: FitOptions, measure: MeasureEm): TextBlock {
  const maxLines = options.maxLines ?? Infinity;
  const minSize = Math.max(1, Math.floor(options.minFontSize));
  const smaller = (size: number): number => Math.max(minSize, Math.floor(size * SHRINK_STEP));
  for (let size = Math.max(minSize, Math.floor(options.fontSize)); ; size = smaller(size)) {
    const maxWidthEm = (options.maxWidth * WIDTH_SAFETY) / size;
    const lines = wrapText(text, maxWidthEm, measure);
    const fitting = Math.min(maxLines, linesThatFit(options.maxHeight, size, options.lineHeight));
    if (lines.length <= fitting) return block(lines, size, options.lineHeight, false);
    if (size === minSize) {
      const kept = lines.slice(0, Math.max(1, fitting));
      kept[kept.length - 1] = withEllipsis(kept[kept.length - 1], maxWidthEm, measure);
      return block(kept, size, options.lineHeight, true);
    }
  }
}

/** Pixel metrics of a block, rounded once so that the fitting check and the final layout agree exactly. */
function pixelMetrics(size: number, lineHeight: number): { ascent: number; descent: number; pitch: number } {
  return {
    ascent: Math.round(ASCENT_EM * size),
    descent: Math.round(DESCENT_EM * size),
    pitch: Math.round(size * lineHeight),
  };
}

function linesThatFit(maxHeight: number, size: number, lineHeight: number): number {
  const { ascent, descent, pitch } = pixelMetrics(size, lineHeight);
  return Math.floor((maxHeight - ascent - descent) / pitch) + 1;
}

function block(lines: string[], size: number, lineHeight: number, truncated: boolean): TextBlock {
  const { ascent, descent, pitch } = pixelMetrics(size, lineHeight);
  const baselines = lines.map((_, i) => ascent + i * pitch);
  const height = lines.length === 0 ? 0 : ascent + (lines.length - 1) * pitch + descent;
  return { lines, fontSize: size, lineHeightPx: pitch, baselines, height, truncated };
}

/** Drops trailing graphemes until "line…" fits, preferring to cut at a space. */
function withEllipsis(line: string, maxWidthEm: number, measure: MeasureEm): string {
  const parts = graphemes(line);
  const whole = parts.length;
  while (parts.length > 0 && measure(parts.join('') + ELLIPSIS) > maxWidthEm) parts.pop();
  let kept = parts.join('');
  const atSpace = kept.lastIndexOf(' ');
  if (parts.length < whole && atSpace > kept.length / 2) kept = kept.slice(0, atSpace);
  return kept.trimEnd() + ELLIPSIS;
}

/** fitList's options: fitText's, less maxLines (a list is fitted by height alone). */
export interface ListOptions extends Omit<FitOptions, 'maxLines'> {
  /** Room left of each item's text for its marker, in em. */
  indentEm: number;
  /** Extra space between two items, in em. */
  gapEm: number;
}

export interface ListBlock {
  /** Each item's lines and baselines (pixels from the top of the list). */
  items: Array<{ lines: string[]; baselines: number[] }>;
  fontSize: number;
  /** Left edge of the items' text, in pixels from the list's left edge. */
  indent: number;
  height: number;
  /** True when an item was cut with an ellipsis (or, in a hopeless space, left out). */
  truncated: boolean;
}

/**
 * A list of items (bullets) at one common font size, each wrapped beside its marker, shrunk to fit like
 * fitText. Below minFontSize nothing shrinks further: the longest items lose lines (ending with "…") until
 * the list fits; only in a space too small for one line per item do items shrink below the minimum (to half
 * of it), and only in one too small for that are the last items left out.
 */
export function fitList(items: readonly string[], options: ListOptions, measure: MeasureEm): ListBlock {
  const minSize = Math.max(1, Math.floor(options.minFontSize));
  const widthEmAt = (size: number): number => ((options.maxWidth - Math.round(options.indentEm * size)) * WIDTH_SAFETY) / size;
  const wrapAt = (size: number): string[][] => items.map((item) => wrapText(item, widthEmAt(size), measure));
  const fits = (lineCounts: readonly number[], size: number): boolean => listHeight(lineCounts, size, options) <= options.maxHeight;
  for (let size = Math.max(minSize, Math.floor(options.fontSize)); ; size = Math.max(minSize, Math.floor(size * SHRINK_STEP))) {
    const wrapped = wrapAt(size);
    if (fits(shownLineCounts(wrapped), size)) return list(wrapped, size, options, false);
    if (size === minSize) break;
  }
  // At the smallest size: cut the longest items a line at a time; in a space too small for one line an item,
  // shrink further (to half the smallest size), and past that leave out the last items.
  const floor = Math.max(4, Math.floor(minSize / 2));
  for (let size = minSize; ; size = Math.max(floor, Math.floor(size * SHRINK_STEP))) {
    const wrapped = wrapAt(size);
    const counts = shownLineCounts(wrapped);
    while (!fits(counts, size) && Math.max(...counts) > 1) counts[counts.indexOf(Math.max(...counts))]--;
    while (size === floor && counts.length > 0 && !fits(counts, size)) counts.pop();
    if (counts.length === 0 || fits(counts, size)) {
      const cut = counts.map((count, i) => {
        const lines = wrapped[i];
        if (lines.length <= count) return lines;
        const kept = lines.slice(0, count);
        kept[kept.length - 1] = withEllipsis(kept[kept.length - 1], widthEmAt(size), measure);
        return kept;
      });
      return list(cut, size, options, true);
    }
  }
}

/** Lines each item takes on screen: an item that wraps to nothing still takes one (see list). */
function shownLineCounts(wrapped: readonly string[][]): number[] {
  return wrapped.map((lines) => Math.max(1, lines.length));
}

/** Height of a list at `size` whose items take `lineCounts` lines each, as fitList lays them out. */
export function listHeight(lineCounts: readonly number[], size: number, { lineHeight, gapEm }: Pick<ListOptions, 'lineHeight' | 'gapEm'>): number {
  const { ascent, descent, pitch } = pixelMetrics(size, lineHeight);
  const lines = lineCounts.reduce((sum, n) => sum + n, 0);
  return lines === 0 ? 0 : ascent + (lines - 1) * pitch + (lineCounts.length - 1) * Math.round(gapEm * size) + descent;
}

function list(wrapped: string[][], size: number, options: ListOptions, truncated: boolean): ListBlock {
  const { ascent, pitch } = pixelMetrics(size, options.lineHeight);
  const gap = Math.round(options.gapEm * size);
  let baseline = ascent;
  const items = wrapped.map((lines) => {
    const shown = lines.length > 0 ? lines : [''];
    const baselines = shown.map((_, i) => baseline + i * pitch);
    baseline += shown.length * pitch + gap;
    return { lines: shown, baselines };
  });
  const height = listHeight(shownLineCounts(wrapped), size, options);
  return { items, fontSize: size, indent: Math.round(options.indentEm * size), height, truncated };
}
