import { Inject, Injectable } from '@nestjs/common';
import type { Quality } from '../pipeline/video-pipeline';
import { defineScripts, HSET_FROM_JSON, ScriptRunner } from '../redis/lua-scripts';
import type { RedisClient } from '../redis/redis-client';
import { REDIS_CLIENT } from '../redis/redis.module';
import { RedisKeys } from '../redis/redis-keys';

/** The request settings a saved configuration applies (fields of the request win over them). */
export interface ConfigurationSettings {
  model?: string;
  quality?: Quality;
  use_rag?: boolean;
  custom_config?: Record<string, unknown>;
}

export interface SavedConfiguration {
  id: string;
  userId: string;
  name: string;
  settings: ConfigurationSettings;
  createdAt: string;
  updatedAt: string;
}

export type CreateOutcome = 'ok' | 'conflict' | 'full';
export type ReplaceOutcome = 'ok' | 'conflict' | 'missing';

/**
 * Claims the name (HSETNX on the user's name index) and writes the configuration in one step, so two
 * creations racing with the same name cannot both succeed.
 * KEYS: configuration hash, user index, user name index.
 * ARGV: id, name key, created ms, fields (JSON object), max configurations per user.
 */
const CREATE = `${HSET_FROM_JSON}
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then return 'full' end
if redis.call('HSETNX', KEYS[3], ARGV[2], ARGV[1]) == 0 then return 'conflict' end
hset_json(KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 'ok'
`;

/**
 * Replaces name and settings of the user's configuration, moving its name claim when the name changes.
 * KEYS: configuration hash, user name index. ARGV: id, user id, new name key, fields (JSON object).
 */
const REPLACE = `${HSET_FROM_JSON}
if redis.call('HGET', KEYS[1], 'user_id') ~= ARGV[2] then return 'missing' end
local old = redis.call('HGET', KEYS[1], 'name_key')
if old ~= ARGV[3] then
  local holder = redis.call('HGET', KEYS[2], ARGV[3])
  if holder and holder ~= ARGV[1] then return 'conflict' end
  redis.call('HSET', KEYS[2], ARGV[3], ARGV[1])
  if old and redis.call('HGET', KEYS[2], old) == ARGV[1] then redis.call('HDEL', KEYS[2], old) end
end
hset_json(KEYS[1], ARGV[4])
return 'ok'
`;

/**
 * Removes the user's configuration and releases its name.
 * KEYS: configuration hash, user index, user name index. ARGV: id, user id.
 */
const DELETE = `
if redis.call('HGET', KEYS[1], 'user_id') ~= ARGV[2] then return 0 end
local nameKey = redis.call('HGET', KEYS[1], 'name_key')
if nameKey and redis.call('HGET', KEYS[3], nameKey) == ARGV[1] then redis.call('HDEL', KEYS[3], nameKey) end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`;


/** Names are unique per user ignoring case ("Lesson" and "lesson" would be confusing side by side). */
export const nameKeyOf = (name: string) => name.normalize('NFC').toLowerCase();

/**
 * The only owner of saved-configuration keys: `configuration:{id}` (a hash), `user:{uid}:configurations`
 * (sorted set by creation time) and `user:{uid}:configuration-names` (name key → id, for uniqueness).
 */
@Injectable()
export class ConfigurationStore {
  private readonly scripts: Record<'create' | 'replace' | 'remove', ScriptRunner>;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {
    this.scripts = defineScripts(redis, {
      create: { command: 'vgsCreateConfiguration', keys: 3, lua: CREATE },
      replace: { command: 'vgsReplaceConfiguration', keys: 2, lua: REPLACE },
      remove: { command: 'vgsDeleteConfiguration', keys: 3, lua: DELETE },
    });
  }

  private configKey = (id: string) => this.keys.key('configuration', id);
  private indexKey = (userId: string) => this.keys.key('user', userId, 'configurations');
  private namesKey = (userId: string) => this.keys.key('user', userId, 'configuration-names');

  async create(c: SavedConfiguration, maxPerUser: number): Promise<CreateOutcome> {
    const fields = {
      id: c.id,
      user_id: c.userId,
      name: c.name,
      name_key: nameKeyOf(c.name),
      settings: JSON.stringify(c.settings),
      created_at: c.createdAt,
      updated_at: c.updatedAt,
    };
    return (await this.scripts.create(
      this.configKey(c.id),
      this.indexKey(c.userId),
      this.namesKey(c.userId),
      c.id,
      fields.name_key,
      Date.parse(c.createdAt),
      JSON.stringify(fields),
      maxPerUser,
    )) as CreateOutcome;
  }

  async replace(c: SavedConfiguration): Promise<ReplaceOutcome> {
    const fields = { name: c.name, name_key: nameKeyOf(c.name), settings: JSON.stringify(c.settings), updated_at: c.updatedAt };
    return (await this.scripts.replace(
      this.configKey(c.id),
      this.namesKey(c.userId),
      c.id,
      c.userId,
      fields.name_key,
      JSON.stringify(fields),
    )) as ReplaceOutcome;
  }

  /** False when it was already gone (or is not the user's). */
  async remove(id: string, userId: string): Promise<boolean> {
    return (await this.scripts.remove(this.configKey(id), this.indexKey(userId), this.namesKey(userId), id, userId)) === 1;
  }

  async get(id: string): Promise<SavedConfiguration | null> {
    return parseConfiguration(await this.redis.hgetall(this.configKey(id)));
  }

  /** Newest first. */
  async list(userId: string, offset: number, limit: number): Promise<{ configurations: SavedConfiguration[]; total: number }> {
    const index = this.indexKey(userId);
    const [total, ids] = await Promise.all([this.redis.zcard(index), this.redis.zrevrange(index, offset, offset + limit - 1)]);
    if (ids.length === 0) return { configurations: [], total };
    const pipe = this.redis.pipeline();
    ids.forEach((id) => pipe.hgetall(this.configKey(id)));
    const configurations = ((await pipe.exec()) ?? [])
      .map(([err, value]) => {
        if (err) throw err;
        return parseConfiguration(value as Record<string, string>);
      })
      .filter((c): c is SavedConfiguration => c !== null);
    return { configurations, total };
  }
}

function parseConfiguration(h: Record<string, string>): SavedConfiguration | null {
  if (!h || !h.id) return null;
  return {
    id: h.id,
    userId: h.user_id,
    name: h.name,
    settings: JSON.parse(h.settings) as ConfigurationSettings,
    createdAt: h.created_at,
    updatedAt: h.updated_at,
  };
}
