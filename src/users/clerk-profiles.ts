import { createClerkClient } from '@clerk/backend';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';

export interface Profile {
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  image_url: string | null;
}

const TTL_MS = 5 * 60_000;
const MAX_ENTRIES = 10_000;

/**
 * Profile fields from Clerk's Backend API (only with CLERK_SECRET_KEY), cached for a few minutes so that
 * /users/me does not cost a Clerk call each time. Failures degrade to "unknown", never to an error.
 */
@Injectable()
export class ClerkProfiles {
  private readonly logger = new Logger(ClerkProfiles.name);
  private readonly client?: ReturnType<typeof createClerkClient>;
  private readonly cache = new Map<string, { at: number; profile: Promise<Profile | null> }>();

  constructor(config: AppConfig) {
    const { secretKey, apiUrl } = config.clerk;
    if (secretKey) this.client = createClerkClient({ secretKey, ...(apiUrl ? { apiUrl } : {}) });
  }

  profile(userId: string): Promise<Profile | null> {
    const cached = this.cache.get(userId);
    if (cached && Date.now() - cached.at < TTL_MS) return cached.profile;
    const profile = this.fetch(userId);
    if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(userId, { at: Date.now(), profile });
    return profile;
  }

  private async fetch(userId: string): Promise<Profile | null> {
    if (!this.client) return null;
    try {
      const user = await this.client.users.getUser(userId);
      return {
        email: user.primaryEmailAddress?.emailAddress ?? null,
        first_name: user.firstName,
        last_name: user.lastName,
        image_url: user.imageUrl || null,
      };
    } catch (err) {
      this.cache.delete(userId); // do not keep a failure for the whole TTL
      this.logger.warn(`Clerk profile of ${userId} unavailable: ${(err as Error).message}`);
      return null;
    }
  }
}
