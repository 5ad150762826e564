import type { Request, Response } from 'express';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppException } from '../common/error-codes';
import type { SendableFile } from './file-store';

/** An inclusive byte range of a file. */
export interface ByteRange {
  start: number;
  end: number;
}

function setFileHeaders(res: Response, file: SendableFile): void {
  res.setHeader('ETag', file.etag);
  res.setHeader('Content-Type', file.contentType);
  res.setHeader('Cache-Control', 'private, max-age=0, must-revalidate');
  res.setHeader('Content-Disposition', contentDisposition(file));
}

/** Our file names are ASCII slugs (videoFilename), so the plain quoted form is exact. */
export function contentDisposition(file: Pick<SendableFile, 'disposition' | 'filename'>): string {
  return `${file.disposition}; filename="${file.filename}"`;
}

function rangeNotSatisfiable(size: number): AppException {
  return new AppException('RANGE_NOT_SATISFIABLE', 'Requested range is not satisfiable', { size }, { 'Content-Range': `bytes */${size}` });
}

/**
 * Streams a file on local disk through Express's `send`: Range → 206 with Content-Range, If-None-Match /
 * If-Range against our strong ETag, HEAD. An unsatisfiable range becomes the 416 error envelope.
 */
export function sendLocalFile(res: Response, path: string, file: SendableFile): Promise<void> {
  setFileHeaders(res, file);
  return new Promise((resolve, reject) => {
    res.sendFile(path, { etag: false, lastModified: true, acceptRanges: true, dotfiles: 'deny' }, (err?: Error & { status?: number }) => {
      if (!err) return resolve();
      if (err.status === 416) return reject(rangeNotSatisfiable(file.size));
      if (res.headersSent) return resolve(); // client went away mid-stream: nothing left to answer
      reject(err.status === 404 ? new AppException('NOT_FOUND', 'The file is no longer available') : err);
    });
  });
}

/**
 * The same answers as sendLocalFile for a file read through `open` (a bucket's ranged GET): `send`'s rules for
 * If-None-Match / If-Modified-Since (304), If-Range, one satisfiable byte range (206; several ranges or a malformed
 * header get the whole file, as `send` does) and 416, so clients cannot tell the drivers apart.
 */
export async function streamFile(res: Response, file: SendableFile, open: (range?: ByteRange) => Promise<Readable>): Promise<void> {
  const req = res.req;
  setFileHeaders(res, file);
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Last-Modified', file.modifiedAt.toUTCString());
  if (req.fresh) {
    res.status(304).end();
    return;
  }
  const range = requestedRange(req, res, file.size);
  if (range === 'unsatisfiable') throw rangeNotSatisfiable(file.size);
  // Opened before any status is set: a file gone from the bucket is still a clean 404 envelope.
  const body = req.method === 'HEAD' ? undefined : await open(range);
  res.status(range ? 206 : 200);
  res.setHeader('Content-Length', String(range ? range.end - range.start + 1 : file.size));
  if (range) res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${file.size}`);
  if (!body) {
    res.end();
    return;
  }
  // A client that goes away, or a bucket stream that breaks, mid-body leaves nothing to answer: the response is
  // destroyed with the stream, so the client sees a short transfer rather than a complete-looking one.
  await pipeline(body, res).catch(() => undefined);
}

/** The one byte range to send, none for the whole file, or 'unsatisfiable' (416), by `send`'s rules. */
function requestedRange(req: Request, res: Response, size: number): ByteRange | undefined | 'unsatisfiable' {
  const header = req.headers.range;
  if (!header || !/^ *bytes=/.test(header) || !ifRangeHolds(req, res)) return undefined;
  const ranges = req.range(size, { combine: true });
  if (ranges === -1) return 'unsatisfiable';
  if (ranges === undefined || ranges === -2 || ranges.length !== 1) return undefined;
  return { start: ranges[0].start, end: ranges[0].end };
}

/** If-Range: the range only while the client's copy is current (an ETag, or a date no older than ours). */
function ifRangeHolds(req: Request, res: Response): boolean {
  const ifRange = req.get('If-Range');
  if (!ifRange) return true;
  if (ifRange.includes('"')) return ifRange.includes(String(res.getHeader('ETag')));
  return Date.parse(String(res.getHeader('Last-Modified'))) <= Date.parse(ifRange);
}
