/**
 * The offline planner: the context's own markup becomes scenes (prose in speech-sized chunks, lists as bullets,
 * fenced code, display math; inline math shown typeset and read aloud), with an overview after the title card
 * and a recap before the outro when there is enough to frame. With use_rag and a short context, the best
 * passages of the caller's documents add scenes of their own. Pure and deterministic: the same request always
 * yields the same plan.
 */
import { PipelineAbortedError } from '../../video-pipeline';
import { Passage, SceneSpec } from '../scene';
import { normalizeText } from '../unicode-text';
import { texProblem } from '../visuals/math';
import { chunkText } from './chunk-text';
import { Block, inlineMath, parseMarkup } from './markup';
import { PlanOutcome, PlanRequest, Planner, asSentence, defaultNarration } from './planner';
import { CODE_LANGUAGE, SCENE_LIMITS, codeLines } from './scene-rules';
import { speakTex } from './tex-speech';

/** Below this many characters a context is thin enough for document passages to fill in. */
export const SHORT_CONTEXT_CHARS = 400;
/** About what a full context holds: passages add scenes up to this much narration. */
export const PASSAGE_BUDGET_CHARS = 1600;
/** Overview and recap frame plans with at least this many content scenes. */
export const FRAME_FROM_SCENES = 3;
export const OVERVIEW_TITLE = 'What we will cover';
export const RECAP_TITLE = 'Key points';
const FORMULA_SHOWN = 'the formula shown';
/** Titles made from a chunk's first clause keep at most this many words. */
const TITLE_WORDS = 8;
/** Words a shortened title should not end on. */
const DANGLING_WORDS = new Set(['a', 'an', 'the', 'of', 'from', 'to', 'in', 'on', 'at', 'by', 'for', 'with', 'and', 'or', 'between', 'into', 'as', 'that']);
/** Passages scoring below this share of the best one are too far off the topic to add. */
const PASSAGE_RELEVANCE_RATIO = 0.5;
/** A lone letter, symbol or number ($x$, $\pi$, $3$): said in the sentence, not worth typesetting apart. */
const TRIVIAL_TEX = /^\s*(?:\\?[A-Za-z]+|[\d.]+)\s*$/u;
/** Placeholders for inline formulas while prose is chunked: private-use characters, one per formula. */
const PLACEHOLDER_BASE = 0xe000;
const PRIVATE_USE = /[\uE000-\uF8FF]/gu;

const LANGUAGE_NAMES: Record<string, string> = {
  py: 'Python', python: 'Python', js: 'JavaScript', javascript: 'JavaScript', ts: 'TypeScript',
  typescript: 'TypeScript', java: 'Java', c: 'C', cpp: 'C++', 'c++': 'C++', cs: 'C#', csharp: 'C#', go: 'Go',
  rust: 'Rust', rb: 'Ruby', ruby: 'Ruby', php: 'PHP', sql: 'SQL', sh: 'shell', bash: 'shell', shell: 'shell',
  r: 'R', kotlin: 'Kotlin', swift: 'Swift', html: 'HTML', css: 'CSS', json: 'JSON', haskell: 'Haskell',
  matlab: 'MATLAB', julia: 'Julia', scala: 'Scala', lua: 'Lua',
};

export class DeterministicPlanner implements Planner {
  readonly name = 'deterministic';

  plan(request: PlanRequest): Promise<PlanOutcome> {
    if (request.signal.aborted) return Promise.reject(new PipelineAbortedError());
    if (request.model !== undefined) {
      request.log('warn', `model "${request.model}" asked for, but no planning model is configured (LLM_BASE_URL): planning offline`);
    }
    const scenes = planFromContext(request.topic, request.context, request.passages);
    request.log('info', `planned ${scenes.length} content scenes offline (deterministic planner, from the context's markup)`);
    return Promise.resolve({ scenes, planner: 'deterministic' });
  }
}

/** A content scene with what the overview and the recap say of it. */
interface Draft {
  spec: SceneSpec;
  /** Its entry in the overview. */
  heading: string;
  /** Its entry in the recap. */
  point: string;
}

export function planFromContext(topic: string, context: string, passages: readonly Passage[] = []): SceneSpec[] {
  const cleanTopic = normalizeText(topic);
  const drafts = draftsOf(cleanTopic, context);
  if (Array.from(normalizeText(context)).length < SHORT_CONTEXT_CHARS) drafts.push(...passageDrafts(cleanTopic, context, passages));

  const { max } = SCENE_LIMITS.scenes;
  if (drafts.length < FRAME_FROM_SCENES) return drafts.slice(0, max).map((d) => d.spec);
  const content = drafts.slice(0, max - 2);
  return [overview(content), ...content.map((d) => d.spec), recap(content)];
}

function draftsOf(topic: string, source: string, cite?: string): Draft[] {
  const blocks = parseMarkup(source.replace(PRIVATE_USE, ''));
  const drafts: Draft[] = [];
  // A Markdown heading titles the next scene; a prose sentence ending in ":" titles the block it introduces.
  let heading: string | undefined;
  for (const [i, block] of blocks.entries()) {
    if (block.kind === 'heading') {
      heading = clampTitle(readInline(block.text));
      continue;
    }
    let leadIn: string | undefined;
    const before = blocks[i - 1];
    if (block.kind !== 'prose' && before?.kind === 'prose') leadIn = splitLeadIn(before).leadIn;
    const after = blocks[i + 1];
    const own = block.kind === 'prose' && after && after.kind !== 'prose' && after.kind !== 'heading' ? splitLeadIn(block).rest : block;
    const made = blockDrafts(topic, own, heading ?? leadIn, leadIn);
    if (made.length > 0) heading = undefined;
    drafts.push(...made);
  }
  if (cite !== undefined && drafts.length > 0) citeSource(drafts[0].spec, cite);
  return drafts;
}

function blockDrafts(topic: string, block: Block, title: string | undefined, leadIn: string | undefined): Draft[] {
  switch (block.kind) {
    case 'heading':
      return [];
    case 'prose':
      return proseDrafts(block.text, title);
    case 'list':
      return listDrafts(topic, block.items, title, leadIn);
    case 'code':
      return codeDrafts(block.language, block.source, title, leadIn);
    case 'math':
      return mathDrafts(topic, block.tex, title, leadIn);
  }
}

/**
 * Prose in chunks of 5–12 s of speech. Inline formulas are swapped for placeholders of their spoken length
 * while chunking (so no chunk breaks inside one and sizes stay right), then shown typeset and read aloud.
 */
function proseDrafts(text: string, title: string | undefined): Draft[] {
  const formulas: Array<{ tex: string; spoken: string }> = [];
  let masked = '';
  let last = 0;
  for (const span of inlineMath(text)) {
    const valid = !texProblem(span.tex);
    const spoken = valid ? (speakTex(span.tex) ?? FORMULA_SHOWN) : span.tex;
    masked += unescapeDollars(text.slice(last, span.start));
    if (valid) {
      masked += String.fromCodePoint(PLACEHOLDER_BASE + formulas.length).repeat(Array.from(spoken).length);
      formulas.push({ tex: span.tex, spoken });
    } else {
      masked += span.tex;
    }
    last = span.end;
  }
  masked += unescapeDollars(text.slice(last));

  return chunkText(masked).map((chunk, k) => {
    const shown = formulas.filter((f, index) => !TRIVIAL_TEX.test(f.tex) && chunk.includes(String.fromCodePoint(PLACEHOLDER_BASE + index)));
    const spoken = chunk.replace(/([\uE000-\uF8FF])\1*/gu, (run) => formulas[(run.codePointAt(0) ?? 0) - PLACEHOLDER_BASE].spoken);
    const spec: SceneSpec = { title: (k === 0 ? title : undefined) ?? titleOf(spoken), text: spoken };
    const math = joinFormulas(shown.map((f) => f.tex));
    if (math) spec.math = math;
    return { spec, heading: spec.title, point: clampBullet(firstClause(spoken)) };
  });
}

/** Several inline formulas of one chunk on one line, as long as they fit the math limit. */
function joinFormulas(texs: string[]): string | undefined {
  let math = '';
  for (const tex of texs) {
    const joined = math ? `${math} \\qquad ${tex}` : tex;
    if (Array.from(joined).length > SCENE_LIMITS.mathChars) break;
    math = joined;
  }
  return math || undefined;
}

function listDrafts(topic: string, items: string[], title: string | undefined, leadIn: string | undefined): Draft[] {
  const bullets = items.map((item) => clampBullet(readInline(item))).filter(Boolean);
  const heading = title ?? `${topic} at a glance`;
  return evenGroups(bullets, SCENE_LIMITS.bullets.maxItems).map((group, k) => {
    const spec: SceneSpec = { title: k === 0 ? heading : clampTitle(`${heading} (continued)`), bullets: group };
    if (leadIn && k === 0) spec.narration = [asSentence(leadIn), ...group.map(asSentence)].join(' ');
    return { spec, heading, point: clampBullet(leadIn ?? group[0]) };
  });
}

function codeDrafts(fenceLanguage: string | undefined, source: string, title: string | undefined, leadIn: string | undefined): Draft[] {
  const lines = codeLines(source);
  if (lines.length === 0) return [];
  const language = fenceLanguage && CODE_LANGUAGE.test(fenceLanguage) ? fenceLanguage.toLowerCase() : 'text';
  const name = LANGUAGE_NAMES[language];
  const heading = title ?? (name ? `Example in ${name}` : 'Example');
  const parts = evenGroups(lines, SCENE_LIMITS.codeLines);
  return parts.map((part, k) => {
    const spec: SceneSpec = {
      title: k === 0 ? heading : clampTitle(`${heading} (continued)`),
      narration: k > 0 ? 'The code continues.' : asSentence(leadIn ?? (name ? `Here is an example in ${name}` : 'Here is the code')),
      code: { language, source: part.join('\n') },
    };
    return { spec, heading, point: clampBullet(leadIn ?? heading) };
  });
}

function mathDrafts(topic: string, tex: string, title: string | undefined, leadIn: string | undefined): Draft[] {
  if (Array.from(tex).length > SCENE_LIMITS.mathChars || texProblem(tex)) return proseDrafts(tex, title);
  const spoken = speakTex(tex);
  const heading = title ?? `${topic} in symbols`;
  const spec: SceneSpec = { title: heading, math: tex };
  if (spoken) spec.narration = leadIn ? `${leadIn}: ${asSentence(spoken)}` : asSentence(capitalise(spoken));
  return [{ spec, heading, point: clampBullet(spoken ? capitalise(spoken) : (leadIn ?? heading)) }];
}

/** The best passages, best first, as further scenes, until they hold about a full context's worth of narration. */
function passageDrafts(topic: string, context: string, passages: readonly Passage[]): Draft[] {
  const known = new Set([normalizeText(context)]);
  const best = Math.max(...passages.map((p) => p.score));
  const ranked = passages
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => p.score >= best * PASSAGE_RELEVANCE_RATIO)
    .sort((a, b) => b.p.score - a.p.score || a.i - b.i);
  const drafts: Draft[] = [];
  const cited = new Set<string>();
  let used = 0;
  for (const { p } of ranked) {
    const text = normalizeText(p.text);
    if (!text || [...known].some((seen) => seen.includes(text))) continue;
    known.add(text);
    const made = draftsOf(topic, p.text, cited.has(p.source) ? undefined : p.source);
    for (const draft of made) {
      const size = Array.from(draft.spec.narration ?? draft.spec.text ?? '').length;
      if (used > 0 && used + size > PASSAGE_BUDGET_CHARS) return drafts;
      used += size;
      drafts.push(draft);
      cited.add(p.source);
    }
  }
  return drafts;
}

/** Names the document a scene comes from on screen, once per document (the voice does not read file names). */
function citeSource(spec: SceneSpec, source: string): void {
  const note = `(source: ${source})`;
  // The note below is for the eye only: fix what the voice says before the text changes.
  spec.narration = defaultNarration(spec);
  const text = spec.text ? `${spec.text} ${note}` : note;
  if (Array.from(text).length <= SCENE_LIMITS.textChars) spec.text = text;
}

function overview(drafts: Draft[]): SceneSpec {
  const seen = new Set<string>();
  const entries = drafts.flatMap((d) => {
    const shown = clampBullet(d.heading);
    if (!shown || seen.has(shown)) return [];
    seen.add(shown);
    return [{ shown, spoken: spokenHeading(d) }];
  });
  const picked = pickEvenly(entries, SCENE_LIMITS.bullets.maxItems);
  return {
    title: OVERVIEW_TITLE,
    bullets: picked.map((e) => e.shown),
    narration: ['Here is what we will cover.', ...picked.map((e) => asSentence(e.spoken))].join(' '),
  };
}

/** A heading shortened with "…" is read as the clause it comes from: a voice cannot say an ellipsis. */
function spokenHeading(draft: Draft): string {
  return draft.heading.endsWith('…') ? firstClause(defaultNarration(draft.spec)) : draft.heading;
}

function recap(drafts: Draft[]): SceneSpec {
  const bullets = pickEvenly(unique(drafts.map((d) => d.point)), SCENE_LIMITS.bullets.maxItems);
  return { title: RECAP_TITLE, bullets, narration: ['To sum up.', ...bullets.map(asSentence)].join(' ') };
}

/** A prose block's closing "…:" sentence, which introduces the list, code or formula after it. */
function splitLeadIn(block: { text: string }): { leadIn?: string; rest: Block } {
  const text = block.text.trimEnd();
  const match = /(?:^|[.!?]\s+)([^.!?]*):$/u.exec(text);
  const leadIn = match ? readInline(match[1]) : '';
  if (!match || !leadIn || Array.from(leadIn).length > SCENE_LIMITS.titleChars) return { rest: { kind: 'prose', text } };
  const cut = text.length - match[1].length - 1;
  return { leadIn, rest: { kind: 'prose', text: text.slice(0, cut) } };
}

/** `\$` is how markup writes a dollar sign that opens no formula. */
function unescapeDollars(text: string): string {
  return text.replace(/\\\$/gu, () => '$');
}

/** Text with its inline formulas read aloud (for bullets, headings and lead-ins, which show no math). */
function readInline(text: string): string {
  let out = '';
  let last = 0;
  for (const span of inlineMath(text)) {
    out += unescapeDollars(text.slice(last, span.start)) + (texProblem(span.tex) ? span.tex : (speakTex(span.tex) ?? FORMULA_SHOWN));
    last = span.end;
  }
  return normalizeText(out + unescapeDollars(text.slice(last)));
}

/** A heading from a chunk's first clause: whole when short, else its first words (not ending on "the", "of"…). */
function titleOf(text: string): string {
  const words = firstClause(text).split(' ');
  if (words.length <= TITLE_WORDS) return clampTitle(words.join(' '));
  const head = words.slice(0, TITLE_WORDS - 1);
  while (head.length > 2 && DANGLING_WORDS.has(head[head.length - 1].toLowerCase())) head.pop();
  return clampTitle(`${head.join(' ')}…`);
}

function firstClause(text: string): string {
  const clause = /^.*?(?=[,;:.!?。！？，；：](?:\s|$)|\s[—–]\s|$)/u.exec(text)?.[0] ?? text;
  return capitalise(clause.trim() || text.trim());
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function clampTitle(text: string): string {
  return clamp(text, SCENE_LIMITS.titleChars);
}

function clampBullet(text: string): string {
  return clamp(text, SCENE_LIMITS.bullets.maxChars);
}

/** At most `max` characters, cut at a word boundary when there is one, with an ellipsis. */
function clamp(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  const head = chars.slice(0, max - 1).join('');
  const space = head.lastIndexOf(' ');
  return `${space > max / 2 ? head.slice(0, space) : head}…`;
}

/** Items split into the fewest groups of at most `size`, as even as possible. */
function evenGroups<T>(items: T[], size: number): T[][] {
  const count = Math.ceil(items.length / size);
  const groups: T[][] = [];
  for (let g = 0, from = 0; g < count; g++) {
    const to = from + Math.ceil((items.length - from) / (count - g));
    groups.push(items.slice(from, to));
    from = to;
  }
  return groups;
}

/** At most `count` items spread evenly over the list, first and last included. */
function pickEvenly<T>(items: T[], count: number): T[] {
  if (items.length <= count) return items;
  return Array.from({ length: count }, (_, k) => items[Math.round((k * (items.length - 1)) / (count - 1))]);
}

function unique(items: string[]): string[] {
  return [...new Set(items.filter(Boolean))];
}
