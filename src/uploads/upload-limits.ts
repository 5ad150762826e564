import { UploadKind } from './media-sniff';

const MiB = 1024 * 1024;

/** Largest upload per kind, in bytes as received. */
export const MAX_BYTES_BY_KIND: Record<UploadKind, number> = { image: 10 * MiB, audio: 20 * MiB, document: 2 * MiB };

/** What multer accepts before the type is known: the largest kind's limit. */
export const MAX_UPLOAD_BYTES = Math.max(...Object.values(MAX_BYTES_BY_KIND));

/** Per-user quota (kept files and their bytes), so that one caller cannot fill the disk. */
export const USER_UPLOAD_QUOTA = { maxFiles: 500, maxBytes: 2048 * MiB };

/** use_rag without document_ids grounds the plan in the caller's newest documents, this many at most. */
export const MAX_RAG_DOCUMENTS = 50;
