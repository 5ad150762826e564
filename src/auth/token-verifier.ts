import { verifyToken } from '@clerk/backend';
import { Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { createHash } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { AuthUser } from './auth-user';
import { loadOrCreateDevSigningKey } from './dev-signing-key';

export class InvalidTokenError extends Error {}

/** Distinct live tokens remembered at once; past that the least recently used are verified again. */
const VERIFIED_TOKENS_MAX = 10_000;

/**
 * Verifies Clerk session tokens with the Clerk SDK: networkless with CLERK_JWT_KEY, through the JWKS with
 * CLERK_SECRET_KEY, or (development only) with the local dev signing key.
 * A verified token's user is remembered (keyed by the token's SHA-256) until the token's own `exp` and never
 * longer: the SDK imports the key through WebCrypto on every call, which cost a third of a status read's CPU.
 */
@Injectable()
export class TokenVerifier {
  private readonly logger = new Logger(TokenVerifier.name);
  private readonly jwtKey?: string;
  private readonly verified = new LRUCache<string, AuthUser>({ max: VERIFIED_TOKENS_MAX });

  constructor(private readonly config: AppConfig) {
    this.jwtKey = config.clerk.jwtKey;
    if (!this.jwtKey && !config.clerk.secretKey) {
      // validateEnvironment already refused production without keys.
      this.jwtKey = loadOrCreateDevSigningKey(config.dataDir).publicKeyPem;
      this.logger.warn('No Clerk keys configured: verifying tokens with the local development signing key');
    }
  }

  async verify(token: string): Promise<AuthUser> {
    const cached = this.remembered(token);
    if (cached) return cached;
    const user = await this.verifyWithClerk(token);
    const key = cacheKey(token);
    const exp = user.claims.exp;
    const ttl = typeof exp === 'number' ? exp * 1000 - Date.now() : 0;
    // Within the SDK's clock-skew allowance a token past exp still verifies: such a token is not remembered.
    if (ttl > 0) this.verified.set(key, user, { ttl });
    return user;
  }

  /** The user of a token verified before and not yet expired, else undefined: a lookup, no verification. */
  remembered(token: string): AuthUser | undefined {
    return this.verified.get(cacheKey(token));
  }

  private async verifyWithClerk(token: string): Promise<AuthUser> {
    const parties = this.config.clerk.authorizedParties;
    let claims: Record<string, unknown>;
    try {
      claims = (await verifyToken(token, {
        jwtKey: this.jwtKey,
        secretKey: this.jwtKey ? undefined : this.config.clerk.secretKey,
        authorizedParties: parties.length > 0 ? parties : undefined,
      })) as unknown as Record<string, unknown>;
    } catch (err) {
      throw new InvalidTokenError((err as Error).message);
    }
    // Clerk lets a token without azp through; when parties are configured we insist on one.
    if (parties.length > 0 && typeof claims.azp !== 'string') throw new InvalidTokenError('token has no azp claim');
    if (typeof claims.sub !== 'string' || claims.sub.length === 0 || claims.sub.length > 200) {
      throw new InvalidTokenError('token has no usable sub claim');
    }
    return {
      kind: 'user',
      userId: claims.sub,
      sessionId: typeof claims.sid === 'string' ? claims.sid : null,
      isAdmin: this.config.adminUserIds.has(claims.sub) || carriesClaim(claims, this.config.adminClaim),
      scopes: null,
      claims,
    };
  }
}

const cacheKey = (token: string): string => createHash('sha256').update(token).digest('base64url');

/** Whether the claim at `path` is exactly `value` (a string); only the token's own properties are walked. */
function carriesClaim(claims: Record<string, unknown>, wanted: AppConfig['adminClaim']): boolean {
  if (!wanted) return false;
  let node: unknown = claims;
  for (const name of wanted.path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, name)) return false;
    node = (node as Record<string, unknown>)[name];
  }
  return node === wanted.value;
}
