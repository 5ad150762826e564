import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AuthUser } from '../auth/auth-user';
import { AppException, notFound } from '../common/error-codes';
import { Page, offsetOf, toPage } from '../common/pagination';
import { validationException } from '../common/validation';
import { AppConfig } from '../config/app-config';
import { StorageService } from '../files/storage.service';
import type { VideoAssets } from '../pipeline/video-pipeline';
import { ListUploadsQuery, toUploadDto, UploadDto } from './dto/upload.dto';
import { DecodeSlots } from './decode-slots';
import { fileProblem, ProcessedMedia, processUpload, refuseOversizedImage, storedFormatOf } from './media-processing';
import { MEDIA_CONTENT_TYPES, sniffMediaType, UploadKind } from './media-sniff';
import { DOCUMENT_CONTENT_TYPES, sniffTextDocument } from './text-document';
import { isUploadId, UploadAssets } from './upload-assets';
import { MAX_BYTES_BY_KIND, USER_UPLOAD_QUOTA } from './upload-limits';
import { Upload, UploadStore } from './upload.store';

/** What the route hands over from multer (memory storage). */
export interface ReceivedFile {
  buffer: Buffer;
  size: number;
  /** The client's file name (multer decodes it as UTF-8, see the controller). */
  originalname: string;
}

/** Decoding, re-encoding and probing one upload, all together. */
const PROCESSING_BUDGET_MS = 60_000;
/** Leftovers of a process that died mid-upload; anything younger may belong to an upload in progress. */
const STALE_TMP_MS = 60 * 60_000;
/** Longest kept file name, in characters. */
const MAX_NAME_CHARS = 200;
const ACCEPTED_TYPES = [...MEDIA_CONTENT_TYPES, ...DOCUMENT_CONTENT_TYPES];

/** What is recorded of a kept file besides its place. */
type KeptFile = ProcessedMedia & Pick<Upload, 'characters'>;

/** What an upload was recognised as (media that ffmpeg re-encodes, or a text document kept as text), and how to keep it. */
interface Recognised {
  kind: UploadKind;
  /** The media type of what was uploaded. */
  uploadedType: string;
  /** Extension and media type of the kept file. */
  ext: string;
  contentType: string;
  /** Nothing worth keeping: a document of white space alone. */
  blank: boolean;
  /** Writes the kept form to `outFile` and measures it. */
  keep(outFile: string): Promise<KeptFile>;
}

const KIND_ARTICLES: Record<UploadKind, string> = { image: 'an image', audio: 'an audio', document: 'a document' };

/**
 * Users' image, audio and document assets: sniffed, normalised (media by ffmpeg, text by text-document), kept in
 * storage (StorageService: STORAGE_DIR or the bucket) as `uploads/<sha256 of the user id>/<file id>.<ext>` and
 * indexed in Redis by UploadStore.
 */
@Injectable()
export class UploadsService implements OnModuleInit {
  private readonly logger = new Logger(UploadsService.name);
  private readonly tmpDir: string;

  constructor(
    private readonly store: UploadStore,
    private readonly assets: UploadAssets,
    private readonly decodeSlots: DecodeSlots,
    private readonly storage: StorageService,
    config: AppConfig,
  ) {
    // Under STORAGE_DIR: the same file system as locally kept files, so keeping one there is a rename.
    this.tmpDir = join(config.storageDir, 'tmp', 'uploads');
  }

  async onModuleInit(): Promise<void> {
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
    const name = cleanFileName(file.originalname);
    const recognised = recognise(file.buffer, name, this.decodeSlots);
    const maxBytes = MAX_BYTES_BY_KIND[recognised.kind];
    if (file.size > maxBytes) {
      throw new AppException('PAYLOAD_TOO_LARGE', `${recognised.uploadedType} uploads may be at most ${maxBytes} bytes; this one has ${file.size}`, {
        max_bytes: maxBytes,
        size: file.size,
      });
    }
    if (recognised.blank) throw fileProblem('a document must contain some text');
    // Checked again atomically when the upload is recorded; this spares the processing when already over.
    const usage = await this.store.usage(user.userId);
    if (usage.files >= USER_UPLOAD_QUOTA.maxFiles) throw quotaExceeded('files');
    if (usage.bytes + file.size > USER_UPLOAD_QUOTA.maxBytes) throw quotaExceeded('bytes');

    const fileId = randomUUID();
    const { kind, ext, contentType } = recognised;
    const tmpFile = join(this.tmpDir, `${fileId}.${ext}`);
    try {
      const kept = await recognised.keep(tmpFile);
      const path = `uploads/${userDirName(user.userId)}/${fileId}.${ext}`;
      const key = this.assets.storedKey(path);
      await this.storage.keepFile(tmpFile, key, contentType);
      const upload: Upload = {
        fileId,
        userId: user.userId,
        kind,
        name: name || `upload.${ext}`,
        contentType,
        ...kept,
        path,
        createdAt: new Date().toISOString(),
      };
      const outcome = await this.store.create(upload, USER_UPLOAD_QUOTA).catch(async (error: unknown) => {
        await this.storage.removeFile(key);
        throw error;
      });
      if (!outcome.ok) {
        await this.storage.removeFile(key);
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
    const upload = isUploadId(fileId) ? await this.store.get(fileId) : null;
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
    await this.storage.removeFile(this.assets.storedKey(upload.path)).catch((error: unknown) =>
      this.logger.error({ err: error, fileId }, 'upload file could not be removed'),
    );
  }

  /**
   * The uploads a job uses, as files for the pipeline (see UploadAssets; from a bucket only named, not fetched). A named id that is missing or
   * another user's is NOT_FOUND; an upload of the wrong kind is a VALIDATION_ERROR on that field. Fields are named
   * under `fieldPrefix` (`jobs[1].` in a batch).
   */
  async resolveAssets(userId: string, customConfig: Record<string, unknown>, useRag: boolean, fieldPrefix = ''): Promise<VideoAssets> {
    const resolution = await this.assets.resolve(userId, customConfig, useRag);
    if (resolution.ok) return resolution.assets;
    const { missing, wrongKind } = resolution;
    if (missing.length > 0) {
      const first = missing[0];
      throw new AppException('NOT_FOUND', `Upload ${JSON.stringify(first.fileId.slice(0, 100))} not found (${fieldPrefix}${first.field})`, {
        missing: missing.map((m) => ({ field: `${fieldPrefix}${m.field}`, file_id: m.fileId.slice(0, 100) })),
      });
    }
    throw validationException(wrongKind.map((w) => ({ field: `${fieldPrefix}${w.field}`, errors: [`must name ${KIND_ARTICLES[w.kind]} upload`] })));
  }
}

/** User ids are arbitrary strings (`user_…`, `service:name`): their hash is what names a directory. */
function userDirName(userId: string): string {
  return createHash('sha256').update(userId).digest('hex');
}

/** What an upload's bytes are: one of the media formats (by their signature), else a text document, else refused. */
function recognise(bytes: Buffer, name: string, decodeSlots: DecodeSlots): Recognised {
  const type = sniffMediaType(bytes.subarray(0, 16));
  if (type) {
    return {
      kind: type.kind,
      uploadedType: type.contentType,
      ...storedFormatOf(type),
      blank: false,
      keep: async (outFile) => {
        refuseOversizedImage(bytes, type); // from the header alone: no slot, no decoder
        // The budget starts with the decode, not with the wait for a slot.
        const processed = await decodeSlots.run(() => processUpload(bytes, type, outFile, AbortSignal.timeout(PROCESSING_BUDGET_MS)));
        return { ...processed, characters: null };
      },
    };
  }
  const document = sniffTextDocument(bytes, name);
  if (document) {
    const { ext, contentType, text, characters } = document;
    return {
      kind: 'document',
      uploadedType: contentType,
      ext,
      contentType,
      blank: text.trim() === '',
      // Documents need no decoder: the normalised text is what is kept.
      keep: async (outFile) => {
        const kept = Buffer.from(text, 'utf8');
        await writeFile(outFile, kept);
        return { size: kept.length, width: null, height: null, duration: null, characters };
      },
    };
  }
  throw new AppException(
    'UNSUPPORTED_MEDIA_TYPE',
    'Unsupported file type: accepted are PNG, JPEG and WebP images, WAV, MP3 and OGG audio, and UTF-8 text or Markdown documents, recognised by their content',
    { accepted: ACCEPTED_TYPES },
  );
}

/**
 * The client's file name as a label: its last path segment, NFC, without control or format characters
 * (bidirectional overrides could disguise an extension), whitespace collapsed, at most MAX_NAME_CHARS.
 */
function cleanFileName(raw: string): string {
  const base = raw.split(/[\\/]/u).pop() ?? '';
  const clean = base
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .replace(/\s+/gu, ' ')
    .trim();
  return Array.from(clean).slice(0, MAX_NAME_CHARS).join('');
}

function quotaExceeded(what: 'files' | 'bytes'): AppException {
  const { maxFiles, maxBytes } = USER_UPLOAD_QUOTA;
  const limit = what === 'files' ? `${maxFiles} files` : `${maxBytes} bytes`;
  return new AppException('CONFLICT', `Upload quota reached (at most ${limit} per user): delete some uploads first`, {
    quota: { max_files: maxFiles, max_bytes: maxBytes },
  });
}
