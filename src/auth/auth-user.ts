import type { ApiKeyScope } from '../config/app-config';

/** Who is calling: a Clerk user (JWT) or an internal service (API key). */
export interface AuthUser {
  kind: 'user' | 'service';
  userId: string;
  sessionId: string | null;
  isAdmin: boolean;
  /** API-key scopes; null for Clerk users (their reach is their own data, or everything for admins). */
  scopes: ApiKeyScope[] | null;
  claims: Record<string, unknown>;
}
