import { execFileSync } from 'node:child_process';

export interface ProbeSummary {
  videoCodec?: string;
  audioCodec?: string;
  width?: number;
  height?: number;
  duration: number;
  pixFmt?: string;
}

/** What ffprobe (the real one) says of a file. */
export function ffprobe(file: string): ProbeSummary {
  const out = JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file]).toString(),
  ) as { format: { duration: string }; streams: Array<{ codec_type: string; codec_name: string; width?: number; height?: number; pix_fmt?: string }> };
  const video = out.streams.find((s) => s.codec_type === 'video');
  const audio = out.streams.find((s) => s.codec_type === 'audio');
  return {
    videoCodec: video?.codec_name,
    audioCodec: audio?.codec_name,
    width: video?.width,
    height: video?.height,
    pixFmt: video?.pix_fmt,
    duration: Number(out.format.duration),
  };
}

/** Lines of `ps` naming a string (used to prove no ffmpeg / espeak-ng child survives a cancel). */
export function processesMentioning(needle: string): string[] {
  return execFileSync('ps', ['-eo', 'pid,args', '--no-headers'])
    .toString()
    .split('\n')
    .filter((line) => line.includes(needle) && !line.includes('ps -eo'));
}

/** A supertest parser that keeps a response body as raw bytes (`.buffer(true).parse(binaryBody)`). */
export function binaryBody(res: NodeJS.EventEmitter, done: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}
