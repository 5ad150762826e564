import { Presets, SingleBar } from 'cli-progress';
import { constants } from 'node:os';
// Columns a terminal gives a string (emoji and East Asian wide characters take two): cli-progress's own measure.
import displayWidth from 'string-width';
import { VgsApiError } from '../typescript/src/client';

/** Progress goes to stderr, so stdout carries only results (a job id, a table) for scripts to read. */
const progressStream = process.stderr;

/** A progress display: a live bar on a terminal, plain lines (one per change worth telling) otherwise. */
export interface Progress {
  update(value: number, payload?: Record<string, string>): void;
  stop(): void;
}

/** The progress of a job (0–100) with its status and stage. */
export function jobProgress(): Progress {
  if (progressStream.isTTY) {
    const { bar, stop } = terminalBar('{bar} {percentage}% | {status} | {stage}');
    bar.start(100, 0, { status: 'queued', stage: '-' });
    return { update: (value, payload) => bar.update(value, payload), stop };
  }
  let last = '';
  return {
    update: (value, payload = {}) => {
      const line = `progress ${Math.round(value)}% status=${payload.status ?? '-'} stage=${payload.stage ?? '-'}`;
      if (line !== last) progressStream.write(`${line}\n`);
      last = line;
    },
    stop: () => undefined,
  };
}

/** The progress of a transfer of `total` bytes that starts at `start` (a resumed download). */
export function byteProgress(total: number, start: number): Progress {
  if (progressStream.isTTY) {
    const { bar, stop } = terminalBar('{bar} {percentage}% | {done} of {size} | {eta_formatted}');
    bar.start(total, start, { done: formatBytes(start), size: formatBytes(total) });
    return { update: (value) => bar.update(value, { done: formatBytes(value) }), stop };
  }
  // Plain lines every tenth of the file: enough to see it move in a CI log without flooding it.
  let lastTenth = -1;
  const line = (value: number) => {
    const tenth = total > 0 ? Math.floor((value / total) * 10) : 10;
    if (tenth === lastTenth) return;
    lastTenth = tenth;
    progressStream.write(`downloaded ${formatBytes(value)} of ${formatBytes(total)} (${total > 0 ? Math.floor((value / total) * 100) : 100}%)\n`);
  };
  line(start);
  return { update: line, stop: () => undefined };
}

/**
 * A bar redrawn in place. It hides the cursor and turns line wrap off until stopped, so Ctrl-C or a kill stops it
 * too (else the shell is left that way) and then exits as the signal would have: 128 + its number (130, 143).
 */
function terminalBar(format: string): { bar: SingleBar; stop: () => void } {
  const bar = new SingleBar({ format, stream: progressStream, hideCursor: true }, Presets.shades_classic);
  const onSignal = (signal: NodeJS.Signals) => {
    bar.stop();
    process.exit(128 + constants.signals[signal]);
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  const stop = () => {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    bar.stop();
  };
  return { bar, stop };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** Rows under a header, each column as wide as its widest cell on a terminal. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i]))));
  const pad = (cell: string, i: number) => cell + ' '.repeat(widths[i] - displayWidth(cell));
  return [header, ...rows].map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : pad(cell, i))).join('  ')).join('\n');
}

/** `text` in at most `max` terminal columns, cut between characters as a person sees them (never inside an emoji). */
export function truncate(text: string, max: number): string {
  if (displayWidth(text) <= max) return text;
  let cut = '';
  let width = 0;
  for (const { segment } of graphemes.segment(text)) {
    width += displayWidth(segment);
    if (width > max - 1) break;
    cut += segment;
  }
  return `${cut}…`;
}

const graphemes = new Intl.Segmenter();

/** Any failure as one line: the envelope's message and code (and which fields, for a validation error). */
export function errorLine(err: unknown): string {
  if (err instanceof VgsApiError) {
    const fields = err.details.fields?.map((f) => `${f.field}: ${f.errors.join(', ')}`).join('; ');
    // HTTP_<status> is no code of the service's (an answer without its envelope), and the message says so already.
    const code = err.code === `HTTP_${err.status}` ? [] : [err.code];
    const about = [...code, ...(err.retryAfter !== undefined ? [`retry after ${err.retryAfter}s`] : [])].join('; ');
    return `vgs: ${err.message}${about ? ` (${about})` : ''}${fields ? `: ${fields}` : ''}`;
  }
  return `vgs: ${err instanceof Error ? err.message : String(err)}`;
}
