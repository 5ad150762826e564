import { Inject, Injectable } from '@nestjs/common';
import type { RedisClient } from '../redis/redis-client';
import { REDIS_CLIENT } from '../redis/redis.module';
import { RedisKeys } from '../redis/redis-keys';
import { JobLogEntry } from './job.model';

const LOG_CAP = 5000;

/** The only owner of job log lists: a capped list per job (deleting the job removes it with the job). */
@Injectable()
export class JobLogStore {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  private logsKey = (id: string) => this.keys.key('job', id, 'logs');

  async append(id: string, entries: JobLogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const key = this.logsKey(id);
    // Only for jobs that still exist, so a late log line never resurrects a deleted job's keys.
    const length = await this.redis.exists(this.keys.key('job', id)).then((exists) =>
      exists ? this.redis.rpush(key, ...entries.map((e) => JSON.stringify(e))) : 0,
    );
    if (length > LOG_CAP) await this.redis.ltrim(key, 0, LOG_CAP - 1);
  }

  async read(id: string, cursor: number, limit: number): Promise<{ entries: JobLogEntry[]; next: number | null }> {
    const raw = await this.redis.lrange(this.logsKey(id), cursor, cursor + limit);
    const more = raw.length > limit;
    return {
      entries: raw.slice(0, limit).map((line) => JSON.parse(line) as JobLogEntry),
      next: more ? cursor + limit : null,
    };
  }
}
