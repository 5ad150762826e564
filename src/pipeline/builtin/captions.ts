/**
 * Captions: a scene's narration split into short cues (whole sentences or clauses where possible, never more
 * than two lines), timed in proportion to their length within the measured narration, and written as WebVTT.
 * Pure: widths come from the same measure function the burned-in captions are drawn with.
 */
import { chunkText } from './planning/chunk-text';
import { MeasureEm, wrapText } from './text-layout';
import { speechWeight } from './unicode-text';

export const MAX_CAPTION_LINES = 2;
/** Subtitle guidelines keep lines to about 42 characters: longer ones are hard to read in the time shown. */
const MAX_LINE_CHARS = 42;
const SAMPLE = 'The quick brown fox jumps over the lazy dog, then rests.';

export interface CaptionCue {
  /** Seconds from the start of the video. */
  start: number;
  end: number;
  /** At most MAX_CAPTION_LINES lines, as drawn on screen. */
  lines: string[];
}

/**
 * Splits narration into cues of at most MAX_CAPTION_LINES lines no wider than `maxWidthEm` (nor than about
 * MAX_LINE_CHARS characters): first into sentence/clause sized pieces (the planner's chunker with
 * caption-sized limits), then each piece is wrapped into balanced lines, and any piece still longer than two
 * lines is cut into consecutive pairs of lines.
 */
export function splitIntoCues(narration: string, maxWidthEm: number, measure: MeasureEm): string[][] {
  const averageEm = measure(SAMPLE) / Array.from(SAMPLE).length;
  const lineWidthEm = Math.min(maxWidthEm, MAX_LINE_CHARS * averageEm);
  const lineChars = Math.max(8, Math.floor(lineWidthEm / averageEm));
  const max = lineChars * MAX_CAPTION_LINES;
  const pieces = chunkText(narration, { min: Math.round(max * 0.3), target: Math.round(max * 0.65), max });
  const cues: string[][] = [];
  for (const piece of pieces) {
    const lines = balancedWrap(piece, lineWidthEm, measure);
    for (let i = 0; i < lines.length; i += MAX_CAPTION_LINES) cues.push(lines.slice(i, i + MAX_CAPTION_LINES));
  }
  return cues;
}

/** Wraps into as few lines as a greedy wrap at `maxWidthEm` needs, but as even as possible (no lone last word). */
export function balancedWrap(text: string, maxWidthEm: number, measure: MeasureEm): string[] {
  let best = wrapText(text, maxWidthEm, measure);
  if (best.length < 2) return best;
  // The narrowest width that still needs no more lines: a bisection over the line width.
  let narrow = 0;
  let wide = maxWidthEm;
  for (let step = 0; step < 12; step++) {
    const width = (narrow + wide) / 2;
    const lines = wrapText(text, width, measure);
    if (lines.length <= best.length && lines.every((line) => measure(line) <= width)) {
      best = lines;
      wide = width;
    } else {
      narrow = width;
    }
  }
  return best;
}

/**
 * Spreads cues over the narration, which starts at `start` and lasts `seconds`, in proportion to their speech
 * weight (≈ characters). Cues follow each other without gaps; the last one stays up until `holdUntil`.
 */
export function timeCues(cues: readonly string[][], start: number, seconds: number, holdUntil: number): CaptionCue[] {
  const weights = cues.map((lines) => Array.from(lines.join(' ')).reduce((sum, ch) => sum + speechWeight(ch), 0));
  const total = weights.reduce((sum, w) => sum + w, 0);
  const timed: CaptionCue[] = [];
  let done = 0;
  cues.forEach((lines, i) => {
    const from = start + (seconds * done) / total;
    done += weights[i];
    const to = i === cues.length - 1 ? Math.max(holdUntil, start + seconds) : start + (seconds * done) / total;
    timed.push({ start: round3(from), end: round3(to), lines });
  });
  return timed;
}

/** A WebVTT file of the cues (text escaped: &, < and > are markup in cue payloads). */
export function toWebVtt(cues: readonly CaptionCue[]): string {
  const blocks = cues.map((cue, i) => {
    const text = cue.lines.map((line) => line.replace(/&/gu, '&amp;').replace(/</gu, '&lt;').replace(/>/gu, '&gt;'));
    return `${i + 1}\n${vttTime(cue.start)} --> ${vttTime(cue.end)}\n${text.join('\n')}`;
  });
  return ['WEBVTT', ...blocks].join('\n\n') + '\n';
}

/** hh:mm:ss.mmm */
export function vttTime(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  const [hours, minutes, secs] = [Math.floor(ms / 3_600_000), Math.floor(ms / 60_000) % 60, Math.floor(ms / 1000) % 60];
  return `${pad(hours)}:${pad(minutes)}:${pad(secs)}.${pad(ms % 1000, 3)}`;
}

function round3(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
