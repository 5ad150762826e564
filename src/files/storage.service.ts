import { Injectable, OnModuleInit } from '@nestjs/common';
import { constants as fsConstants } from 'node:fs';
import { access, copyFile, mkdir, mkdtemp, rename, rm, stat, statfs, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppConfig } from '../config/app-config';

const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const VIDEO_FILENAME = 'video.mp4';
export const THUMBNAIL_FILENAME = 'thumbnail.jpg';
export const CAPTIONS_FILENAME = 'captions.vtt';

export interface StoredVideo {
  path: string;
  size: number;
  modifiedAt: Date;
}

/**
 * Local-directory storage: `<STORAGE_DIR>/jobs/<job id>/` holds a job's finished files and
 * `<STORAGE_DIR>/work/` the renders in progress (same file system, so finishing is a rename).
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

  videoPath(jobId: string): string {
    return join(this.jobDir(jobId), VIDEO_FILENAME);
  }

  thumbnailPath(jobId: string): string {
    return join(this.jobDir(jobId), THUMBNAIL_FILENAME);
  }

  /** A fresh, empty work directory for one render attempt. */
  createWorkDir(jobId: string): Promise<string> {
    this.jobDir(jobId); // validates the id
    return mkdtemp(join(this.config.storageDir, 'work', `${jobId}-`));
  }

  async removeWorkDir(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true });
  }

  captionsPath(jobId: string): string {
    return join(this.jobDir(jobId), CAPTIONS_FILENAME);
  }

  /** Moves a finished render's files into the job's storage directory. */
  async keepOutputs(jobId: string, files: { video: string; thumbnail: string; captions?: string }): Promise<void> {
    await mkdir(this.jobDir(jobId), { recursive: true });
    await moveFile(files.video, this.videoPath(jobId));
    await moveFile(files.thumbnail, this.thumbnailPath(jobId));
    if (files.captions) await moveFile(files.captions, this.captionsPath(jobId));
  }

  async removeJobFiles(jobId: string): Promise<void> {
    await rm(this.jobDir(jobId), { recursive: true, force: true });
  }

  async statVideo(jobId: string): Promise<StoredVideo | null> {
    return statFile(this.videoPath(jobId));
  }

  async statThumbnail(jobId: string): Promise<StoredVideo | null> {
    return statFile(this.thumbnailPath(jobId));
  }

  async statCaptions(jobId: string): Promise<StoredVideo | null> {
    return statFile(this.captionsPath(jobId));
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

async function moveFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await copyFile(from, to);
    await unlink(from);
  }
}
