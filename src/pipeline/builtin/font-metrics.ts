/**
 * Just enough of the OpenType format (cmap + hmtx) to know which characters a font can draw and how wide
 * they are. With that, text is wrapped by real advance widths (never clipped by the frame edge) and each
 * text block gets a font that actually covers its script instead of rendering boxes.
 */
import { readFile } from 'node:fs/promises';

export interface FontMetrics {
  readonly file: string;
  hasGlyph(codePoint: number): boolean;
  /** Advance width in em of what is drawn for this code point (the .notdef box when the font lacks it). */
  advanceEm(codePoint: number): number;
}

type GlyphLookup = (codePoint: number) => number;

export async function loadFontMetrics(file: string): Promise<FontMetrics> {
  return parseFontMetrics(file, await readFile(file));
}

export function parseFontMetrics(file: string, data: Buffer): FontMetrics {
  // A collection (.ttc) starts with a header listing its fonts: use the first one.
  const fontOffset = data.toString('latin1', 0, 4) === 'ttcf' ? data.readUInt32BE(12) : 0;
  const tables = readTableDirectory(data, fontOffset, file);
  const table = (tag: string): number => {
    const offset = tables.get(tag);
    if (offset === undefined) throw new Error(`${file}: no '${tag}' table`);
    return offset;
  };

  const unitsPerEm = data.readUInt16BE(table('head') + 18);
  const metricCount = data.readUInt16BE(table('hhea') + 34);
  const hmtx = table('hmtx');
  const glyphOf = readCmap(data, table('cmap'), file);
  const advance = (glyph: number): number =>
    data.readUInt16BE(hmtx + 4 * Math.min(glyph, metricCount - 1)) / unitsPerEm;

  return {
    file,
    hasGlyph: (codePoint) => glyphOf(codePoint) !== 0,
    advanceEm: (codePoint) => advance(glyphOf(codePoint)),
  };
}

function readTableDirectory(data: Buffer, offset: number, file: string): Map<string, number> {
  const version = data.readUInt32BE(offset);
  const tag = data.toString('latin1', offset, offset + 4);
  if (version !== 0x00010000 && tag !== 'OTTO' && tag !== 'true') {
    throw new Error(`${file}: not a TrueType/OpenType font`);
  }
  const tables = new Map<string, number>();
  const count = data.readUInt16BE(offset + 4);
  for (let i = 0; i < count; i++) {
    const record = offset + 12 + 16 * i;
    tables.set(data.toString('latin1', record, record + 4), data.readUInt32BE(record + 8));
  }
  return tables;
}

/** Picks the best Unicode subtable: format 12 covers all planes, format 4 only the BMP. */
function readCmap(data: Buffer, cmap: number, file: string): GlyphLookup {
  const count = data.readUInt16BE(cmap + 2);
  let bmp: number | undefined;
  for (let i = 0; i < count; i++) {
    const record = cmap + 4 + 8 * i;
    const platform = data.readUInt16BE(record);
    const encoding = data.readUInt16BE(record + 2);
    const subtable = cmap + data.readUInt32BE(record + 4);
    const isUnicode = platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10));
    if (!isUnicode) continue;
    const format = data.readUInt16BE(subtable);
    if (format === 12) return format12(data, subtable);
    if (format === 4) bmp ??= subtable;
  }
  if (bmp === undefined) throw new Error(`${file}: no Unicode cmap`);
  return format4(data, bmp);
}

function format12(data: Buffer, table: number): GlyphLookup {
  const groups = data.readUInt32BE(table + 12);
  const group = (i: number): number => table + 16 + 12 * i;
  return (cp) => {
    let lo = 0;
    let hi = groups - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const start = data.readUInt32BE(group(mid));
      const end = data.readUInt32BE(group(mid) + 4);
      if (cp < start) hi = mid - 1;
      else if (cp > end) lo = mid + 1;
      else return data.readUInt32BE(group(mid) + 8) + (cp - start);
    }
    return 0;
  };
}

function format4(data: Buffer, table: number): GlyphLookup {
  const segments = data.readUInt16BE(table + 6) / 2;
  const endCodes = table + 14;
  const startCodes = endCodes + 2 * segments + 2;
  const idDeltas = startCodes + 2 * segments;
  const idRangeOffsets = idDeltas + 2 * segments;
  return (cp) => {
    if (cp > 0xffff) return 0;
    let lo = 0;
    let hi = segments - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (data.readUInt16BE(endCodes + 2 * mid) < cp) lo = mid + 1;
      else hi = mid;
    }
    const start = data.readUInt16BE(startCodes + 2 * lo);
    if (cp < start || cp > data.readUInt16BE(endCodes + 2 * lo)) return 0;
    const delta = data.readUInt16BE(idDeltas + 2 * lo);
    const rangeOffsetAt = idRangeOffsets + 2 * lo;
    const rangeOffset = data.readUInt16BE(rangeOffsetAt);
    if (rangeOffset === 0) return (cp + delta) & 0xffff;
    const glyph = data.readUInt16BE(rangeOffsetAt + rangeOffset + 2 * (cp - start));
    return glyph === 0 ? 0 : (glyph + delta) & 0xffff;
  };
}
