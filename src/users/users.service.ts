import { Injectable } from '@nestjs/common';
import { AuthUser } from '../auth/auth-user';
import { assertWebhookUrlAllowed } from '../common/network-policy';
import { AppConfig } from '../config/app-config';
import { ClerkProfiles } from './clerk-profiles';
import { MeDto, PreferencesDto, PreferencesResponseDto } from './dto/preferences.dto';
import { DEFAULT_PREFERENCES, PreferencesStore, UserPreferences } from './preferences.store';

const claim = (claims: Record<string, unknown>, name: string): string | null =>
  typeof claims[name] === 'string' ? (claims[name] as string) : null;

@Injectable()
export class UsersService {
  constructor(
    private readonly profiles: ClerkProfiles,
    private readonly preferences: PreferencesStore,
    private readonly config: AppConfig,
  ) {}

  async me(user: AuthUser): Promise<MeDto> {
    const profile = user.kind === 'user' ? await this.profiles.profile(user.userId) : null;
    const c = user.claims;
    return {
      user_id: user.userId,
      session_id: user.sessionId,
      is_admin: user.isAdmin,
      // Session tokens may carry these as custom claims; the Backend API's values win when available.
      email: profile?.email ?? claim(c, 'email'),
      first_name: profile?.first_name ?? claim(c, 'first_name'),
      last_name: profile?.last_name ?? claim(c, 'last_name'),
      image_url: profile?.image_url ?? claim(c, 'image_url'),
    };
  }

  getPreferences(user: AuthUser): Promise<UserPreferences> {
    return this.preferences.get(user.userId);
  }

  async putPreferences(user: AuthUser, body: PreferencesDto): Promise<PreferencesResponseDto> {
    assertWebhookUrlAllowed(body.notifications?.webhook_url, 'notifications.webhook_url', this.config.webhooks.allowPrivate);
    const next: UserPreferences = {
      default_quality: body.default_quality ?? DEFAULT_PREFERENCES.default_quality,
      notifications: {
        webhook_url: body.notifications?.webhook_url ?? null,
        events: body.notifications?.events ?? DEFAULT_PREFERENCES.notifications.events,
      },
    };
    await this.preferences.put(user.userId, next);
    return next;
  }
}
