/**
 * Source code on screen: highlight.js turns the source into tokens, the layout wraps and pages their rows to
 * its columns (codeRows), and each page becomes an SVG of monospace lines on a rounded panel (codePageSvg),
 * which resvg rasterises. Positions are whole columns, so alignment survives glyphs from a fallback font.
 */
import hljs from 'highlight.js';
import { CodeBlock } from '../scene';
import { Theme, isLightColor } from '../theme';
import { RasterFonts, svgToPng } from './raster';

export type TokenKind = 'plain' | 'keyword' | 'string' | 'number' | 'comment' | 'function' | 'type' | 'attribute' | 'meta';

export interface CodeToken {
  text: string;
  kind: TokenKind;
}

/** One source line (tabs expanded, no line break). */
export type CodeLine = CodeToken[];

const TAB_WIDTH = 4;

/**
 * highlight.js scopes (the first part of "hljs-title function_") to the palette's kinds. The innermost scope
 * that has an entry wins, so "plain" entries (a template string's ${…}) stop an outer string's colour.
 */
const KIND_OF_SCOPE: Record<string, TokenKind> = {
  keyword: 'keyword',
  'selector-tag': 'keyword',
  name: 'keyword',
  doctag: 'keyword',
  bullet: 'keyword',
  deletion: 'keyword',
  built_in: 'type',
  type: 'type',
  class: 'type',
  literal: 'number',
  number: 'number',
  symbol: 'number',
  string: 'string',
  regexp: 'string',
  char: 'string',
  addition: 'string',
  link: 'string',
  comment: 'comment',
  quote: 'comment',
  title: 'function',
  section: 'function',
  'selector-id': 'function',
  'selector-class': 'function',
  attr: 'attribute',
  attribute: 'attribute',
  property: 'attribute',
  variable: 'attribute',
  'template-variable': 'attribute',
  'selector-attr': 'attribute',
  'selector-pseudo': 'attribute',
  meta: 'meta',
  subst: 'plain',
  params: 'plain',
  punctuation: 'plain',
  operator: 'plain',
};

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The source as lines of highlighted tokens; a language highlight.js does not know is one plain token a line. */
export function tokenizeCode({ source, language }: CodeBlock): CodeLine[] {
  const text = cleanSource(source);
  if (!hljs.getLanguage(language)) return text.split('\n').map((line) => (line ? [{ text: line, kind: 'plain' }] : []));
  const html = hljs.highlight(text, { language, ignoreIllegals: true }).value;
  const lines: CodeLine[] = [[]];
  const scopes: Array<TokenKind | undefined> = [];
  for (const match of html.matchAll(/<span class="([^"]*)">|<\/span>|([^<]+)/gu)) {
    if (match[1] !== undefined) {
      const scope = match[1].split(' ')[0].replace(/^hljs-/u, '');
      scopes.push(KIND_OF_SCOPE[scope]);
    } else if (match[2] !== undefined) {
      const kind = innermost(scopes);
      decodeEntities(match[2])
        .split('\n')
        .forEach((piece, i) => {
          if (i > 0) lines.push([]);
          if (piece) lines[lines.length - 1].push({ text: piece, kind });
        });
    } else {
      scopes.pop();
    }
  }
  return lines;
}

function innermost(scopes: ReadonlyArray<TokenKind | undefined>): TokenKind {
  for (let i = scopes.length - 1; i >= 0; i--) {
    const kind = scopes[i];
    if (kind) return kind;
  }
  return 'plain';
}

/** Tabs to spaces (stops every TAB_WIDTH columns), no carriage returns or control characters, no blank edges. */
function cleanSource(source: string): string {
  const lines = source
    .replace(/\r\n?/gu, '\n')
    .split('\n')
    .map((line) => {
      let out = '';
      for (const ch of line.replace(/[\p{Cc}\u2028\u2029]/gu, (c) => (c === '\t' ? c : ''))) {
        out += ch === '\t' ? ' '.repeat(TAB_WIDTH - (columnsOf(out) % TAB_WIDTH)) : ch;
      }
      return out.trimEnd();
    });
  while (lines.length > 1 && lines[0] === '') lines.shift();
  while (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines.join('\n');
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/giu, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    return ENTITIES[name] ?? whole;
  });
}

export function lineText(line: CodeLine): string {
  return line.map((token) => token.text).join('');
}

const WIDE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Emoji_Presentation}\u3000-\u303f\uff01-\uff60]/u;
const ZERO_WIDTH = /[\p{M}\p{Default_Ignorable_Code_Point}]/u;

/** Terminal-style cell width of a character: 2 for CJK and emoji, 0 for combining marks. */
function charColumns(ch: string): number {
  return ZERO_WIDTH.test(ch) ? 0 : WIDE.test(ch) ? 2 : 1;
}

export function columnsOf(text: string): number {
  let columns = 0;
  for (const ch of text) columns += charColumns(ch);
  return columns;
}

/** One screen row: code points [start, end) of source line `line`, drawn from column `indent`. */
export interface CodeRowRef {
  line: number;
  start: number;
  end: number;
  indent: number;
}

/**
 * The rows `lines` take at `columns` columns a row. A line too long is wrapped, at a space in the second half
 * of the row when there is one; its continuation rows are indented two columns past the line's own indent.
 */
export function codeRows(lines: readonly string[], columns: number): CodeRowRef[] {
  const rows: CodeRowRef[] = [];
  lines.forEach((text, line) => {
    const chars = Array.from(text);
    const hanging = Math.min(chars.findIndex((ch) => ch !== ' ') + 2, Math.floor(columns / 2));
    let start = 0;
    let indent = 0;
    do {
      const room = columns - indent;
      let end = start;
      let used = 0;
      while (end < chars.length && used + charColumns(chars[end]) <= room) used += charColumns(chars[end++]);
      if (end === start && end < chars.length) end++; // a character wider than the row still moves on
      if (end < chars.length) {
        const space = chars.lastIndexOf(' ', end - 1);
        if (space >= start + (end - start) / 2) end = space + 1;
      }
      rows.push({ line, start, end, indent });
      start = end;
      indent = Math.max(0, hanging);
    } while (start < chars.length);
  });
  return rows;
}

/**
 * Everything about a code panel's geometry that follows from its font size, shared by the layout (which
 * sizes the panel) and the drawing (which fills it).
 */
export interface CodeMetrics {
  fontSize: number;
  /** Width of one column. */
  advance: number;
  /** Distance between rows. */
  pitch: number;
  padX: number;
  padY: number;
  /** Height of the panel's title bar (window dots, language, page number). */
  header: number;
  radius: number;
}

/** Advance width of DejaVu Sans Mono (1233/2048 em) and Noto Sans Mono (0.6 em), rounded up. */
export const MONO_ADVANCE_EM = 0.603;

export function codeMetrics(fontSize: number): CodeMetrics {
  return {
    fontSize,
    advance: MONO_ADVANCE_EM * fontSize,
    pitch: Math.round(fontSize * 1.42),
    padX: Math.round(fontSize * 1.1),
    padY: Math.round(fontSize * 0.6),
    header: Math.round(fontSize * 1.9),
    radius: Math.round(fontSize * 0.7),
  };
}

/** Height of a panel showing `rows` rows. */
export function codePanelHeight(metrics: CodeMetrics, rows: number): number {
  return metrics.header + 2 * metrics.padY + rows * metrics.pitch;
}

/** Columns of code that fit a panel `width` wide. */
export function codeColumns(metrics: CodeMetrics, width: number): number {
  return Math.floor((width - 2 * metrics.padX) / metrics.advance);
}

/** Colours of a code panel, as #rrggbb. */
export interface CodePalette {
  panel: string;
  border: string;
  /** Window dots, language label and page number. */
  chrome: string;
  tokens: Record<TokenKind, string>;
}

/** After GitHub's dark and light themes: each keeps every token kind readable on its panel. */
export const DARK_CODE_PALETTE: CodePalette = {
  panel: '#0d1117',
  border: '#30363d',
  chrome: '#7d8590',
  tokens: {
    plain: '#e6edf3',
    keyword: '#ff7b72',
    string: '#a5d6ff',
    number: '#79c0ff',
    comment: '#8b949e',
    function: '#d2a8ff',
    type: '#ffa657',
    attribute: '#79c0ff',
    meta: '#ff7b72',
  },
};

export const LIGHT_CODE_PALETTE: CodePalette = {
  panel: '#ffffff',
  border: '#d0d7de',
  chrome: '#6e7781',
  tokens: {
    plain: '#1f2328',
    keyword: '#cf222e',
    string: '#0a3069',
    number: '#0550ae',
    comment: '#6e7781',
    function: '#8250df',
    type: '#953800',
    attribute: '#0550ae',
    meta: '#cf222e',
  },
};

/** A dark panel on dark themes (light text), a light one on light themes. */
export function codePaletteFor(theme: Theme): CodePalette {
  return isLightColor(theme.heading) ? DARK_CODE_PALETTE : LIGHT_CODE_PALETTE;
}

/** The language's display name ("Python" for "py"), or what the scene called it when highlight.js does not know it. */
export function codeLabel(language: string): string {
  return hljs.getLanguage(language)?.name ?? language.trim().slice(0, 24);
}

export interface CodePage {
  lines: readonly CodeLine[];
  rows: readonly CodeRowRef[];
  width: number;
  height: number;
  metrics: CodeMetrics;
  /** Shown in the title bar, e.g. "python". */
  label: string;
  /** Page number and count, shown when the code takes more than one page. */
  page: { index: number; count: number };
  palette: CodePalette;
  fontFamily: string;
}

/** One page of code as an SVG document of exactly width × height pixels. */
export function codePageSvg(page: CodePage): string {
  const { metrics: m, palette, width, height } = page;
  const font = (size: number): string => `font-family="${escapeXml(page.fontFamily)}" font-size="${size}"`;
  const dots = ['#ff5f57', '#febc2e', '#28c840'].map(
    (colour, i) =>
      `<circle cx="${round(m.padX + m.fontSize * 0.3 + i * m.fontSize * 0.95)}" cy="${round(m.header / 2)}" r="${round(m.fontSize * 0.3)}" fill="${colour}"/>`,
  );
  const labelSize = round(m.fontSize * 0.8);
  const label = [page.label, page.page.count > 1 ? `${page.page.index + 1}/${page.page.count}` : '']
    .filter(Boolean)
    .join('  ·  ');
  const rows = page.rows.map((row, k) => {
    const baseline = round(m.header + m.padY + k * m.pitch + m.pitch / 2 + 0.26 * m.fontSize);
    let column = row.indent;
    let at = 0;
    const spans: string[] = [];
    for (const token of page.lines[row.line] ?? []) {
      const chars = Array.from(token.text);
      const from = Math.max(row.start, at);
      const to = Math.min(row.end, at + chars.length);
      if (from < to) {
        const text = chars.slice(from - at, to - at).join('');
        if (text.trim()) {
          const x = round(m.padX + column * m.advance);
          spans.push(`<tspan x="${x}" fill="${palette.tokens[token.kind]}">${escapeXml(text)}</tspan>`);
        }
        column += columnsOf(text);
      }
      at += chars.length;
    }
    return spans.length > 0 ? `<text y="${baseline}" xml:space="preserve">${spans.join('')}</text>` : '';
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect x="0.5" y="0.5" width="${width - 1}" height="${height - 1}" rx="${m.radius}" fill="${palette.panel}" stroke="${palette.border}"/>`,
    `<rect x="1" y="${m.header}" width="${width - 2}" height="1" fill="${palette.border}"/>`,
    ...dots,
    label
      ? `<text x="${width - m.padX}" y="${round(m.header / 2 + labelSize * 0.35)}" text-anchor="end" ${font(labelSize)} fill="${palette.chrome}">${escapeXml(label)}</text>`
      : '',
    `<g ${font(m.fontSize)}>${rows.join('')}</g>`,
    '</svg>',
  ].join('');
}

/** Every page of a code block as transparent PNGs of exactly `width` × `height` pixels. */
export function renderCodePages(
  code: { lines: readonly CodeLine[]; language: string; pages: readonly CodeRowRef[][] },
  panel: { width: number; height: number; fontSize: number },
  theme: Theme,
  font: { file: string; family: string; fallbacks: readonly string[] },
): Buffer[] {
  const fonts: RasterFonts = { files: [font.file, ...font.fallbacks], defaultFamily: font.family };
  const everyPage: Omit<CodePage, 'rows' | 'page'> = {
    lines: code.lines,
    width: panel.width,
    height: panel.height,
    metrics: codeMetrics(panel.fontSize),
    label: codeLabel(code.language),
    palette: codePaletteFor(theme),
    fontFamily: font.family,
  };
  return code.pages.map((rows, index) => svgToPng(codePageSvg({ ...everyPage, rows, page: { index, count: code.pages.length } }), fonts));
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Text and attribute values for XML; characters XML 1.0 forbids are dropped. */
function escapeXml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '')
    .replace(/&/gu, '&amp;')
    .replace(/</gu, '&lt;')
    .replace(/>/gu, '&gt;')
    .replace(/"/gu, '&quot;');
}
