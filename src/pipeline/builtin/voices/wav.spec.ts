import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeDurationSeconds } from '../../media-probe';
import { pcmSeconds, wavDurationSeconds } from './wav';

function header(chunks: Array<[string, Buffer]>): Buffer {
  const parts = chunks.map(([id, body]) => {
    const head = Buffer.alloc(8);
    head.write(id, 0, 'latin1');
    head.writeUInt32LE(body.length, 4);
    // RIFF pads odd-sized chunks to an even length.
    return Buffer.concat([head, body, Buffer.alloc(body.length % 2)]);
  });
  return Buffer.concat([Buffer.from('RIFF\0\0\0\0WAVE', 'latin1'), ...parts]);
}

function fmt(format: number, byteRate: number): Buffer {
  const body = Buffer.alloc(16);
  body.writeUInt16LE(format, 0);
  body.writeUInt32LE(byteRate, 8);
  return body;
}

describe('pcmSeconds', () => {
  it('divides the samples after the data chunk header by the byte rate', () => {
    const wav = header([['fmt ', fmt(1, 44100)], ['data', Buffer.alloc(0)]]);
    expect(pcmSeconds(wav, wav.length + 88200)).toBe(2);
  });

  it('skips other chunks (LIST…) before the data', () => {
    const wav = header([['fmt ', fmt(1, 1000)], ['LIST', Buffer.alloc(5)], ['data', Buffer.alloc(0)]]);
    expect(pcmSeconds(wav, wav.length + 500)).toBe(0.5);
  });

  it('gives up on anything but PCM in RIFF/WAVE', () => {
    expect(pcmSeconds(Buffer.from('ID3 not a wav file'), 100)).toBeUndefined();
    expect(pcmSeconds(header([['fmt ', fmt(3, 1000)], ['data', Buffer.alloc(0)]]), 100)).toBeUndefined();
    expect(pcmSeconds(header([['data', Buffer.alloc(0)]]), 100)).toBeUndefined();
  });
});

describe('wavDurationSeconds', () => {
  it('agrees with ffprobe on what espeak-ng writes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'narration-'));
    try {
      const wav = join(dir, 'speech.wav');
      execFileSync('espeak-ng', ['-w', wav, 'Honey bees live in colonies of thousands of workers.']);
      expect(readFileSync(wav).subarray(0, 4).toString()).toBe('RIFF');
      const signal = new AbortController().signal;
      expect(statSync(wav).size).toBeGreaterThan(1000);
      expect(await wavDurationSeconds(wav, signal)).toBeCloseTo(await probeDurationSeconds(wav, signal), 3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
