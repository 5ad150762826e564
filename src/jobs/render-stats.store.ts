import { Inject, Injectable } from '@nestjs/common';
import type { Quality } from '../pipeline/video-pipeline';
import { defineScripts, ScriptRunner } from '../redis/lua-scripts';
import type { RedisClient } from '../redis/redis-client';
import { REDIS_CLIENT } from '../redis/redis.module';
import { RedisKeys } from '../redis/redis-keys';
import type { RenderTimes } from './eta';

/** Weight of the newest render in the moving averages: recent machines and loads matter most. */
const RENDER_TIMES_ALPHA = 0.3;

/** Folds one render's seconds into the moving averages of its quality (EWMA, newest weighs ALPHA).
 * KEYS: averages hash. ARGV: alpha, then name/seconds pairs. */
const RECORD_RENDER_TIMES = `
local alpha = tonumber(ARGV[1])
for i = 2, #ARGV, 2 do
  local seconds = tonumber(ARGV[i + 1])
  local old = tonumber(redis.call('HGET', KEYS[1], ARGV[i]))
  local value = old and (old * (1 - alpha) + seconds * alpha) or seconds
  redis.call('HSET', KEYS[1], ARGV[i], tostring(value))
end
return 1
`;

/** The only owner of render statistics: per quality, moving averages of each stage's seconds (for ETAs). */
@Injectable()
export class RenderStatsStore {
  private readonly scripts: Record<'record', ScriptRunner>;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {
    this.scripts = defineScripts(redis, { record: { command: 'vgsRecordRenderTimes', keys: 1, lua: RECORD_RENDER_TIMES } });
  }

  /** Folds a finished render's timings into its quality's moving averages. */
  async record(quality: Quality, times: Record<string, number>): Promise<void> {
    const pairs = Object.entries(times).flatMap(([name, seconds]) => [name, String(seconds)]);
    await this.scripts.record(this.keys.key('render-times', quality), RENDER_TIMES_ALPHA, ...pairs);
  }

  async renderTimes(quality: Quality): Promise<RenderTimes> {
    const raw = await this.redis.hgetall(this.keys.key('render-times', quality));
    return Object.fromEntries(Object.entries(raw).map(([name, value]) => [name, Number(value)]));
  }
}
