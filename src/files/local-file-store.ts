import type { Response } from 'express';
import { constants as fsConstants } from 'node:fs';
import { access, copyFile, mkdir, mkdtemp, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FileStore, SendableFile, StoredFile } from './file-store';
import { sendLocalFile } from './send-file';

/**
 * STORAGE_DRIVER=local: files under STORAGE_DIR, shared by API and workers (a ReadWriteMany volume across hosts).
 * Same file system as the work directories, so keeping a render's output is a rename.
 */
export class LocalFileStore implements FileStore {
  constructor(private readonly root: string) {}

  async init(): Promise<void> {
    await mkdir(join(this.root, 'jobs'), { recursive: true });
    await mkdir(join(this.root, 'uploads'), { recursive: true });
  }

  /** Keys are validated by their owners; this only refuses what could step outside the root whatever its origin. */
  private path(key: string): string {
    if (key.split('/').some((part) => part === '' || part === '.' || part === '..')) throw new Error(`refusing storage key ${JSON.stringify(key)}`);
    return join(this.root, key);
  }

  async createFolder(parent: string, prefix: string): Promise<string> {
    const dir = this.path(parent);
    await mkdir(dir, { recursive: true });
    return `${parent}/${basename(await mkdtemp(join(dir, prefix)))}`;
  }

  async keep(file: string, key: string): Promise<void> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    await moveFile(file, target);
  }

  async stat(key: string): Promise<StoredFile | null> {
    const path = this.path(key);
    try {
      const s = await stat(path);
      return s.isFile() ? { key, path, size: s.size, modifiedAt: s.mtime } : null;
    } catch {
      return null;
    }
  }

  localFile(key: string): Promise<string> {
    return Promise.resolve(this.path(key));
  }

  async remove(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async removeFolder(folder: string): Promise<void> {
    await rm(this.path(folder), { recursive: true, force: true });
  }

  async folders(folder: string, depth: number): Promise<string[]> {
    let level = [folder];
    for (let i = 0; i < depth; i++) {
      // A directory removed while this lists (a job deleted, a sweep elsewhere) simply has nothing in it.
      const children = await Promise.all(level.map((dir) => readdir(this.path(dir), { withFileTypes: true }).catch(() => [])));
      level = children.flatMap((entries, j) => entries.filter((e) => e.isDirectory()).map((e) => `${level[j]}/${e.name}`));
    }
    return level;
  }

  async folderModifiedAt(folder: string): Promise<Date | null> {
    return stat(this.path(folder)).then(
      (s) => s.mtime,
      () => null,
    );
  }

  send(res: Response, file: SendableFile): Promise<void> {
    return sendLocalFile(res, this.path(file.key), file);
  }

  /** A file can be written and removed in the root. */
  async check(): Promise<void> {
    const probe = join(this.root, `.probe-${process.pid}-${Date.now()}`);
    await access(this.root, fsConstants.W_OK);
    await writeFile(probe, 'ok');
    await unlink(probe);
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
