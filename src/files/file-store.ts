import type { Response } from 'express';

/** A kept file. Keys are `/`-separated and relative to the store's root (a directory or a bucket). */
export interface StoredFile {
  key: string;
  size: number;
  modifiedAt: Date;
  /** The file on this machine's disk: local driver only. */
  path?: string;
}

/** A stored file as a download: what it is called, its validator and how a browser should treat it. */
export interface SendableFile {
  key: string;
  size: number;
  modifiedAt: Date;
  filename: string;
  etag: string;
  contentType: string;
  disposition: 'attachment' | 'inline';
}

/**
 * Where finished files and uploads are kept (STORAGE_DRIVER): a directory tree or an S3 bucket. StorageService
 * lays jobs out on top of it, so no caller branches on the driver. Keys come from StorageService and the upload
 * records, which validate them; a folder is a key prefix without its trailing `/`.
 */
export interface FileStore {
  /** Directories the store needs, or nothing for a bucket. */
  init(): Promise<void>;
  /** The key of a new folder under `parent`, named `<prefix><six random letters and digits>`, unique. */
  createFolder(parent: string, prefix: string): Promise<string>;
  /** Moves a local file in under `key`: once this resolves the local file is gone. */
  keep(file: string, key: string, contentType: string): Promise<void>;
  /** Null when there is no such file. */
  stat(key: string): Promise<StoredFile | null>;
  /**
   * A path on this machine with the file's bytes: on local disk the kept file itself; from a bucket a copy
   * downloaded into `into`, or, without `into`, its `s3://bucket/key` name, which says where it is but cannot be read.
   */
  localFile(key: string, into?: string): Promise<string>;
  remove(key: string): Promise<void>;
  /** Removes a folder with everything in it; nothing when it does not exist. */
  removeFolder(folder: string): Promise<void>;
  /** The folders exactly `depth` levels below `folder` (in a bucket: those holding at least one file). */
  folders(folder: string, depth: number): Promise<string[]>;
  /** When anything in a folder last changed (local: the directory's mtime; bucket: its newest file); null when it is gone. */
  folderModifiedAt(folder: string): Promise<Date | null>;
  /** Answers a GET or HEAD of the file with Range, ETag, 304 and 416 semantics (or a redirect where the store serves it). */
  send(res: Response, file: SendableFile): Promise<void>;
  /** Resolves when the store can be written (local) or reached (bucket); rejects with the reason otherwise. */
  check(): Promise<void>;
}
