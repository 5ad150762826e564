import type { Response } from 'express';
import { AppException } from '../common/error-codes';

export interface SendableFile {
  path: string;
  size: number;
  filename: string;
  etag: string;
  contentType: string;
  disposition: 'attachment' | 'inline';
}

/**
 * Streams a stored file through Express's `send`: Range → 206 with Content-Range, If-None-Match /
 * If-Range against our strong ETag, HEAD. An unsatisfiable range becomes the 416 error envelope.
 */
export function sendStoredFile(res: Response, file: SendableFile): Promise<void> {
  res.setHeader('ETag', file.etag);
  res.setHeader('Content-Type', file.contentType);
  res.setHeader('Cache-Control', 'private, max-age=0, must-revalidate');
  if (file.disposition === 'attachment') res.attachment(file.filename);
  else res.setHeader('Content-Disposition', `inline; filename="${file.filename}"`);
  return new Promise((resolve, reject) => {
    res.sendFile(file.path, { etag: false, lastModified: true, acceptRanges: true, dotfiles: 'deny' }, (err?: Error & { status?: number }) => {
      if (!err) return resolve();
      if (err.status === 416) {
        return reject(
          new AppException('RANGE_NOT_SATISFIABLE', 'Requested range is not satisfiable', { size: file.size }, { 'Content-Range': `bytes */${file.size}` }),
        );
      }
      if (res.headersSent) return resolve(); // client went away mid-stream: nothing left to answer
      reject(err.status === 404 ? new AppException('NOT_FOUND', 'The file is no longer available') : err);
    });
  });
}
