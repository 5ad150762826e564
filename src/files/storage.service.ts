import { Injectable, OnModuleInit } from '@nestjs/common';
import type { Response } from 'express';
import { mkdir, mkdtemp, readdir, rm, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { AppConfig } from '../config/app-config';
import { FileStore, SendableFile, StoredFile } from './file-store';
import { LocalFileStore } from './local-file-store';
import { S3FileStore } from './s3-file-store';

const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** `<attempt>-<six random letters and digits>`: an attempt's folder under `jobs/<id>/`. */
const ATTEMPT_DIR = /^\d+-[A-Za-z0-9]{6}$/;
/** `<job id>-<attempt>-<six random characters>`: an attempt's work directory under `work/` (older ones lack the attempt). */
const WORK_DIR = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-(?:\d+-)?[A-Za-z0-9]{6}$/;
/** Jobs looked up per round trip while sweeping. */
const SWEEP_BATCH = 200;
export const VIDEO_FILENAME = 'video.mp4';
export const THUMBNAIL_FILENAME = 'thumbnail.jpg';
export const CAPTIONS_FILENAME = 'captions.vtt';

const CONTENT_TYPES = { video: 'video/mp4', thumbnail: 'image/jpeg', captions: 'text/vtt; charset=utf-8' };

/** What the sweep must know of a job that still exists. */
export interface SweepJob {
  /** Some attempt of it may be rendering right now. */
  processing: boolean;
  /** Completed, failed or cancelled: no attempt can win any more. */
  terminal: boolean;
  /** The folder its completion recorded, if any. */
  storageDir?: string;
}

export interface SweepResult {
  workDirs: number;
  attemptDirs: number;
}

/**
 * Where jobs' files are kept, on whichever FileStore STORAGE_DRIVER names (a directory under STORAGE_DIR, or a
 * bucket). Renders always work on local scratch: each attempt in `work/<job id>-<attempt>-<random>/` under
 * STORAGE_DIR, from where its finished files go into a folder of its own, `jobs/<job id>/<attempt>-<random>/`;
 * the attempt that completes the job records that folder (relative to the store's root) in the job, and an
 * attempt that loses removes only its own. Jobs completed before attempts had folders keep their files in
 * `jobs/<job id>/` itself. Uploads are kept by key (`uploads/…`, see UploadsService) in the same store.
 */
@Injectable()
export class StorageService implements OnModuleInit {
  private readonly files: FileStore;

  constructor(private readonly config: AppConfig) {
    this.files = config.s3 ? new S3FileStore(config.s3) : new LocalFileStore(config.storageDir);
  }

  async onModuleInit(): Promise<void> {
    await this.files.init();
    await mkdir(join(this.config.storageDir, 'work'), { recursive: true });
  }

  private jobFolder(jobId: string): string {
    // Ids come from our own UUIDs; refuse anything else so no key can escape the job.
    if (!JOB_ID.test(jobId)) throw new Error(`refusing storage path for job id ${JSON.stringify(jobId)}`);
    return `jobs/${jobId}`;
  }

  /** The folder holding a job's files: the one its completion recorded, or (older jobs) the job's own. */
  private filesFolder(jobId: string, storageDir?: string): string {
    const jobFolder = this.jobFolder(jobId);
    if (storageDir === undefined) return jobFolder;
    // A recorded location is data from Redis: only an attempt folder of this very job is accepted.
    const [root, id, name, ...rest] = storageDir.split('/');
    if (root !== 'jobs' || id !== jobId || !ATTEMPT_DIR.test(name ?? '') || rest.length > 0) {
      throw new Error(`refusing storage location ${JSON.stringify(storageDir)} of job ${jobId}`);
    }
    return `${jobFolder}/${name}`;
  }

  /** A fresh, empty local work directory for one render attempt (named so a sweep can tell its job). */
  async createWorkDir(jobId: string, attempt: number): Promise<string> {
    this.jobFolder(jobId); // validates the id
    return mkdtemp(join(this.config.storageDir, 'work', `${jobId}-${attemptNumber(attempt)}-`));
  }

  async removeWorkDir(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true });
  }

  /**
   * Moves a finished render's files into a new folder of this attempt's own and returns its location relative
   * to the store's root (what the job records, so STORAGE_DIR may move). Nothing is left behind on failure.
   */
  async keepOutputs(jobId: string, attempt: number, files: { video: string; thumbnail: string; captions?: string }): Promise<string> {
    const folder = await this.files.createFolder(this.jobFolder(jobId), `${attemptNumber(attempt)}-`);
    try {
      await this.files.keep(files.video, `${folder}/${VIDEO_FILENAME}`, CONTENT_TYPES.video);
      await this.files.keep(files.thumbnail, `${folder}/${THUMBNAIL_FILENAME}`, CONTENT_TYPES.thumbnail);
      if (files.captions) await this.files.keep(files.captions, `${folder}/${CAPTIONS_FILENAME}`, CONTENT_TYPES.captions);
    } catch (err) {
      await this.files.removeFolder(folder);
      throw err;
    }
    return folder;
  }

  /** Removes the files one attempt kept (it lost), leaving those of every other attempt. */
  async removeAttemptFiles(jobId: string, storageDir: string): Promise<void> {
    await this.files.removeFolder(this.filesFolder(jobId, storageDir));
  }

  /** Removes everything of a job: every attempt's files and those of jobs completed before attempt folders. */
  async removeJobFiles(jobId: string): Promise<void> {
    await this.files.removeFolder(this.jobFolder(jobId));
  }

  async statVideo(jobId: string, storageDir?: string): Promise<StoredFile | null> {
    return this.files.stat(`${this.filesFolder(jobId, storageDir)}/${VIDEO_FILENAME}`);
  }

  async statThumbnail(jobId: string, storageDir?: string): Promise<StoredFile | null> {
    return this.files.stat(`${this.filesFolder(jobId, storageDir)}/${THUMBNAIL_FILENAME}`);
  }

  async statCaptions(jobId: string, storageDir?: string): Promise<StoredFile | null> {
    return this.files.stat(`${this.filesFolder(jobId, storageDir)}/${CAPTIONS_FILENAME}`);
  }

  /** Answers a download of a stored file (Range, ETag, 304, 416; with DOWNLOAD_MODE=redirect a 302 to the bucket). */
  send(res: Response, file: SendableFile): Promise<void> {
    return this.files.send(res, file);
  }

  /** Moves a local file into the store under `key` (a validated upload key). */
  keepFile(file: string, key: string, contentType: string): Promise<void> {
    return this.files.keep(file, key, contentType);
  }

  async fileExists(key: string): Promise<boolean> {
    return (await this.files.stat(key)) !== null;
  }

  /** See FileStore.localFile: the kept file itself on local disk, a copy fetched into `into` from a bucket. */
  localFile(key: string, into?: string): Promise<string> {
    return this.files.localFile(key, into);
  }

  async removeFile(key: string): Promise<void> {
    await this.files.remove(key);
  }

  /**
   * Removes what dead or stale attempts left behind: work directories of jobs not processing, and attempt
   * folders of terminal jobs other than the one their completion recorded. Other workers may share the storage
   * and be rendering now, so a processing job's work directories stay, and so does anything modified within
   * `minAgeMs` (an attempt between keeping its files and completing). Finished files of jobs missing from the
   * store are left to the delete path: a worker pointed at the wrong Redis must not wipe every video.
   */
  async sweep(lookup: (jobIds: string[]) => Promise<Map<string, SweepJob>>, minAgeMs: number): Promise<SweepResult> {
    const result: SweepResult = { workDirs: 0, attemptDirs: 0 };
    const work = join(this.config.storageDir, 'work');
    const workDirs = (await readdir(work)).flatMap((name) => {
      const match = WORK_DIR.exec(name);
      return match ? [{ jobId: match[1], path: join(work, name) }] : [];
    });
    for (const batch of chunks(workDirs, SWEEP_BATCH)) {
      const jobs = await lookup([...new Set(batch.map((d) => d.jobId))]);
      for (const dir of batch) {
        if (jobs.get(dir.jobId)?.processing) continue;
        const modified = await stat(dir.path).then((s) => s.mtime, () => null);
        if (isOld(modified, minAgeMs)) {
          await rm(dir.path, { recursive: true, force: true });
          result.workDirs++;
        }
      }
    }
    const folders = (await this.files.folders('jobs', 2)).flatMap((storageDir) => {
      const [, jobId, name] = storageDir.split('/');
      return JOB_ID.test(jobId) && ATTEMPT_DIR.test(name) ? [{ jobId, storageDir }] : [];
    });
    for (const jobIds of chunks([...new Set(folders.map((f) => f.jobId))], SWEEP_BATCH)) {
      const jobs = await lookup(jobIds);
      const batch = new Set(jobIds);
      for (const folder of folders.filter((f) => batch.has(f.jobId))) {
        const job = jobs.get(folder.jobId);
        if (!job?.terminal || job.storageDir === folder.storageDir) continue;
        if (isOld(await this.files.folderModifiedAt(folder.storageDir), minAgeMs)) {
          await this.files.removeFolder(folder.storageDir);
          result.attemptDirs++;
        }
      }
    }
    return result;
  }

  /** Storage is usable when its root can be written (local) or its bucket reached (s3). */
  async checkWritable(): Promise<void> {
    await this.files.check();
  }

  /** Free space where renders work (STORAGE_DIR: the whole store with the local driver, scratch with s3). */
  async freeBytes(): Promise<number> {
    const s = await statfs(this.config.storageDir);
    return s.bavail * s.bsize;
  }
}

function isOld(modified: Date | null, minAgeMs: number): boolean {
  return modified !== null && Date.now() - modified.getTime() >= minAgeMs;
}

function attemptNumber(attempt: number): number {
  if (!Number.isSafeInteger(attempt) || attempt < 1) throw new Error(`refusing storage path for attempt ${attempt}`);
  return attempt;
}

function chunks<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}
