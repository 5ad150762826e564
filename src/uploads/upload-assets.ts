import { Injectable, Logger } from '@nestjs/common';
import { join } from 'node:path';
import { StorageService } from '../files/storage.service';
import type { VideoAssets } from '../pipeline/video-pipeline';
import { STORED_EXTENSIONS } from './media-processing';
import { UploadKind } from './media-sniff';
import { DOCUMENT_EXTENSIONS } from './text-document';
import { MAX_RAG_DOCUMENTS } from './upload-limits';
import { Upload, UploadStore } from './upload.store';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** The only shape a kept file's key may have (relative to the store's root). */
const STORED_PATH = new RegExp(`^uploads/[0-9a-f]{64}/[0-9a-f-]{36}\\.(${[...STORED_EXTENSIONS, ...DOCUMENT_EXTENSIONS].join('|')})$`);

/** Upload ids are UUIDs: anything else names no upload (and never reaches Redis). */
export const isUploadId = (id: string) => UUID.test(id);

/** An upload a job's custom_config names, and where. */
export interface WantedAsset {
  field: string;
  fileId: string;
  kind: UploadKind;
}

/**
 * What a job's uploads resolve to. `missing`: named uploads that are gone, another user's, or not ids at all;
 * `wrongKind`: uploads that exist but are not the kind their field needs.
 */
export type AssetResolution = { ok: true; assets: VideoAssets } | { ok: false; missing: WantedAsset[]; wrongKind: WantedAsset[] };

/**
 * The storage-level answer to "which files does this job use": the uploads its custom_config names
 * (`scenes[].image_file_id`, `background_audio_file_id`) and, with use_rag, its documents (the `document_ids`
 * when given, else the user's newest MAX_RAG_DOCUMENTS), as files on this machine for the pipeline: kept files
 * on local disk are used where they are; from a bucket they are downloaded into the work directory `into`
 * (without it, as for the API's check at submission, they are only named; see FileStore.localFile). It says what
 * is missing rather than throwing, so that the HTTP side (404/422) and the worker (ASSET_MISSING) each answer in
 * their own terms. Values of other JSON types are left to the pipeline's own custom_config check.
 */
@Injectable()
export class UploadAssets {
  private readonly logger = new Logger(UploadAssets.name);

  constructor(
    private readonly store: UploadStore,
    private readonly storage: StorageService,
  ) {}

  async resolve(userId: string, customConfig: Record<string, unknown>, useRag: boolean, into?: string): Promise<AssetResolution> {
    const wanted = assetsNamedIn(customConfig, useRag);
    const assets: VideoAssets = { images: {} };
    const fetchInto = into === undefined ? undefined : join(into, 'uploads');
    if (useRag) assets.documents = Array.isArray(customConfig.document_ids) ? [] : await this.newestDocuments(userId, fetchInto);
    if (wanted.length === 0) return { ok: true, assets };

    const ids = [...new Set(wanted.map((w) => w.fileId))].filter(isUploadId);
    const owned = (await this.store.getMany(ids)).filter((upload): upload is Upload => upload?.userId === userId);
    const found = new Map((await this.withFiles(owned)).map((upload) => [upload.fileId, upload]));

    const missing = wanted.filter((w) => !found.has(w.fileId));
    const wrongKind = wanted.filter((w) => found.has(w.fileId) && found.get(w.fileId)?.kind !== w.kind);
    if (missing.length > 0 || wrongKind.length > 0) return { ok: false, missing, wrongKind };

    const files = new Map<string, string>();
    for (const upload of new Set(found.values())) files.set(upload.fileId, await this.fileOf(upload, fetchInto));
    for (const w of wanted) {
      const upload = found.get(w.fileId) as Upload;
      const file = files.get(w.fileId) as string;
      if (w.kind === 'image') assets.images[w.fileId] = file;
      else if (w.kind === 'audio') assets.backgroundAudio = file;
      else if (!assets.documents?.some((d) => d.fileId === w.fileId)) assets.documents?.push(documentAsset(upload, file));
    }
    return { ok: true, assets };
  }

  /** The store key of a kept file; keys come from our own records, and anything else must never reach the store. */
  storedKey(path: string): string {
    if (!STORED_PATH.test(path)) throw new Error(`refusing upload path ${JSON.stringify(path)}`);
    return path;
  }

  /** use_rag without document_ids: every document of the user's, newest first, up to the cap. */
  private async newestDocuments(userId: string, fetchInto?: string): Promise<NonNullable<VideoAssets['documents']>> {
    const { uploads } = await this.store.list(userId, 'document', 0, MAX_RAG_DOCUMENTS);
    const documents: NonNullable<VideoAssets['documents']> = [];
    for (const upload of await this.withFiles(uploads)) documents.push(documentAsset(upload, await this.fileOf(upload, fetchInto)));
    return documents;
  }

  private fileOf(upload: Upload, fetchInto?: string): Promise<string> {
    return this.storage.localFile(this.storedKey(upload.path), fetchInto);
  }

  /** The uploads whose file is there: a record without its file would only fail later, inside a render. */
  private async withFiles(uploads: Upload[]): Promise<Upload[]> {
    const present = await Promise.all(uploads.map((upload) => this.storage.fileExists(this.storedKey(upload.path))));
    return uploads.filter((upload, i) => {
      if (!present[i]) this.logger.warn({ fileId: upload.fileId }, 'upload recorded but its file is missing');
      return present[i];
    });
  }
}

function assetsNamedIn(customConfig: Record<string, unknown>, useRag: boolean): WantedAsset[] {
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
  // Documents only ground a plan with use_rag; without it their ids are not looked at.
  const documents = customConfig.document_ids;
  if (useRag && Array.isArray(documents)) {
    documents.forEach((id: unknown, i) => {
      if (typeof id === 'string') wanted.push({ field: `custom_config.document_ids[${i}]`, fileId: id, kind: 'document' });
    });
  }
  return wanted;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function documentAsset(upload: Upload, file: string): NonNullable<VideoAssets['documents']>[number] {
  return { fileId: upload.fileId, name: upload.name, file };
}
