/**
 * The light markup a context (or a document passage) may carry, as blocks in reading order: Markdown headings,
 * fenced code (```python … ```), `-`/`*`/`+`/`1.` lists, `$$…$$` display math, and prose (which may hold
 * inline `$…$` math; see inlineMath).
 */

export type Block =
  | { kind: 'heading'; text: string }
  | { kind: 'prose'; text: string }
  | { kind: 'math'; tex: string }
  | { kind: 'code'; language?: string; source: string }
  | { kind: 'list'; items: string[] };

const FENCE = /^\s{0,3}(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/u;
const HEADING = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/u;
const LIST_ITEM = /^\s{0,3}(?:[-*+]|\d{1,3}[.)])\s+(.*)$/u;
const CONTINUATION = /^\s{2,}\S/u;
const DISPLAY_MATH = /\$\$([\s\S]+?)\$\$/gu;

export function parseMarkup(source: string): Block[] {
  const lines = source.replace(/\r\n?/gu, '\n').split('\n');
  const blocks: Block[] = [];
  let prose: string[] = [];
  const flushProse = (): void => {
    blocks.push(...splitDisplayMath(prose.join('\n')));
    prose = [];
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fence = FENCE.exec(line);
    const heading = HEADING.exec(line);
    const item = LIST_ITEM.exec(line);
    if (fence) {
      flushProse();
      const close = new RegExp(`^\\s{0,3}${fence[1][0]}{${fence[1].length},}\\s*$`, 'u');
      const body: string[] = [];
      for (i++; i < lines.length && !close.test(lines[i]); i++) body.push(lines[i]);
      blocks.push({ kind: 'code', ...(fence[2] ? { language: fence[2] } : {}), source: body.join('\n') });
    } else if (heading) {
      flushProse();
      if (heading[1]) blocks.push({ kind: 'heading', text: heading[1] });
    } else if (item) {
      flushProse();
      const items = [item[1]];
      // Items go on across indented continuation lines, and across blank lines when another item follows.
      while (i + 1 < lines.length) {
        const following = lines[i + 1];
        const nextItem = LIST_ITEM.exec(following);
        if (nextItem) items.push(nextItem[1]);
        else if (CONTINUATION.test(following)) items[items.length - 1] += ` ${following.trim()}`;
        else if (!following.trim() && LIST_ITEM.test(lines.slice(i + 2).find((l) => l.trim()) ?? '')) items.push('');
        else break;
        i++;
      }
      const filled = items.map((text) => text.trim()).filter(Boolean);
      if (filled.length > 0) blocks.push({ kind: 'list', items: filled });
    } else {
      prose.push(line);
    }
  }
  flushProse();
  return blocks;
}

/** Prose with `$$…$$` spans cut out as math blocks of their own. */
function splitDisplayMath(text: string): Block[] {
  const blocks: Block[] = [];
  let last = 0;
  for (const match of text.matchAll(DISPLAY_MATH)) {
    blocks.push({ kind: 'prose', text: text.slice(last, match.index) });
    blocks.push({ kind: 'math', tex: match[1].trim() });
    last = (match.index ?? 0) + match[0].length;
  }
  blocks.push({ kind: 'prose', text: text.slice(last) });
  return blocks.filter((block) => block.kind !== 'prose' || block.text.trim() !== '');
}

/** One inline formula in prose: `$…$` from `start` to `end` (exclusive, delimiters included). */
export interface InlineMath {
  start: number;
  end: number;
  tex: string;
}

/**
 * Inline `$…$` spans, read as Pandoc does so that prices stay prose: the opening `$` is followed by a
 * non-space, the closing one preceded by a non-space and not followed by a digit; `\$` is a dollar sign.
 */
export function inlineMath(text: string): InlineMath[] {
  const spans: InlineMath[] = [];
  const pattern = /(?<![\\$])\$(?=[^\s$])((?:\\.|[^$\\])*?[^\s\\])\$(?!\d)/gu;
  for (const match of text.matchAll(pattern)) {
    const start = match.index ?? 0;
    spans.push({ start, end: start + match[0].length, tex: match[1] });
  }
  return spans;
}
