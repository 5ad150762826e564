import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import type { Client } from '../typescript/src/gen/client';
import { downloadVideo, getVideoMetadata } from '../typescript/src/gen/sdk.gen';
import { byteProgress } from './output';

export interface DownloadResult {
  path: string;
  size: number;
  /** Bytes already on disk that were kept (a resumed download, or the whole file already there), 0 for a fresh one. */
  resumedFrom: number;
}

/**
 * Downloads a completed job's video to `path` (default: the service's file name), checked against the job's SHA-256.
 * The bytes go to a partial file beside it named after that checksum, renamed to `path` once verified: a later run
 * resumes only its own partial file of the same video, with `Range` (a finished video never changes). An existing
 * `path` that is not this video is left alone unless `force`.
 */
export async function downloadJobVideo(
  client: Client,
  jobId: string,
  options: { output?: string; restart?: boolean; force?: boolean },
): Promise<DownloadResult> {
  const { data: meta } = await getVideoMetadata({ client, path: { job_id: jobId }, throwOnError: true });
  const path = options.output ?? meta.filename;
  const existing = statOf(path);
  if (existing?.isDirectory()) throw new Error(`${path} is a directory; name a file`);
  if (!statOf(dirname(path))?.isDirectory()) throw new Error(`no such directory: ${dirname(path)}`);
  if (existing && !options.force) {
    if (existing.size === meta.file_size && (await sha256(path)) === meta.checksum_sha256) {
      return { path, size: meta.file_size, resumedFrom: meta.file_size };
    }
    throw new Error(`${path} exists and is not this video; --force replaces it`);
  }

  const partial = `${path}.${meta.checksum_sha256.slice(0, 12)}.part`;
  const kept = options.restart ? 0 : (statOf(partial)?.size ?? 0);
  // Longer than the video: not a part of it, start over.
  let offset = kept <= meta.file_size ? kept : 0;
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
      await pipeline(Readable.fromWeb(body as unknown as ReadableStream), count, createWriteStream(partial, { flags: offset > 0 ? 'a' : 'w' }));
    } finally {
      progress.stop();
    }
  }
  const checksum = await sha256(partial);
  if (checksum !== meta.checksum_sha256) {
    throw new Error(`${partial} does not match the video's SHA-256 (${meta.checksum_sha256}); download it again with --restart`);
  }
  renameSync(partial, path);
  return { path, size: meta.file_size, resumedFrom: offset };
}

function statOf(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}
