import { Inject, Injectable } from '@nestjs/common';
import type { RedisClient } from '../redis/redis-client';
import { REDIS_CLIENT } from '../redis/redis.module';
import { RedisKeys } from '../redis/redis-keys';

/** Who opened an admin session: a Clerk admin or an API key with system:write. */
export interface AdminSession {
  user_id: string;
  kind: 'user' | 'service';
}

/**
 * The owner of `admin-session:{sha256}`: one short-lived key per dashboard session, named by the hash of the
 * session id (the id itself lives only in the browser's cookie). Kept in Redis so any API instance honours it.
 */
@Injectable()
export class AdminSessionStore {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  async put(sessionId: string, session: AdminSession, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.keys.hashed('admin-session', sessionId), JSON.stringify(session), 'EX', ttlSeconds);
  }

  async get(sessionId: string): Promise<AdminSession | null> {
    const raw = await this.redis.get(this.keys.hashed('admin-session', sessionId));
    return raw ? (JSON.parse(raw) as AdminSession) : null;
  }
}
