import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { access, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AuthUser } from '../auth/auth-user';
import { AppException, notFound } from '../common/error-codes';
import { Page, offsetOf, toPage } from '../common/pagination';
import { validationException } from '../common/validation';
import { AppConfig } from '../config/app-config';
import type { VideoAssets } from '../pipeline/video-pipeline';
import { ListUploadsQuery, toUploadDto, UploadDto } from './dto/upload.dto';
import { fileProblem, processUpload, STORED_EXTENSIONS, storedFormatOf } from './media-processing';
import { sniffMediaType, UploadKind } from './media-sniff';
import { MAX_BYTES_BY_KIND, USER_UPLOAD_QUOTA } from './upload-limits';
import { Upload, UploadStore } from './upload.store';

/** What the route hands over from multer (memory storage). */
export interface ReceivedFile {
  buffer: Buffer;
  size: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** The only shape a kept file's path may have (relative to the storage root). */
const STORED_PATH = new RegExp(`^uploads/[0-9a-f]{64}/[0-9a-f-]{36}\\.(${STORED_EXTENSIONS.join('|')})$`);
/** Decoding, re-encoding and probing one upload, all together. */
const PROCESSING_BUDGET_MS = 60_000;
/** Leftovers of a process that died mid-upload; anything younger may belong to an upload in progress. */
const STALE_TMP_MS = 60 * 60_000;

interface WantedAsset {
  field: string;
  fileId: string;
  kind: UploadKind;
}

/**
 * Users' image and audio assets: sniffed, normalised by ffmpeg, kept under
 * `<STORAGE_DIR>/uploads/<sha256 of the user id>/<file id>.<ext>` and indexed in Redis by UploadStore.
 */
@Injectable()
export class UploadsService implements OnModuleInit {
  private readonly logger = new Logger(UploadsService.name);
  private readonly tmpDir: string;

  constructor(
    private readonly store: UploadStore,
    private readonly config: AppConfig,
  ) {
    // Same file system as the kept files, so keeping one is a rename.
    this.tmpDir = join(config.storageDir, 'tmp', 'uploads');
  }

  async onModuleInit(): Promise<void> {
    await mkdir(join(this.config.storageDir, 'uploads'), { recursive: true });
    await mkdir(this.tmpDir, { recursive: true });
    const cutoff = Date.now() - STALE_TMP_MS;
    for (const name of await readdir(this.tmpDir)) {
      const file = join(this.tmpDir, name);
      const info = await stat(file).catch(() => null);
      if (info && info.mtimeMs < cutoff) await rm(file, { force: true });
    }
  }

  async upload(user: AuthUser, file: ReceivedFile | undefined): Promise<UploadDto> {
    if (!file) throw fileProblem('file is required: send it as the multipart field "file"');
    const type = sniffMediaType(file.buffer.subarray(0, 16));
    if (!type) {
      throw new AppException(
        'UNSUPPORTED_MEDIA_TYPE',
        'Unsupported file type: accepted are PNG, JPEG and WebP images and WAV, MP3 and OGG audio, recognised by their content',
        { accepted: ['image/png', 'image/jpeg', 'image/webp', 'audio/wav', 'audio/mpeg', 'audio/ogg'] },
      );
    }
    const maxBytes = MAX_BYTES_BY_KIND[type.kind];
    if (file.size > maxBytes) {
      throw new AppException('PAYLOAD_TOO_LARGE', `${type.contentType} uploads may be at most ${maxBytes} bytes; this one has ${file.size}`, {
        max_bytes: maxBytes,
        size: file.size,
      });
    }
    // Checked again atomically when the upload is recorded; this spares the processing when already over.
    const usage = await this.store.usage(user.userId);
    if (usage.files >= USER_UPLOAD_QUOTA.maxFiles) throw quotaExceeded('files');
    if (usage.bytes + file.size > USER_UPLOAD_QUOTA.maxBytes) throw quotaExceeded('bytes');

    const fileId = randomUUID();
    const { ext, contentType } = storedFormatOf(type);
    const tmpFile = join(this.tmpDir, `${fileId}.${ext}`);
    try {
      const media = await processUpload(file.buffer, type, tmpFile, AbortSignal.timeout(PROCESSING_BUDGET_MS));
      const path = `uploads/${userDirName(user.userId)}/${fileId}.${ext}`;
      const absolute = this.absolutePath(path);
      await mkdir(dirname(absolute), { recursive: true });
      await rename(tmpFile, absolute);
      const upload: Upload = { fileId, userId: user.userId, kind: type.kind, contentType, ...media, path, createdAt: new Date().toISOString() };
      const outcome = await this.store.create(upload, USER_UPLOAD_QUOTA).catch(async (error: unknown) => {
        await rm(absolute, { force: true });
        throw error;
      });
      if (!outcome.ok) {
        await rm(absolute, { force: true });
        throw quotaExceeded(outcome.exceeded);
      }
      return toUploadDto(upload);
    } finally {
      await rm(tmpFile, { force: true });
    }
  }

  async list(user: AuthUser, query: ListUploadsQuery): Promise<Page<UploadDto>> {
    const { uploads, total } = await this.store.list(user.userId, query.kind, offsetOf(query), query.items_per_page);
    return toPage(uploads.map(toUploadDto), total, query);
  }

  /** The one access check: another user's upload is indistinguishable from a missing one. */
  async requireUpload(userId: string, fileId: string): Promise<Upload> {
    const upload = UUID.test(fileId) ? await this.store.get(fileId) : null;
    if (!upload || upload.userId !== userId) throw notFound('Upload');
    return upload;
  }

  async get(user: AuthUser, fileId: string): Promise<UploadDto> {
    return toUploadDto(await this.requireUpload(user.userId, fileId));
  }

  async remove(user: AuthUser, fileId: string): Promise<void> {
    const upload = await this.requireUpload(user.userId, fileId);
    if (!(await this.store.remove(upload))) throw notFound('Upload');
    // Gone from every read already; a file left behind is logged rather than failing the request.
    await rm(this.absolutePath(upload.path), { force: true }).catch((error: unknown) =>
      this.logger.error({ err: error, fileId }, 'upload file could not be removed'),
    );
  }

  /**
   * The files a request's custom_config names (`scenes[].image_file_id`, `background_audio_file_id`), as
   * absolute paths for the pipeline. An id that is missing or another user's is NOT_FOUND; an upload of the
   * wrong kind is a VALIDATION_ERROR on that field. Values of other JSON types are left to the pipeline's
   * own custom_config check.
   */
  async resolveAssets(userId: string, customConfig: Record<string, unknown>): Promise<VideoAssets> {
    const wanted = assetsNamedIn(customConfig);
    const assets: VideoAssets = { images: {} };
    if (wanted.length === 0) return assets;

    const ids = [...new Set(wanted.map((w) => w.fileId))].filter((id) => UUID.test(id));
    const found = new Map<string, Upload>();
    for (const upload of await this.store.getMany(ids)) {
      if (!upload || upload.userId !== userId) continue;
      // A record without its file would only fail later, inside a render.
      if (await fileExists(this.absolutePath(upload.path))) found.set(upload.fileId, upload);
      else this.logger.warn({ fileId: upload.fileId }, 'upload recorded but its file is missing');
    }

    const missing = wanted.filter((w) => !found.has(w.fileId));
    if (missing.length > 0) {
      const first = missing[0];
      throw new AppException('NOT_FOUND', `Upload ${JSON.stringify(first.fileId.slice(0, 100))} not found (${first.field})`, {
        missing: missing.map((m) => ({ field: m.field, file_id: m.fileId.slice(0, 100) })),
      });
    }
    const wrongKind = wanted.filter((w) => found.get(w.fileId)?.kind !== w.kind);
    if (wrongKind.length > 0) {
      throw validationException(wrongKind.map((w) => ({ field: w.field, errors: [`must name an ${w.kind} upload`] })));
    }

    for (const w of wanted) {
      const path = this.absolutePath((found.get(w.fileId) as Upload).path);
      if (w.kind === 'image') assets.images[w.fileId] = path;
      else assets.backgroundAudio = path;
    }
    return assets;
  }

  private absolutePath(relative: string): string {
    // Paths come from our own records; anything else must never reach the file system.
    if (!STORED_PATH.test(relative)) throw new Error(`refusing upload path ${JSON.stringify(relative)}`);
    return join(this.config.storageDir, relative);
  }
}

/** User ids are arbitrary strings (`user_…`, `service:name`): their hash is what names a directory. */
function userDirName(userId: string): string {
  return createHash('sha256').update(userId).digest('hex');
}

function assetsNamedIn(customConfig: Record<string, unknown>): WantedAsset[] {
  const wanted: WantedAsset[] = [];
  const scenes = customConfig.scenes;
  if (Array.isArray(scenes)) {
    scenes.forEach((scene: unknown, i) => {
      const id = isObject(scene) ? scene.image_file_id : undefined;
      if (typeof id === 'string') wanted.push({ field: `custom_config.scenes[${i}].image_file_id`, fileId: id, kind: 'image' });
    });
  }
  const audio = customConfig.background_audio_file_id;
  if (typeof audio === 'string') wanted.push({ field: 'custom_config.background_audio_file_id', fileId: audio, kind: 'audio' });
  return wanted;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

async function fileExists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function quotaExceeded(what: 'files' | 'bytes'): AppException {
  const { maxFiles, maxBytes } = USER_UPLOAD_QUOTA;
  const limit = what === 'files' ? `${maxFiles} files` : `${maxBytes} bytes`;
  return new AppException('CONFLICT', `Upload quota reached (at most ${limit} per user): delete some uploads first`, {
    quota: { max_files: maxFiles, max_bytes: maxBytes },
  });
}
