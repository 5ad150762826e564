import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import type { Client } from '../typescript/src/gen/client';
import { downloadVideo, getVideoMetadata } from '../typescript/src/gen/sdk.gen';
import { byteProgress } from './output';

export interface DownloadResult {
  path: string;
  size: number;
  /** Bytes already on disk that were kept (a resumed download), 0 for a fresh one. */
  resumedFrom: number;
}

/**
 * Downloads a completed job's video to `path` (default: the service's file name). A partial file there is resumed
 * with `Range` (a finished video never changes); the result is checked against the job's SHA-256.
 */
export async function downloadJobVideo(client: Client, jobId: string, options: { output?: string; restart?: boolean }): Promise<DownloadResult> {
  const { data: meta } = await getVideoMetadata({ client, path: { job_id: jobId }, throwOnError: true });
  const path = options.output ?? meta.filename;
  const existing = options.restart ? 0 : sizeOf(path);
  // A file longer than the video is not a part of it: start over.
  let offset = existing <= meta.file_size ? existing : 0;
  if (offset < meta.file_size) {
    const { data: body, response } = await downloadVideo({
      client,
      path: { job_id: jobId },
      headers: offset > 0 ? { Range: `bytes=${offset}-` } : undefined,
      parseAs: 'stream',
      throwOnError: true,
    });
    // 206: the rest of the file follows; 200: the whole file (the range was not honoured).
    if (response.status !== 206) offset = 0;
    const progress = byteProgress(meta.file_size, offset);
    let written = offset;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        written += chunk.length;
        progress.update(written);
        done(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(body as unknown as ReadableStream), count, createWriteStream(path, { flags: offset > 0 ? 'a' : 'w' }));
    } finally {
      progress.stop();
    }
  }
  const checksum = await sha256(path);
  if (checksum !== meta.checksum_sha256) {
    throw new Error(`${path} does not match the video's SHA-256 (${meta.checksum_sha256}); download it again with --restart`);
  }
  return { path, size: meta.file_size, resumedFrom: offset };
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}
