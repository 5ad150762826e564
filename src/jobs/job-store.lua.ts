/**
 * Lua scripts of the job store. Each runs atomically in Redis, so a cancel racing a completion ends in
 * exactly one terminal state and the per-user / per-status indexes never disagree with the job hash.
 * Every change also appends the job's public view to its event stream and publishes it on the events
 * channel in the same step, so listeners see changes exactly in the order they happened.
 * Key names are built from the prefix passed in ARGV[1] (single-node Redis; see README for Cluster).
 */

import { HSET_FROM_JSON } from '../redis/lua-scripts';

/** Emits a job's current view: XADD to <job>:events (capped) and PUBLISH on <prefix>:events:jobs. */
const EMIT = `
local function nullable(v) if v == false or v == nil or v == '' then return cjson.null end return v end
local function emit(prefix, jobKey, id)
  local f = redis.call('HMGET', jobKey, 'user_id', 'status', 'progress', 'current_stage', 'error_message', 'updated_at', 'batch_id')
  local view = {
    job_id = id, status = f[2], progress = tonumber(f[3]) or 0, current_stage = nullable(f[4]),
    error_message = nullable(f[5]), updated_at = f[6], batch_id = nullable(f[7])
  }
  local data = cjson.encode(view)
  local eventId = redis.call('XADD', jobKey .. ':events', 'MAXLEN', '~', '500', '*', 'data', data)
  redis.call('PUBLISH', prefix .. ':events:jobs', cjson.encode({ event_id = eventId, user_id = f[1], job = view }))
end
`;

/** Adds (sign 1) or removes (sign -1) a completed video's figures from its owner's dashboard totals. */
const STATS = `
local function count_video(prefix, uid, videoJson, sign)
  if not videoJson or videoJson == '' then return end
  local v = cjson.decode(videoJson)
  local key = prefix .. ':user:' .. uid .. ':stats'
  redis.call('HINCRBY', key, 'videos', sign)
  redis.call('HINCRBYFLOAT', key, 'video_seconds', sign * (tonumber(v.duration) or 0))
  redis.call('HINCRBY', key, 'storage_bytes', sign * (tonumber(v.file_size) or 0))
  redis.call('HINCRBYFLOAT', key, 'processing_seconds', sign * (tonumber(v.performance.processing_seconds) or 0))
end
`;

/** Inserts a new queued job (fields as stored in its hash) into the hash and every index, and emits it. */
const INSERT = `${HSET_FROM_JSON}
local function insert_job(prefix, fields)
  local id, uid, created = fields['id'], fields['user_id'], fields['created_ms']
  local key = prefix .. ':job:' .. id
  hset_table(key, fields)
  redis.call('ZADD', prefix .. ':user:' .. uid .. ':jobs', created, id)
  redis.call('ZADD', prefix .. ':user:' .. uid .. ':jobs:queued', created, id)
  redis.call('ZADD', prefix .. ':jobs:all', created, id)
  redis.call('ZADD', prefix .. ':jobs:all:queued', created, id)
  redis.call('ZADD', prefix .. ':queue:waiting', fields['queue_score'], id)
  if fields['batch_id'] ~= '' then
    redis.call('ZADD', prefix .. ':batch:' .. fields['batch_id'] .. ':jobs', created, id)
  end
  emit(prefix, key, id)
end
`;

/** KEYS: job hash, idempotency key or "". ARGV: prefix, fields JSON, idempotency TTL s, body hash, max queue
 * depth. Returns {"created"|"existing"|"conflict"|"full", id}. */
export const CREATE_JOB = `${EMIT}${INSERT}
local prefix = ARGV[1]
local fields = cjson.decode(ARGV[2])
if KEYS[2] ~= '' then
  local prior = redis.call('GET', KEYS[2])
  if prior then
    local p = cjson.decode(prior)
    if p.body_hash == ARGV[4] then return {'existing', p.job_id} end
    return {'conflict', p.job_id}
  end
end
if redis.call('ZCARD', prefix .. ':queue:waiting') >= tonumber(ARGV[5]) then return {'full', ''} end
insert_job(prefix, fields)
if KEYS[2] ~= '' then
  redis.call('SET', KEYS[2], cjson.encode({job_id = fields['id'], body_hash = ARGV[4]}), 'EX', tonumber(ARGV[3]))
end
return {'created', fields['id']}
`;

/** A batch and all its jobs, or nothing. KEYS: batch hash. ARGV: prefix, batch fields JSON, jobs' fields JSON
 * array, max queue depth. Returns {"created"|"full", batch id}. */
export const CREATE_BATCH = `${EMIT}${INSERT}
local prefix = ARGV[1]
local batch = cjson.decode(ARGV[2])
local jobs = cjson.decode(ARGV[3])
if redis.call('ZCARD', prefix .. ':queue:waiting') + #jobs > tonumber(ARGV[4]) then return {'full', ''} end
hset_json(KEYS[1], ARGV[2])
redis.call('ZADD', prefix .. ':user:' .. batch['user_id'] .. ':batches', batch['created_ms'], batch['id'])
for _, fields in ipairs(jobs) do insert_job(prefix, fields) end
return {'created', batch['id']}
`;

/** KEYS: job hash. ARGV: prefix, id, to, allowed-from CSV, now ISO, fields JSON, attempt ("" = any).
 * Returns {"ok", previous} | {"missing", ""} | {"rejected", current}. */
export const TRANSITION_JOB = `${EMIT}${STATS}
local prefix, id, to = ARGV[1], ARGV[2], ARGV[3]
local cur = redis.call('HGET', KEYS[1], 'status')
if not cur then return {'missing', ''} end
local allowed = false
for s in string.gmatch(ARGV[4], '[^,]+') do if s == cur then allowed = true end end
if not allowed then return {'rejected', cur} end
if ARGV[7] ~= '' and redis.call('HGET', KEYS[1], 'attempts') ~= ARGV[7] then return {'rejected', cur} end
local fields = cjson.decode(ARGV[6])
local args = {'status', to, 'updated_at', ARGV[5]}
for k, v in pairs(fields) do args[#args + 1] = k; args[#args + 1] = v end
redis.call('HSET', KEYS[1], unpack(args))
local uid = redis.call('HGET', KEYS[1], 'user_id')
if cur ~= to then
  local created = redis.call('HGET', KEYS[1], 'created_ms')
  redis.call('ZREM', prefix .. ':user:' .. uid .. ':jobs:' .. cur, id)
  redis.call('ZADD', prefix .. ':user:' .. uid .. ':jobs:' .. to, created, id)
  redis.call('ZREM', prefix .. ':jobs:all:' .. cur, id)
  redis.call('ZADD', prefix .. ':jobs:all:' .. to, created, id)
  if cur == 'queued' then redis.call('ZREM', prefix .. ':queue:waiting', id) end
  if to == 'queued' then
    redis.call('ZADD', prefix .. ':queue:waiting', redis.call('HGET', KEYS[1], 'queue_score'), id)
  end
end
if to == 'completed' then count_video(prefix, uid, fields['video'], 1) end
emit(prefix, KEYS[1], id)
return {'ok', cur}
`;

/** Starts an attempt: queued|processing → processing, attempts + 1, progress reset.
 * KEYS: job hash. ARGV: prefix, id, now ISO. Returns {"ok", attempt} | {"missing", ""} | {"rejected", current}. */
export const START_ATTEMPT = `${EMIT}
local prefix, id = ARGV[1], ARGV[2]
local cur = redis.call('HGET', KEYS[1], 'status')
if not cur then return {'missing', ''} end
if cur ~= 'queued' and cur ~= 'processing' then return {'rejected', cur} end
local attempt = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HSET', KEYS[1], 'status', 'processing', 'progress', '0', 'current_stage', 'starting',
  'updated_at', ARGV[3], 'started_at', ARGV[3])
if cur == 'queued' then
  local uid = redis.call('HGET', KEYS[1], 'user_id')
  local created = redis.call('HGET', KEYS[1], 'created_ms')
  redis.call('ZREM', prefix .. ':user:' .. uid .. ':jobs:queued', id)
  redis.call('ZADD', prefix .. ':user:' .. uid .. ':jobs:processing', created, id)
  redis.call('ZREM', prefix .. ':jobs:all:queued', id)
  redis.call('ZADD', prefix .. ':jobs:all:processing', created, id)
  redis.call('ZREM', prefix .. ':queue:waiting', id)
end
emit(prefix, KEYS[1], id)
return {'ok', tostring(attempt)}
`;

/** Progress of the running attempt; dropped unless the job is processing in that attempt, never backwards.
 * KEYS: job hash. ARGV: prefix, id, attempt, progress, stage, now ISO, estimated completion ISO or "".
 * Returns 1 | 0. */
export const WRITE_PROGRESS = `${EMIT}
if redis.call('HGET', KEYS[1], 'status') ~= 'processing' then return 0 end
if redis.call('HGET', KEYS[1], 'attempts') ~= ARGV[3] then return 0 end
local current = tonumber(redis.call('HGET', KEYS[1], 'progress') or '0')
local progress = math.max(current, tonumber(ARGV[4]))
redis.call('HSET', KEYS[1], 'progress', tostring(progress), 'current_stage', ARGV[5], 'updated_at', ARGV[6])
if ARGV[7] ~= '' then redis.call('HSET', KEYS[1], 'estimated_completion', ARGV[7]) end
emit(ARGV[1], KEYS[1], ARGV[2])
return 1
`;

/** KEYS: job hash, logs list, tombstone, events stream. ARGV: prefix, id, tombstone JSON, tombstone TTL s.
 * Returns {"ok", previous status} | {"missing", ""}. */
export const DELETE_JOB = `${STATS}
local prefix, id = ARGV[1], ARGV[2]
local cur = redis.call('HGET', KEYS[1], 'status')
if not cur then return {'missing', ''} end
local uid = redis.call('HGET', KEYS[1], 'user_id')
local batch = redis.call('HGET', KEYS[1], 'batch_id')
if cur == 'completed' then count_video(prefix, uid, redis.call('HGET', KEYS[1], 'video'), -1) end
redis.call('ZREM', prefix .. ':user:' .. uid .. ':jobs', id)
redis.call('ZREM', prefix .. ':user:' .. uid .. ':jobs:' .. cur, id)
redis.call('ZREM', prefix .. ':jobs:all', id)
redis.call('ZREM', prefix .. ':jobs:all:' .. cur, id)
redis.call('ZREM', prefix .. ':queue:waiting', id)
if batch and batch ~= '' then redis.call('ZREM', prefix .. ':batch:' .. batch .. ':jobs', id) end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[4])
redis.call('SET', KEYS[3], ARGV[3], 'EX', tonumber(ARGV[4]))
redis.call('PUBLISH', prefix .. ':events:jobs', cjson.encode({ user_id = uid, deleted = true, job = { job_id = id } }))
return {'ok', cur}
`;

/** Folds one render's seconds into the moving averages of its quality (EWMA, newest weighs ALPHA).
 * KEYS: averages hash. ARGV: alpha, then name/seconds pairs. */
export const RECORD_RENDER_TIMES = `
local alpha = tonumber(ARGV[1])
for i = 2, #ARGV, 2 do
  local seconds = tonumber(ARGV[i + 1])
  local old = tonumber(redis.call('HGET', KEYS[1], ARGV[i]))
  local value = old and (old * (1 - alpha) + seconds * alpha) or seconds
  redis.call('HSET', KEYS[1], ARGV[i], tostring(value))
end
return 1
`;
