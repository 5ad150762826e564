/**
 * The ground stage (use_rag): the caller's documents are cut into passages along their Markdown structure,
 * indexed in memory with MiniSearch (BM25 with prefix and fuzzy matching, stop words dropped, plurals folded)
 * and ranked against the request's topic and context. Nothing is stored: documents are few and small
 * (uploads are at most 2 MiB), so an index per job costs milliseconds and can never go stale.
 */
import { readFile } from 'node:fs/promises';
import MiniSearch from 'minisearch';
import { PipelineAbortedError, VideoAssets } from '../video-pipeline';
import { Passage } from './scene';

export interface SourceDocument {
  fileId: string;
  /** The file name, cited as the passage's source. */
  name: string;
  text: string;
}

/** A passage before ranking: its section's heading trail and a run of the section's blocks. */
export interface DocumentPassage {
  fileId: string;
  source: string;
  /** Enclosing headings, outermost first, joined by " › " (empty before the first heading). */
  heading: string;
  body: string;
}

export interface GroundingQuery {
  topic: string;
  context: string;
}

export interface GroundingOptions {
  /** Most passages returned (default 6). */
  maxPassages?: number;
  /** Most characters of passage text returned in all (default 6000): what a planning prompt can take. */
  maxCharacters?: number;
  /** Passages scoring under this share of the best one are noise, not grounding (default 0.15). */
  minRelativeScore?: number;
}

export interface Grounding {
  /** Best first. */
  passages: Passage[];
  /** Documents read and indexed. */
  documents: number;
  /** Passages in the index. */
  indexed: number;
  /** Names of documents left out: unreadable, or past the indexing budget. */
  skipped: string[];
}

/** Body characters per passage: the target range, and where a long block is cut. */
export const PASSAGE_CHARS = { min: 300, max: 900 };
/** Text indexed per job, in characters; older documents past it are skipped (the newest come first). */
export const MAX_INDEXED_CHARACTERS = 8_000_000;
const DEFAULTS: Required<GroundingOptions> = { maxPassages: 6, maxCharacters: 6000, minRelativeScore: 0.15 };
/** The topic says what the video is about; the context only adds detail. */
const TOPIC_WEIGHT = 2;

/** Reads the resolved documents and returns the passages most relevant to the request. */
export async function groundInDocuments(
  documents: NonNullable<VideoAssets['documents']>,
  query: GroundingQuery,
  signal: AbortSignal,
  options: GroundingOptions = {},
): Promise<Grounding> {
  const sources: SourceDocument[] = [];
  const skipped: string[] = [];
  let budget = MAX_INDEXED_CHARACTERS;
  for (const { fileId, name, file } of documents) {
    if (signal.aborted) throw new PipelineAbortedError();
    const text = await readFile(file, { encoding: 'utf8', signal }).catch(() => {
      if (signal.aborted) throw new PipelineAbortedError();
      return null; // deleted since the job started: grounding is best effort
    });
    if (text === null || text.length > budget) {
      skipped.push(name);
      continue;
    }
    budget -= text.length;
    sources.push({ fileId, name, text });
  }
  const passages = sources.flatMap(splitPassages);
  return { passages: rankPassages(passages, query, options), documents: sources.length, indexed: passages.length, skipped };
}

/** One block of a document: a heading, or what lies between blank lines (a fenced block stays whole). */
type Block = { heading: { level: number; text: string } } | { text: string; code: boolean };

const ATX_HEADING = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/u;
const SETEXT_UNDERLINE = /^ {0,3}(=+|-+)[ \t]*$/u;
const THEMATIC_BREAK = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/u;
const FENCE = /^ {0,3}(`{3,}|~{3,})/u;

function blocksOf(text: string): Block[] {
  const blocks: Block[] = [];
  let lines: string[] = [];
  let fence: string | undefined;
  const flush = (code = false): void => {
    const body = lines.join('\n').trim();
    if (body) blocks.push({ text: code ? lines.join('\n') : body, code });
    lines = [];
  };
  for (const line of text.split('\n')) {
    if (fence !== undefined) {
      lines.push(line);
      if (line.trim().startsWith(fence)) {
        fence = undefined;
        flush(true);
      }
      continue;
    }
    const opening = FENCE.exec(line);
    if (opening) {
      flush();
      fence = opening[1];
      lines.push(line);
      continue;
    }
    const atx = ATX_HEADING.exec(line);
    const underline = SETEXT_UNDERLINE.exec(line);
    if (atx) {
      flush();
      blocks.push({ heading: { level: atx[1].length, text: atx[2].trim() } });
    } else if (underline && lines.length === 1 && lines[0].trim()) {
      blocks.push({ heading: { level: underline[1].startsWith('=') ? 1 : 2, text: lines[0].trim() } });
      lines = [];
    } else if (THEMATIC_BREAK.test(line) || !line.trim()) {
      flush();
    } else {
      lines.push(line);
    }
  }
  flush(fence !== undefined); // an unclosed fence runs to the end
  return blocks;
}

/**
 * Cuts a document into passages of at most PASSAGE_CHARS.max body characters: a section's blocks are packed
 * in order and never cross a heading, so each passage is under one heading trail; a block longer than the
 * maximum is cut at sentence ends (lines, for code), then at spaces.
 */
export function splitPassages(document: SourceDocument): DocumentPassage[] {
  const passages: DocumentPassage[] = [];
  const trail: Array<{ level: number; text: string }> = [];
  let body = '';
  const emit = (): void => {
    if (body) passages.push({ fileId: document.fileId, source: document.name, heading: trail.map((h) => h.text).join(' › '), body });
    body = '';
  };
  for (const block of blocksOf(document.text)) {
    if ('heading' in block) {
      emit();
      while (trail.length > 0 && trail[trail.length - 1].level >= block.heading.level) trail.pop();
      trail.push(block.heading);
      continue;
    }
    for (const piece of block.text.length > PASSAGE_CHARS.max ? cut(block.text, block.code) : [block.text]) {
      if (body && body.length + 2 + piece.length > PASSAGE_CHARS.max) emit();
      body = body ? `${body}\n\n${piece}` : piece;
    }
  }
  emit();
  return passages;
}

/** Pieces of at most PASSAGE_CHARS.max characters, cut where the text allows it. */
function cut(text: string, code: boolean): string[] {
  const units = code ? text.split('\n') : (text.match(/[^.!?…]+(?:[.!?…]+["'”’)\]]*|$)\s*/gu) ?? [text]);
  const pieces: string[] = [];
  let piece = '';
  for (const unit of units.flatMap((u) => (u.length > PASSAGE_CHARS.max ? hardCut(u) : [u]))) {
    const joined = code && piece ? `${piece}\n${unit}` : piece + unit;
    if (piece && joined.trimEnd().length > PASSAGE_CHARS.max) {
      pieces.push(piece.trimEnd());
      piece = code ? unit : unit.trimStart();
    } else {
      piece = joined;
    }
  }
  if (piece.trim()) pieces.push(piece.trimEnd());
  return pieces;
}

/** A sentence or line with no usable break: cut at the last space before the limit (or at the limit). */
function hardCut(text: string): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > PASSAGE_CHARS.max) {
    const space = rest.lastIndexOf(' ', PASSAGE_CHARS.max);
    const at = space > PASSAGE_CHARS.max / 2 ? space : PASSAGE_CHARS.max;
    pieces.push(rest.slice(0, at));
    rest = rest.slice(at);
  }
  return [...pieces, rest];
}

/**
 * The passages most relevant to topic + context, best first: each is scored against the topic (weighted
 * TOPIC_WEIGHT) and the context, and ties keep document order, so the same input always gives the same list.
 * Empty when no passage shares a meaningful word with the request.
 */
export function rankPassages(passages: DocumentPassage[], query: GroundingQuery, options: GroundingOptions = {}): Passage[] {
  const { maxPassages, maxCharacters, minRelativeScore } = { ...DEFAULTS, ...options };
  if (passages.length === 0 || maxPassages <= 0) return [];
  const index = new MiniSearch<DocumentPassage & { id: number }>({
    fields: ['heading', 'body', 'source'],
    processTerm,
    searchOptions: {
      boost: { heading: 2, source: 0.5 },
      prefix: (term) => term.length >= 4,
      fuzzy: (term) => (term.length >= 5 ? 0.2 : false),
      combineWith: 'OR',
    },
  });
  index.addAll(passages.map((passage, id) => ({ ...passage, id })));

  const scores = new Map<number, number>();
  for (const [text, weight] of [
    [query.topic, TOPIC_WEIGHT],
    [query.context, 1],
  ] as const) {
    for (const hit of index.search(text)) scores.set(hit.id as number, (scores.get(hit.id as number) ?? 0) + weight * hit.score);
  }
  const ranked = [...scores].sort(([a, x], [b, y]) => y - x || a - b);
  if (ranked.length === 0) return [];
  const floor = ranked[0][1] * minRelativeScore;

  const chosen: Passage[] = [];
  let characters = 0;
  for (const [id, score] of ranked) {
    if (chosen.length >= maxPassages || score < floor) break;
    const { fileId, source, heading, body } = passages[id];
    const text = heading ? `${heading}\n\n${body}` : body;
    if (characters + text.length > maxCharacters) break;
    characters += text.length;
    chosen.push({ fileId, source, text, score: Math.round(score * 1000) / 1000 });
  }
  return chosen;
}

/**
 * Index and query terms alike: lower case without diacritics, stop words and one-letter words dropped, and
 * English plurals folded ("colonies" finds "colony", "hives" finds "hive").
 */
function processTerm(term: string): string | null {
  const word = term.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
  if (word.length < 2 || STOP_WORDS.has(word)) return null;
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 4 && word.endsWith('sses')) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !/(ss|us|is)$/u.test(word)) return word.slice(0, -1);
  return word;
}

const STOP_WORDS = new Set(
  (
    'a about above after again against all also am an and any are as at be because been before being below between both but by ' +
    'can could did do does doing down during each few for from further had has have having he her here hers herself him himself ' +
    'his how however i if in into is it its itself just let me more most my myself no nor not now of off on once only or other ' +
    'our ours ourselves out over own same she should so some such than that the their theirs them themselves then there these ' +
    'they this those through to too under until up very was we were what when where which while who whom why will with would ' +
    'you your yours yourself yourselves one two may might must shall us via per etc across along among around inside outside ' +
    'within without onto upon toward towards'
  ).split(' '),
);
