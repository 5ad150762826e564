/** Durations of WAV files, read from their headers. */
import { open } from 'node:fs/promises';
import { probeDurationSeconds } from '../../media-probe';

/**
 * Seconds of audio in a PCM WAV file, read from its header (byte rate) and its size — an ffprobe per scene
 * would cost a process start each; ffprobe remains the fallback for anything but a plain RIFF/WAVE file.
 */
export async function wavDurationSeconds(file: string, signal: AbortSignal): Promise<number> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const header = Buffer.alloc(Math.min(size, 4096));
    await handle.read(header, 0, header.length, 0);
    const seconds = pcmSeconds(header, size);
    if (seconds !== undefined) return seconds;
  } finally {
    await handle.close();
  }
  return probeDurationSeconds(file, signal);
}

/** Walks the RIFF chunks: 'fmt ' gives the byte rate, 'data' where the samples start (they run to the end). */
export function pcmSeconds(header: Buffer, fileSize: number): number | undefined {
  if (header.length < 12 || header.toString('latin1', 0, 4) !== 'RIFF' || header.toString('latin1', 8, 12) !== 'WAVE') {
    return undefined;
  }
  let byteRate: number | undefined;
  for (let at = 12; at + 8 <= header.length; ) {
    const id = header.toString('latin1', at, at + 4);
    const length = header.readUInt32LE(at + 4);
    if (id === 'fmt ' && at + 16 <= header.length) {
      const pcm = header.readUInt16LE(at + 8) === 1;
      byteRate = pcm ? header.readUInt32LE(at + 16) : undefined;
      if (byteRate === undefined) return undefined;
    }
    // The data chunk's own length may be a placeholder when the writer streamed it: trust the file size.
    if (id === 'data') return byteRate ? (fileSize - (at + 8)) / byteRate : undefined;
    at += 8 + length + (length % 2);
  }
  return undefined;
}
