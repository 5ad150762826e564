import { Injectable, OnModuleInit } from '@nestjs/common';
import { constants as fsConstants } from 'node:fs';
import { access, copyFile, mkdir, mkdtemp, readdir, rename, rm, stat, statfs, unlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { AppConfig } from '../config/app-config';

const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** `<attempt>-<six random characters of mkdtemp>`: an attempt's folder under `jobs/<id>/`. */
const ATTEMPT_DIR = /^\d+-[A-Za-z0-9]{6}$/;
/** `<job id>-<attempt>-<six random characters>`: an attempt's work directory under `work/` (older ones lack the attempt). */
const WORK_DIR = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-(?:\d+-)?[A-Za-z0-9]{6}$/;
/** Jobs looked up per round trip while sweeping. */
const SWEEP_BATCH = 200;
export const VIDEO_FILENAME = 'video.mp4';
export const THUMBNAIL_FILENAME = 'thumbnail.jpg';
export const CAPTIONS_FILENAME = 'captions.vtt';

export interface StoredVideo {
  path: string;
  size: number;
  modifiedAt: Date;
}

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
 * Local-directory storage under STORAGE_DIR. Each render attempt works in `work/<job id>-<attempt>-<random>/`
 * and moves its finished files into a folder of its own, `jobs/<job id>/<attempt>-<random>/`; the attempt that
 * completes the job records that folder (relative to STORAGE_DIR) in the job, and an attempt that loses removes
 * only its own. Jobs completed before attempts had folders keep their files in `jobs/<job id>/` itself.
 * Same file system throughout, so finishing is a rename.
 */
@Injectable()
export class StorageService implements OnModuleInit {
  constructor(private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    await mkdir(join(this.config.storageDir, 'jobs'), { recursive: true });
    await mkdir(join(this.config.storageDir, 'work'), { recursive: true });
  }

  private jobDir(jobId: string): string {
    // Ids come from our own UUIDs; refuse anything else so no path can escape the storage root.
    if (!JOB_ID.test(jobId)) throw new Error(`refusing storage path for job id ${JSON.stringify(jobId)}`);
    return join(this.config.storageDir, 'jobs', jobId);
  }

  /** The folder holding a job's files: the one its completion recorded, or (older jobs) the job's directory. */
  private filesDir(jobId: string, storageDir?: string): string {
    if (storageDir === undefined) return this.jobDir(jobId);
    // A recorded location is data from Redis: only an attempt folder of this very job is accepted.
    const [root, id, name, ...rest] = storageDir.split('/');
    if (root !== 'jobs' || id !== jobId || !ATTEMPT_DIR.test(name ?? '') || rest.length > 0) {
      throw new Error(`refusing storage location ${JSON.stringify(storageDir)} of job ${jobId}`);
    }
    return join(this.jobDir(jobId), name);
  }

  /** A fresh, empty work directory for one render attempt (named so a sweep can tell its job). */
  async createWorkDir(jobId: string, attempt: number): Promise<string> {
    this.jobDir(jobId); // validates the id
    return mkdtemp(join(this.config.storageDir, 'work', `${jobId}-${attemptNumber(attempt)}-`));
  }

  async removeWorkDir(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true });
  }

  /**
   * Moves a finished render's files into a new folder of this attempt's own and returns its location relative
   * to the storage root (what the job records, so STORAGE_DIR may move). Nothing is left behind on failure.
   */
  async keepOutputs(jobId: string, attempt: number, files: { video: string; thumbnail: string; captions?: string }): Promise<string> {
    const jobDir = this.jobDir(jobId);
    await mkdir(jobDir, { recursive: true });
    const dir = await mkdtemp(join(jobDir, `${attemptNumber(attempt)}-`));
    try {
      await moveFile(files.video, join(dir, VIDEO_FILENAME));
      await moveFile(files.thumbnail, join(dir, THUMBNAIL_FILENAME));
      if (files.captions) await moveFile(files.captions, join(dir, CAPTIONS_FILENAME));
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    return `jobs/${jobId}/${basename(dir)}`;
  }

  /** Removes the files one attempt kept (it lost), leaving those of every other attempt. */
  async removeAttemptFiles(jobId: string, storageDir: string): Promise<void> {
    await rm(this.filesDir(jobId, storageDir), { recursive: true, force: true });
  }

  /** Removes everything of a job: every attempt's files and those of jobs completed before attempt folders. */
  async removeJobFiles(jobId: string): Promise<void> {
    await rm(this.jobDir(jobId), { recursive: true, force: true });
  }

  async statVideo(jobId: string, storageDir?: string): Promise<StoredVideo | null> {
    return statFile(join(this.filesDir(jobId, storageDir), VIDEO_FILENAME));
  }

  async statThumbnail(jobId: string, storageDir?: string): Promise<StoredVideo | null> {
    return statFile(join(this.filesDir(jobId, storageDir), THUMBNAIL_FILENAME));
  }

  async statCaptions(jobId: string, storageDir?: string): Promise<StoredVideo | null> {
    return statFile(join(this.filesDir(jobId, storageDir), CAPTIONS_FILENAME));
  }

  /**
   * Removes what dead or stale attempts left behind: work directories of jobs not processing, and attempt
   * folders of terminal jobs other than the one their completion recorded. Other workers may share the storage
   * and be rendering now, so a processing job's work directories stay, and so does anything modified within
   * `minAgeMs` (an attempt between moving its files and completing). Finished files of jobs missing from the
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
        if (await this.removeIfOld(dir.path, minAgeMs)) result.workDirs++;
      }
    }
    const jobIds = (await readdir(join(this.config.storageDir, 'jobs'))).filter((name) => JOB_ID.test(name));
    for (const batch of chunks(jobIds, SWEEP_BATCH)) {
      const folders = (await Promise.all(batch.map((jobId) => this.attemptFolders(jobId)))).flat();
      if (folders.length === 0) continue;
      const jobs = await lookup([...new Set(folders.map((f) => f.jobId))]);
      for (const folder of folders) {
        const job = jobs.get(folder.jobId);
        if (!job?.terminal || job.storageDir === folder.storageDir) continue;
        if (await this.removeIfOld(this.filesDir(folder.jobId, folder.storageDir), minAgeMs)) result.attemptDirs++;
      }
    }
    return result;
  }

  private async attemptFolders(jobId: string): Promise<Array<{ jobId: string; storageDir: string }>> {
    const entries = await readdir(this.jobDir(jobId), { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory() && ATTEMPT_DIR.test(e.name)).map((e) => ({ jobId, storageDir: `jobs/${jobId}/${e.name}` }));
  }

  private async removeIfOld(path: string, minAgeMs: number): Promise<boolean> {
    const modified = await stat(path).then((s) => s.mtimeMs, () => null);
    if (modified === null || Date.now() - modified < minAgeMs) return false;
    await rm(path, { recursive: true, force: true });
    return true;
  }

  /** Storage is usable when a file can be written and removed in its root. */
  async checkWritable(): Promise<void> {
    const probe = join(this.config.storageDir, `.probe-${process.pid}-${Date.now()}`);
    await access(this.config.storageDir, fsConstants.W_OK);
    await writeFile(probe, 'ok');
    await unlink(probe);
  }

  async freeBytes(): Promise<number> {
    const s = await statfs(this.config.storageDir);
    return s.bavail * s.bsize;
  }
}

async function statFile(path: string): Promise<StoredVideo | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? { path, size: s.size, modifiedAt: s.mtime } : null;
  } catch {
    return null;
  }
}

function attemptNumber(attempt: number): number {
  if (!Number.isSafeInteger(attempt) || attempt < 1) throw new Error(`refusing storage path for attempt ${attempt}`);
  return attempt;
}

function chunks<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

async function moveFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await copyFile(from, to);
    await unlink(from);
  }
}
