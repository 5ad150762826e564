#!/usr/bin/env node
/**
 * Example external generator for PIPELINE=command (protocol: README.md beside this file). Plain Node, no
 * dependencies; needs ffmpeg (and uses espeak-ng for narration when it is installed, a soft tone otherwise).
 *
 * It reads the job as one JSON line on stdin, renders a few coloured title cards (the topic, the first
 * sentences of the context, a closing card) into output_dir, printing progress and log lines as JSON on
 * stdout, and finally the result line. Run it by hand:
 *
 *   echo '{"job_id":"1","topic":"Tides","context":"The moon pulls the sea.","quality":"low",
 *          "output_dir":"/tmp/out"}' | node examples/generator/explainer-generator.mjs
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const SIZES = { low: [854, 480], medium: [1280, 720], high: [1920, 1080], ultra: [2560, 1440] };
const COLOURS = ['0x1e3a8a', '0x065f46', '0x7c2d12', '0x4c1d95'];
const MIN_CARD_SECONDS = 2;
const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';

/** One protocol message per line on stdout. Everything else (diagnostics) goes to stderr. */
const emit = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
const progress = (stage, percent) => emit({ type: 'progress', stage, progress: percent });
const log = (message, level = 'info') => emit({ type: 'log', level, message });

let child;
// Cancellation: the service sends SIGTERM to the whole process group, then SIGKILL after a grace period.
process.on('SIGTERM', () => {
  child?.kill('SIGTERM');
  process.exit(143);
});

async function readJob() {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  const job = JSON.parse(text);
  if (typeof job.output_dir !== 'string' || typeof job.topic !== 'string') throw new Error('job needs topic and output_dir');
  return job;
}

/** Escapes a value for a filter option inside a filter graph (option level, then graph level). */
const escapeFilterValue = (value) => value.replace(/[\\':]/g, '\\$&').replace(/[\\'[\],;]/g, '\\$&');

/** Runs a tool; resolves with its exit code, calling onLine for each stdout line. */
function run(command, args, onLine = () => {}) {
  return new Promise((resolve, reject) => {
    child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop();
      lines.forEach(onLine);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

function cardsFor(job) {
  const sentences = (job.context ?? '').match(/[^.!?]+[.!?]*/g) ?? [];
  const middle = sentences.map((s) => s.trim()).filter(Boolean).slice(0, 2);
  return [job.topic, ...middle, 'Thanks for watching'];
}

/** Wraps text at about `width` characters (drawtext does not wrap by itself). */
function wrap(text, width) {
  const lines = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

async function main() {
  const job = await readJob();
  const [width, height] = SIZES[job.quality] ?? SIZES.medium;
  const cards = cardsFor(job);
  progress('plan', 5);
  log(`job ${job.job_id}: ${cards.length} cards at ${width}x${height}`);

  // Card texts go to files that drawtext reads: no user text inside the filter graph.
  const textFiles = [];
  for (const [i, text] of cards.entries()) {
    const file = join(job.output_dir, `card-${i + 1}.txt`);
    await writeFile(file, wrap(text, 28));
    textFiles.push(file);
  }

  progress('narrate', 15);
  const narration = join(job.output_dir, 'narration.wav');
  const spoken = (await run('espeak-ng', ['-w', narration, cards.join('. ')]).catch(() => 1)) === 0;
  let spokenSeconds = 0;
  if (spoken) {
    await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', narration], (line) => {
      spokenSeconds = Number(line) || spokenSeconds;
    });
  } else {
    log('espeak-ng unavailable: using a soft tone instead of narration', 'warn');
  }
  // Cards share the narration's length (plus a breath), at least MIN_CARD_SECONDS each.
  const cardSeconds = Math.max(MIN_CARD_SECONDS, (spokenSeconds + 0.6) / cards.length);
  const seconds = cardSeconds * cards.length;
  progress('narrate', 30);

  const font = existsSync(FONT) ? `fontfile=${FONT}` : 'font=Sans';
  const size = Math.round(height / 12);
  const graph = cards
    .map(
      (_, i) =>
        `color=c=${COLOURS[i % COLOURS.length]}:s=${width}x${height}:r=30:d=${cardSeconds.toFixed(3)},` +
        `drawtext=${font}:textfile=${escapeFilterValue(textFiles[i])}:expansion=none:fontsize=${size}:` +
        `fontcolor=white:line_spacing=${Math.round(size / 3)}:x=(w-text_w)/2:y=(h-text_h)/2,` +
        `fade=t=in:d=0.3,fade=t=out:st=${(cardSeconds - 0.3).toFixed(3)}:d=0.3[c${i}]`,
    )
    .join(';');
  const concat = `${cards.map((_, i) => `[c${i}]`).join('')}concat=n=${cards.length}:v=1:a=0[v]`;
  const audio = spoken ? ['-i', narration] : ['-f', 'lavfi', '-i', 'sine=f=220'];
  const sound = `[0:a]volume=${spoken ? 1 : 0.2},apad,atrim=duration=${seconds.toFixed(3)}[a]`;
  const output = join(job.output_dir, 'video.mp4');
  const args = [
    ...['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', '-progress', 'pipe:1'],
    ...audio,
    ...['-filter_complex', `${graph};${concat};${sound}`],
    ...['-map', '[v]', '-map', '[a]', '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p'],
    ...['-c:a', 'aac', '-b:a', '128k', '-movflags', '+faststart', output],
  ];
  progress('render', 35);
  const code = await run('ffmpeg', args, (line) => {
    const match = /^out_time_us=(\d+)$/.exec(line);
    if (match) progress('render', 35 + 60 * Math.min(1, Number(match[1]) / 1e6 / seconds));
  });
  if (code !== 0) throw new Error(`ffmpeg exited with code ${code}`);
  progress('render', 100);
  log(`rendered ${seconds.toFixed(1)} s`);
  emit({ type: 'result', file: output });
}

main().catch((error) => {
  process.stderr.write(`explainer-generator: ${error.stack ?? error}\n`);
  process.exit(1);
});
