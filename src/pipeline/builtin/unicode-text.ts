/**
 * Unicode helpers shared by the planner (speech chunks) and the text layout (screen lines), so both agree on
 * where text may be broken: at spaces, and between CJK characters (which are written without spaces).
 */

const CJK_LETTER = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
/** CJK punctuation that may end a line / chunk (closing brackets, commas, full stops). */
const CJK_TRAILING_PUNCT = /[、。，．！？；：」』）】〕〉》〗〙〛]/u;
const SLOW_SPOKEN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/**
 * NFC-normalises, turns control characters (tabs, newlines, NUL, …) into spaces and collapses whitespace, so
 * text written to files for espeak-ng and ffmpeg is a single clean line.
 */
export function normalizeText(text: string): string {
  return text
    .normalize('NFC')
    .replace(/[\p{Cc}\u2028\u2029]/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim();
}

/** True when a line/chunk may end after `prev` and the next one start with `next` although no space separates them. */
export function canBreakBetween(prev: string, next: string): boolean {
  return CJK_LETTER.test(next) && (CJK_LETTER.test(prev) || CJK_TRAILING_PUNCT.test(prev));
}

/** A place where text may be split: the piece before ends at `end`, the next starts at `next` (after a space). */
export interface BreakPoint {
  end: number;
  next: number;
}

/** All break points of `chars` (code points of normalised text), in order. Never inside a word. */
export function breakPoints(chars: readonly string[]): BreakPoint[] {
  const points: BreakPoint[] = [];
  for (let i = 1; i < chars.length; i++) {
    if (chars[i] === ' ') {
      if (chars[i - 1] !== ' ') points.push({ end: i, next: i + 1 });
    } else if (chars[i - 1] !== ' ' && canBreakBetween(chars[i - 1], chars[i])) {
      points.push({ end: i, next: i });
    }
  }
  return points;
}

/**
 * Relative time a character takes to speak: a CJK character or Hangul syllable is a whole syllable, roughly
 * three Latin letters' worth.
 */
export function speechWeight(char: string): number {
  return SLOW_SPOKEN.test(char) ? 3 : 1;
}

const graphemeSegmenter = new Intl.Segmenter('und', { granularity: 'grapheme' });

/** User-perceived characters: a forced break never separates an emoji from its modifier or a letter from its accent. */
export function graphemes(text: string): string[] {
  return Array.from(graphemeSegmenter.segment(text), (s) => s.segment);
}

/** True when the text contains something a speech synthesiser can say (letters or digits). */
export function isSpeakable(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(text);
}
