import { SAMPLE_SENTENCES, sampleProse } from '../../../../test/support/sample-prose';
import { CHUNK_LIMITS, chunkText } from './chunk-text';
import { speechWeight } from '../unicode-text';

const words = (text: string): string[] => text.split(/\s+/u).filter(Boolean);
const weightOf = (text: string): number => Array.from(text).reduce((sum, ch) => sum + speechWeight(ch), 0);

describe('chunkText', () => {
  it('returns nothing for empty or whitespace-only text', () => {
    expect(chunkText('')).toEqual([]);
    expect(chunkText(' \n\t ')).toEqual([]);
  });

  it('keeps a short text as one chunk', () => {
    expect(chunkText('Hello world.')).toEqual(['Hello world.']);
  });

  it('is deterministic', () => {
    const text = sampleProse(2000);
    expect(chunkText(text)).toEqual(chunkText(text));
  });

  it('keeps every chunk of a 2,000-character context within the bounds and loses no word', () => {
    const text = sampleProse(2000);
    expect(text.length).toBeGreaterThan(1900);
    const chunks = chunkText(text);
    expect(chunks.length).toBeGreaterThanOrEqual(2000 / CHUNK_LIMITS.max);
    for (const chunk of chunks) {
      expect(weightOf(chunk)).toBeGreaterThanOrEqual(CHUNK_LIMITS.min);
      expect(weightOf(chunk)).toBeLessThanOrEqual(CHUNK_LIMITS.max);
      expect(chunk).toBe(chunk.trim());
    }
    expect(chunks.flatMap(words)).toEqual(words(text));
  });

  it('breaks between sentences when the bounds allow it', () => {
    const chunks = chunkText(SAMPLE_SENTENCES.join(' '));
    for (const chunk of chunks) expect(chunk).toMatch(/[.!?]$/u);
  });

  it('merges short sentences', () => {
    const text = 'One. Two. Three. Four. Five. Six. Seven. Eight. Nine. Ten. Eleven. Twelve. Thirteen. Fourteen.';
    expect(chunkText(text)).toEqual([text]);
  });

  it('splits a very long sentence at commas before plain spaces, never inside a word', () => {
    const clause = 'the quick brown fox jumps over the lazy dog';
    const sentence = `${Array.from({ length: 8 }, () => clause).join(', ')}.`;
    const chunks = chunkText(sentence);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks.slice(0, -1)) expect(chunk).toMatch(/,$/u);
    for (const chunk of chunks) expect(weightOf(chunk)).toBeLessThanOrEqual(CHUNK_LIMITS.max);
    expect(chunks.flatMap(words)).toEqual(words(sentence));
  });

  it('splits a long sentence without punctuation at spaces', () => {
    const sentence = Array.from({ length: 120 }, (_, i) => `word${i}`).join(' ');
    const chunks = chunkText(sentence);
    for (const chunk of chunks) {
      expect(weightOf(chunk)).toBeLessThanOrEqual(CHUNK_LIMITS.max);
      expect(weightOf(chunk)).toBeGreaterThanOrEqual(CHUNK_LIMITS.min);
    }
    expect(chunks.flatMap(words)).toEqual(words(sentence));
  });

  it('keeps a single over-long word whole', () => {
    const url = `https://example.com/${'a'.repeat(300)}`;
    const chunks = chunkText(`See ${url} for details.`);
    expect(chunks.some((c) => c.includes(url))).toBe(true);
  });

  it('never leaves a short tail chunk when the text can be balanced', () => {
    const sentence = (length: number): string => `${'abcdefghi '.repeat(length / 10).trim()}.`;
    const text = [sentence(170), sentence(20), sentence(170)].join(' ');
    for (const chunk of chunkText(text)) expect(weightOf(chunk)).toBeGreaterThanOrEqual(CHUNK_LIMITS.min);
  });

  it('splits CJK text at 。！？ without spaces and loses no character', () => {
    const sentence = '水循环描述了水在海洋、空气和陆地之间的运动。';
    const text = Array.from({ length: 12 }, (_, i) => sentence + (i % 3 === 0 ? '真的吗？' : '')).join('');
    const chunks = chunkText(text);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      expect(chunk).toMatch(/[。？]$/u);
      expect(weightOf(chunk)).toBeLessThanOrEqual(CHUNK_LIMITS.max);
    }
    expect(chunks.join('')).toBe(text);
  });

  it('breaks a long CJK run without punctuation between characters, never mid-surrogate', () => {
    const text = '𠀋漢字'.repeat(60);
    const chunks = chunkText(text);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join('')).toBe(text);
    const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/u;
    for (const chunk of chunks) expect(loneSurrogate.test(chunk)).toBe(false);
  });

  it('handles emoji, RTL and combining characters without losing any', () => {
    const text =
      'Rockets 🚀 go up! مرحبا بالعالم، هذا اختبار للنص العربي الطويل جدا. ' +
      'Ca\u0301fe\u0301 crème brûlée — naïve façade. שלום עולם! 👩‍👩‍👧 families are great. ' +
      'x '.repeat(60);
    const chunks = chunkText(text);
    expect(chunks.flatMap(words)).toEqual(words(text.normalize('NFC')));
  });
});
