import { Inject, Injectable } from '@nestjs/common';
import { defineScripts, HSET_FROM_JSON, ScriptRunner } from '../redis/lua-scripts';
import type { RedisClient } from '../redis/redis-client';
import { REDIS_CLIENT } from '../redis/redis.module';
import { RedisKeys } from '../redis/redis-keys';
import { UploadKind } from './media-sniff';

export interface Upload {
  fileId: string;
  userId: string;
  kind: UploadKind;
  /** The client's file name, cleaned (documents are cited by it). */
  name: string;
  contentType: string;
  size: number;
  width: number | null;
  height: number | null;
  duration: number | null;
  /** Documents: Unicode characters of the kept text. */
  characters: number | null;
  /** Relative to the storage root. */
  path: string;
  createdAt: string;
}

export interface UploadQuota {
  maxFiles: number;
  maxBytes: number;
}

export type CreateUploadOutcome = { ok: true } | { ok: false; exceeded: 'files' | 'bytes' };

/**
 * Adds the upload only while the user stays within the quota, and counts its bytes, in one step:
 * two uploads racing for the last bytes of a quota cannot both get in.
 * KEYS: upload hash, user index, user kind index, user usage hash.
 * ARGV: file id, created ms, fields (JSON object), size, max files, max bytes.
 */
const CREATE_UPLOAD = `${HSET_FROM_JSON}
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then return {'quota', 'files'} end
local used = tonumber(redis.call('HGET', KEYS[4], 'bytes') or '0')
if used + tonumber(ARGV[4]) > tonumber(ARGV[6]) then return {'quota', 'bytes'} end
hset_json(KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
redis.call('HINCRBY', KEYS[4], 'bytes', ARGV[4])
return {'ok', ''}
`;

/**
 * Removes the upload from every index and gives its bytes back, once: a second, concurrent delete finds
 * the hash gone (or someone else's) and changes nothing.
 * KEYS: upload hash, user index, user kind index, user usage hash. ARGV: file id, user id.
 */
const DELETE_UPLOAD = `
if redis.call('HGET', KEYS[1], 'user_id') ~= ARGV[2] then return 0 end
local size = tonumber(redis.call('HGET', KEYS[1], 'size') or '0')
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HINCRBY', KEYS[4], 'bytes', -size)
return 1
`;


const orNumber = (v: string | undefined) => (v === undefined || v === '' ? null : Number(v));
const orEmpty = (v: number | null) => (v === null ? '' : String(v));

/**
 * The only owner of upload keys: `upload:{id}` (a hash), `user:{uid}:uploads` and
 * `user:{uid}:uploads:{kind}` (sorted sets by creation time, for O(log n + page) listing with or without
 * the kind filter) and `user:{uid}:upload-usage` (bytes kept, for the quota).
 */
@Injectable()
export class UploadStore {
  private readonly createScript: ScriptRunner;
  private readonly deleteScript: ScriptRunner;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {
    const scripts = defineScripts(redis, {
      create: { command: 'vgsCreateUpload', keys: 4, lua: CREATE_UPLOAD },
      remove: { command: 'vgsDeleteUpload', keys: 4, lua: DELETE_UPLOAD },
    });
    this.createScript = scripts.create;
    this.deleteScript = scripts.remove;
  }

  private uploadKey = (id: string) => this.keys.key('upload', id);
  private indexKey = (userId: string, kind?: UploadKind) => this.keys.key('user', userId, 'uploads', ...(kind ? [kind] : []));
  private usageKey = (userId: string) => this.keys.key('user', userId, 'upload-usage');

  private keysOf(upload: Pick<Upload, 'fileId' | 'userId' | 'kind'>): string[] {
    return [this.uploadKey(upload.fileId), this.indexKey(upload.userId), this.indexKey(upload.userId, upload.kind), this.usageKey(upload.userId)];
  }

  async create(upload: Upload, quota: UploadQuota): Promise<CreateUploadOutcome> {
    const fields: Record<string, string> = {
      file_id: upload.fileId,
      user_id: upload.userId,
      kind: upload.kind,
      name: upload.name,
      content_type: upload.contentType,
      size: String(upload.size),
      width: orEmpty(upload.width),
      height: orEmpty(upload.height),
      duration: orEmpty(upload.duration),
      characters: orEmpty(upload.characters),
      path: upload.path,
      created_at: upload.createdAt,
    };
    const [kind, detail] = (await this.createScript(
      ...this.keysOf(upload),
      upload.fileId,
      Date.parse(upload.createdAt),
      JSON.stringify(fields),
      upload.size,
      quota.maxFiles,
      quota.maxBytes,
    )) as [string, string];
    return kind === 'ok' ? { ok: true } : { ok: false, exceeded: detail === 'files' ? 'files' : 'bytes' };
  }

  async get(fileId: string): Promise<Upload | null> {
    return parseUpload(await this.redis.hgetall(this.uploadKey(fileId)));
  }

  async getMany(fileIds: string[]): Promise<Array<Upload | null>> {
    if (fileIds.length === 0) return [];
    const pipe = this.redis.pipeline();
    fileIds.forEach((id) => pipe.hgetall(this.uploadKey(id)));
    const results = (await pipe.exec()) ?? [];
    return results.map(([err, value]) => {
      if (err) throw err;
      return parseUpload(value as Record<string, string>);
    });
  }

  /** Newest first. */
  async list(userId: string, kind: UploadKind | undefined, offset: number, limit: number): Promise<{ uploads: Upload[]; total: number }> {
    const index = this.indexKey(userId, kind);
    const [total, ids] = await Promise.all([this.redis.zcard(index), this.redis.zrevrange(index, offset, offset + limit - 1)]);
    const uploads = (await this.getMany(ids)).filter((u): u is Upload => u !== null);
    return { uploads, total };
  }

  /** Bytes and files the user keeps now. */
  async usage(userId: string): Promise<{ files: number; bytes: number }> {
    const [files, bytes] = await Promise.all([this.redis.zcard(this.indexKey(userId)), this.redis.hget(this.usageKey(userId), 'bytes')]);
    return { files, bytes: Number(bytes ?? 0) };
  }

  /** False when it was already gone (a concurrent delete won). */
  async remove(upload: Upload): Promise<boolean> {
    return (await this.deleteScript(...this.keysOf(upload), upload.fileId, upload.userId)) === 1;
  }
}

function parseUpload(h: Record<string, string>): Upload | null {
  if (!h || !h.file_id) return null;
  return {
    fileId: h.file_id,
    userId: h.user_id,
    kind: h.kind as UploadKind,
    // Uploads recorded before names were kept go by their stored file's name.
    name: h.name ?? h.path.slice(h.path.lastIndexOf('/') + 1),
    contentType: h.content_type,
    size: Number(h.size),
    width: orNumber(h.width),
    height: orNumber(h.height),
    duration: orNumber(h.duration),
    characters: orNumber(h.characters),
    path: h.path,
    createdAt: h.created_at,
  };
}
