import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Response } from 'express';
import { randomInt } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Settings } from '../config/app-config';
import { AppException } from '../common/error-codes';
import { FileStore, SendableFile, StoredFile } from './file-store';
import { ByteRange, contentDisposition, streamFile } from './send-file';

/** Multipart parts: S3's minimum is 5 MiB; a file smaller than one part goes up in a single PUT. */
const PART_BYTES = 8 * 1024 * 1024;
const PARTS_AT_ONCE = 4;
/** DeleteObjects takes at most this many keys. */
const DELETE_BATCH = 1000;
/** Proxied downloads hold a connection to the bucket each while they stream: allow many at once. */
const MAX_SOCKETS = 256;
const CHECK_TIMEOUT_MS = 5000;
const RANDOM_CHARACTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * STORAGE_DRIVER=s3: files in one bucket of any S3-compatible store (AWS S3, Cloudflare R2, MinIO), under the
 * same keys the local driver uses as paths. API and workers then share nothing but Redis and the bucket.
 */
export class S3FileStore implements FileStore {
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(private readonly settings: S3Settings) {
    this.bucket = settings.bucket;
    this.client = new S3Client({
      endpoint: settings.endpoint,
      region: settings.region,
      forcePathStyle: settings.forcePathStyle,
      credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
      // Checksums only where S3 demands them: the SDK's default CRC trailers on streamed bodies are not
      // understood by every S3-compatible store.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: {
        connectionTimeout: CHECK_TIMEOUT_MS,
        httpAgent: new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
        httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
      },
    });
  }

  init(): Promise<void> {
    return Promise.resolve();
  }

  /** Nothing exists until a file is kept in it; six random characters of 62 make a clash as unlikely as mkdtemp's. */
  createFolder(parent: string, prefix: string): Promise<string> {
    const random = Array.from({ length: 6 }, () => RANDOM_CHARACTERS[randomInt(RANDOM_CHARACTERS.length)]).join('');
    return Promise.resolve(`${parent}/${prefix}${random}`);
  }

  /** Uploaded in parts when large (several at once), then the local file is removed. */
  async keep(file: string, key: string, contentType: string): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: createReadStream(file), ContentType: contentType },
      partSize: PART_BYTES,
      queueSize: PARTS_AT_ONCE,
    });
    await upload.done();
    await unlink(file);
  }

  async stat(key: string): Promise<StoredFile | null> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { key, size: head.ContentLength ?? 0, modifiedAt: head.LastModified ?? new Date(0) };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async localFile(key: string, into?: string): Promise<string> {
    if (into === undefined) return `s3://${this.bucket}/${key}`;
    await mkdir(into, { recursive: true });
    const file = join(into, basename(key));
    await pipeline(await this.open(key), createWriteStream(file));
    return file;
  }

  async remove(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async removeFolder(folder: string): Promise<void> {
    const keys = (await this.list(folder)).map((object) => object.key);
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const result = await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
      );
      const failed = result.Errors ?? [];
      if (failed.length > 0) throw new Error(`could not delete ${failed.length} file(s) of ${folder}: ${failed[0].Code ?? 'error'} ${failed[0].Key ?? ''}`);
    }
  }

  /** One listing of everything under the folder (no delimiter: some S3-compatible stores get those wrong). */
  async folders(folder: string, depth: number): Promise<string[]> {
    const found = new Set<string>();
    for (const { key } of await this.list(folder)) {
      const parts = key.slice(folder.length + 1).split('/');
      if (parts.length > depth) found.add(`${folder}/${parts.slice(0, depth).join('/')}`);
    }
    return [...found];
  }

  async folderModifiedAt(folder: string): Promise<Date | null> {
    const times = (await this.list(folder)).map((object) => object.modifiedAt.getTime());
    return times.length > 0 ? new Date(Math.max(...times)) : null;
  }

  /** DOWNLOAD_MODE=proxy streams ranged GETs through the API; redirect sends the client to a presigned URL. */
  async send(res: Response, file: SendableFile): Promise<void> {
    if (this.settings.downloadMode === 'proxy') return streamFile(res, file, (range) => this.open(file.key, range));
    res.setHeader('ETag', file.etag);
    res.setHeader('Last-Modified', file.modifiedAt.toUTCString());
    if (res.req.fresh) {
      res.status(304).end();
      return;
    }
    const url = await getSignedUrl(
      this.client,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: file.key,
        ResponseContentType: file.contentType,
        ResponseContentDisposition: contentDisposition(file),
      }),
      { expiresIn: this.settings.presignTtlSeconds },
    );
    // Each redirect names a URL that expires: neither it nor this answer may be reused from a cache.
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(302, url);
  }

  /** The bucket exists and these credentials reach it. */
  async check(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), { abortSignal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
  }

  private async open(key: string, range?: ByteRange): Promise<Readable> {
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
      );
      return object.Body as Readable;
    } catch (err) {
      if (isNotFound(err)) throw new AppException('NOT_FOUND', 'The file is no longer available');
      throw err;
    }
  }

  private async list(folder: string): Promise<Array<{ key: string; modifiedAt: Date }>> {
    const objects: Array<{ key: string; modifiedAt: Date }> = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${folder}/`, ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        if (object.Key) objects.push({ key: object.Key, modifiedAt: object.LastModified ?? new Date(0) });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return objects;
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404;
}
