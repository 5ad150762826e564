import type { RedisClient } from './redis-client';

/** Runs a Lua script defined on the client: keys first, then arguments (ioredis uses EVALSHA, loading once). */
export type ScriptRunner = (...keysThenArgs: (string | number)[]) => Promise<unknown>;

/**
 * Defines each store's scripts on the shared client under a prefixed command name. Redefining the same name
 * (a second app in one process) replaces it with the same script, which is harmless. `keys` omitted: the caller
 * passes the number of keys first (for a key that only some calls have: an empty name would be a key in slot 0).
 */
export function defineScripts<Name extends string>(
  redis: RedisClient,
  scripts: Record<Name, { command: string; keys?: number; lua: string }>,
): Record<Name, ScriptRunner> {
  const client = redis as unknown as Record<string, ScriptRunner>;
  const runners = {} as Record<Name, ScriptRunner>;
  for (const name of Object.keys(scripts) as Name[]) {
    const { command, keys, lua } = scripts[name];
    redis.defineCommand(command, { numberOfKeys: keys, lua });
    runners[name] = (...args) => client[command](...args);
  }
  return runners;
}

/** Lua: HSET a hash from a table (or a JSON object) of field → value: the stores' way to write whole records. */
export const HSET_FROM_JSON = `
local function hset_table(key, fields)
  local args = {}
  for k, v in pairs(fields) do args[#args + 1] = k; args[#args + 1] = v end
  redis.call('HSET', key, unpack(args))
end
local function hset_json(key, json) hset_table(key, cjson.decode(json)) end
`;
