/**
 * Lua scripts of the job store. Each runs atomically in Redis, so a cancel racing a completion ends in
 * exactly one terminal state and the per-user / per-status indexes never disagree with the job hash.
 * Every change also appends the job's public view to its event stream and publishes it on the events
 * channel in the same step, so listeners see changes exactly in the order they happened.
 * Key names are built from the prefix passed in ARGV[1]: on a Redis Cluster that prefix is one hash tag
 * (`{vgs}`), so every key a script touches is in the slot of the keys it declares.
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

/**
 * Fair share at submission: how many jobs the user has queued or processing, the quota check, and each new
 * job's queue priority (class rank × slots + its place among the user's active jobs, capped) and queue-order
 * score (priority, then age), written into its fields before insertion.
 */
const FAIR_SHARE = `
local function active_jobs(prefix, uid)
  return redis.call('ZCARD', prefix .. ':user:' .. uid .. ':jobs:queued')
    + redis.call('ZCARD', prefix .. ':user:' .. uid .. ':jobs:processing')
end
local function over_quota(active, adding, maxActive)
  return maxActive > 0 and active + adding > maxActive
end
local function place_in_queue(fields, place, ranks, slots)
  local priority = ranks[fields['priority']] * slots + math.min(place, slots)
  fields['queue_priority'] = tostring(priority)
  fields['queue_score'] = string.format('%.0f', priority * 1e13 + tonumber(fields['created_ms']))
end
`;

/**
 * An Idempotency-Key's earlier use: nil when unused, else {'existing', id, first ETA} or {'conflict', id} by the body's
 * hash. A job's key keeps the ETA its first answer gave (the job's own is rewritten as it runs), a batch's its jobs'
 * (a JSON object of job id → ETA), so a replay can answer the same body.
 */
const IDEMPOTENCY = `
local function prior_use(key, bodyHash)
  if key == '' then return nil end
  local prior = redis.call('GET', key)
  if not prior then return nil end
  local p = cjson.decode(prior)
  if p.body_hash == bodyHash then return {'existing', p.id, p.eta or ''} end
  return {'conflict', p.id}
end
local function remember_use(key, id, bodyHash, ttl, eta)
  if key ~= '' then redis.call('SET', key, cjson.encode({id = id, body_hash = bodyHash, eta = eta}), 'EX', ttl) end
end
`;

/** KEYS: job hash[, idempotency key] (key count first). ARGV: prefix, fields JSON, max queue depth, idempotency TTL s, body
 * hash, max active jobs per user (0 = no limit), priority ranks JSON, fair-share slots.
 * Returns {"created"|"existing", job id, first ETA ("" when created), job hash's field/value pairs…} (a replayed job
 * deleted since has no pairs) | {"conflict", job id} | {"full", ""} | {"quota", active jobs}. */
export const CREATE_JOB = `${EMIT}${INSERT}${FAIR_SHARE}${IDEMPOTENCY}
local function with_record(reply)
  for _, v in ipairs(redis.call('HGETALL', ARGV[1] .. ':job:' .. reply[2])) do reply[#reply + 1] = v end
  return reply
end
local prefix = ARGV[1]
local fields = cjson.decode(ARGV[2])
local idem = KEYS[2] or ''
local prior = prior_use(idem, ARGV[5])
if prior then
  if prior[1] == 'existing' then return with_record(prior) end
  return prior
end
if redis.call('ZCARD', prefix .. ':queue:waiting') >= tonumber(ARGV[3]) then return {'full', ''} end
local active = active_jobs(prefix, fields['user_id'])
if over_quota(active, 1, tonumber(ARGV[6])) then return {'quota', tostring(active)} end
place_in_queue(fields, active + 1, cjson.decode(ARGV[7]), tonumber(ARGV[8]))
insert_job(prefix, fields)
remember_use(idem, fields['id'], ARGV[5], tonumber(ARGV[4]), fields['estimated_completion'])
return with_record({'created', fields['id'], ''})
`;

/** A batch and all its jobs, or nothing. KEYS: batch hash[, idempotency key] (key count first). ARGV: prefix, batch fields
 * JSON, jobs' fields JSON array, max queue depth, idempotency TTL s, body hash, max active jobs per user,
 * priority ranks JSON, fair-share slots. Returns like CREATE_JOB, with the batch id and, for a replay, its jobs'
 * first ETAs (JSON; "" from a key older than that), without the record. */
export const CREATE_BATCH = `${EMIT}${INSERT}${FAIR_SHARE}${IDEMPOTENCY}
local prefix = ARGV[1]
local batch = cjson.decode(ARGV[2])
local jobs = cjson.decode(ARGV[3])
local idem = KEYS[2] or ''
local prior = prior_use(idem, ARGV[6])
if prior then return prior end
if redis.call('ZCARD', prefix .. ':queue:waiting') + #jobs > tonumber(ARGV[4]) then return {'full', ''} end
local active = active_jobs(prefix, batch['user_id'])
if over_quota(active, #jobs, tonumber(ARGV[7])) then return {'quota', tostring(active)} end
hset_json(KEYS[1], ARGV[2])
redis.call('ZADD', prefix .. ':user:' .. batch['user_id'] .. ':batches', batch['created_ms'], batch['id'])
local ranks, slots = cjson.decode(ARGV[8]), tonumber(ARGV[9])
for i, fields in ipairs(jobs) do
  place_in_queue(fields, active + i, ranks, slots)
  insert_job(prefix, fields)
end
local etas = {}
for _, fields in ipairs(jobs) do etas[fields['id']] = fields['estimated_completion'] end
remember_use(idem, batch['id'], ARGV[6], tonumber(ARGV[5]), cjson.encode(etas))
return {'created', batch['id']}
`;

/** Frees an Idempotency-Key whose request could not be carried out, if it still names that record.
 * KEYS: idempotency key. ARGV: record id. */
export const RELEASE_IDEMPOTENCY = `
local prior = redis.call('GET', KEYS[1])
if prior and cjson.decode(prior).id == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`;

/** KEYS: job hash. ARGV: prefix, id, to, allowed-from CSV, now ISO, fields JSON, attempt ("" = any).
 * A job turning terminal joins <prefix>:jobs:finished (score: that moment in ms, what retention reads) and
 * gets an entry in the webhook outbox stream (<prefix>:webhooks:outbox, capped),
 * flagged batch_completed = "1" when it was the last unfinished job of its batch; its event stream is then
 * replaced by the terminal event's id in the hash (final_event_id).
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
local function terminal(s) return s == 'completed' or s == 'failed' or s == 'cancelled' end
if terminal(to) then
  -- Recorded in the same step as the change, so a webhook never depends on some process listening right now.
  local batch = redis.call('HGET', KEYS[1], 'batch_id') or ''
  local batchDone = ''
  if batch ~= '' then
    -- Scripts run one at a time: exactly one job of the batch sees all the others already finished.
    batchDone = '1'
    for _, member in ipairs(redis.call('ZRANGE', prefix .. ':batch:' .. batch .. ':jobs', 0, -1)) do
      local s = redis.call('HGET', prefix .. ':job:' .. member, 'status')
      if s and not terminal(s) then batchDone = ''; break end
    end
  end
  redis.call('XADD', prefix .. ':webhooks:outbox', 'MAXLEN', '~', '100000', '*',
    'job_id', id, 'user_id', uid, 'status', to, 'batch_id', batch, 'batch_completed', batchDone)
  -- Retention's index, by when the job finished on Redis's clock (one clock, whichever host made the change).
  local now = redis.call('TIME')
  redis.call('ZADD', prefix .. ':jobs:finished', now[1] * 1000 + math.floor(now[2] / 1000), id)
end
emit(prefix, KEYS[1], id)
if terminal(to) then
  -- SSE resume needs only the terminal event, whose data is the hash's own view from now on: the hash keeps its
  -- id and the stream goes (a stream costs a preallocated 4 KiB node however few its entries). Fields only a
  -- live job uses, and empty ones (read as null either way), go too.
  local events = KEYS[1] .. ':events'
  local last = redis.call('XREVRANGE', events, '+', '-', 'COUNT', 1)[1]
  redis.call('DEL', events)
  local drop = {'queue_priority', 'queue_score', 'job_type'}
  local h = redis.call('HGETALL', KEYS[1])
  for i = 1, #h, 2 do if h[i + 1] == '' then drop[#drop + 1] = h[i] end end
  redis.call('HDEL', KEYS[1], unpack(drop))
  redis.call('HSET', KEYS[1], 'final_event_id', last[1])
end
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
redis.call('ZREM', prefix .. ':jobs:finished', id)
if batch and batch ~= '' then redis.call('ZREM', prefix .. ':batch:' .. batch .. ':jobs', id) end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[4])
redis.call('SET', KEYS[3], ARGV[3], 'EX', tonumber(ARGV[4]))
redis.call('PUBLISH', prefix .. ':events:jobs', cjson.encode({ user_id = uid, deleted = true, job = { job_id = id } }))
return {'ok', cur}
`;

/** One page of a creation-time index, O(log n + page) however deep: by rank for page numbers, from a member's
 * score for cursors (never Redis's LIMIT offset, which walks every member it skips).
 * KEYS: index. ARGV: order ("asc"|"desc"), window min, window max (ZCOUNT bounds), mode ("offset"|"cursor"),
 * offset (mode offset) or the cursor's start score (mode cursor), page size, the cursor's id ("" = nothing seen
 * at that score). Returns {total in window, id, score, …} with up to page size + 1 members (one more says more follow). */
export const LIST_JOBS = `
local index, order, min, max = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
local limit = tonumber(ARGV[6])
local total = redis.call('ZCOUNT', index, min, max)
local page
if ARGV[4] == 'offset' then
  -- Members before the window (in the listing's order), counted in O(log n), give the window's first rank.
  local before = 0
  if order == 'desc' and max ~= '+inf' then before = redis.call('ZCOUNT', index, '(' .. max, '+inf') end
  if order == 'asc' and min ~= '-inf' then before = redis.call('ZCOUNT', index, '-inf', '(' .. min) end
  local first = before + tonumber(ARGV[5])
  local count = math.min(limit + 1, total - tonumber(ARGV[5]))
  if count <= 0 then return {total} end
  page = redis.call(order == 'desc' and 'ZREVRANGE' or 'ZRANGE', index, first, first + count - 1, 'WITHSCORES')
else
  -- Members sharing the cursor's score are ordered by their bytes; those up to the cursor's id were served.
  local function bytes_before(a, b)
    for i = 1, math.min(#a, #b) do
      local x, y = string.byte(a, i), string.byte(b, i)
      if x ~= y then return x < y end
    end
    return #a < #b
  end
  local start, seenId, skip = ARGV[5], ARGV[7], 0
  if seenId ~= '' then
    for _, m in ipairs(redis.call('ZRANGEBYSCORE', index, start, start)) do
      if (order == 'desc' and not bytes_before(m, seenId)) or (order == 'asc' and not bytes_before(seenId, m)) then skip = skip + 1 end
    end
  end
  if order == 'desc' then
    page = redis.call('ZREVRANGEBYSCORE', index, start, min, 'WITHSCORES', 'LIMIT', skip, limit + 1)
  else
    page = redis.call('ZRANGEBYSCORE', index, start, max, 'WITHSCORES', 'LIMIT', skip, limit + 1)
  end
end
local reply = {total}
for _, v in ipairs(page) do reply[#reply + 1] = v end
return reply
`;
