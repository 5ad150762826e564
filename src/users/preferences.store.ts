import { Inject, Injectable } from '@nestjs/common';
import type { RedisClient } from '../redis/redis-client';
import { REDIS_CLIENT } from '../redis/redis.module';
import { RedisKeys } from '../redis/redis-keys';
import type { Quality } from '../pipeline/video-pipeline';

export const NOTIFICATION_EVENTS = ['job.completed', 'job.failed', 'job.cancelled', 'batch.completed'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

export interface UserPreferences {
  default_quality: Quality;
  notifications: {
    webhook_url: string | null;
    events: NotificationEvent[];
  };
}

export const DEFAULT_PREFERENCES: UserPreferences = {
  default_quality: 'medium',
  notifications: { webhook_url: null, events: ['job.completed', 'job.failed'] },
};

/** The owner of `user:{id}:preferences` (one JSON document per user). */
@Injectable()
export class PreferencesStore {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  async get(userId: string): Promise<UserPreferences> {
    const raw = await this.redis.get(this.keys.key('user', userId, 'preferences'));
    return raw ? (JSON.parse(raw) as UserPreferences) : DEFAULT_PREFERENCES;
  }

  async put(userId: string, preferences: UserPreferences): Promise<void> {
    await this.redis.set(this.keys.key('user', userId, 'preferences'), JSON.stringify(preferences));
  }
}
