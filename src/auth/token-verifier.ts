import { verifyToken } from '@clerk/backend';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { AuthUser } from './auth-user';
import { loadOrCreateDevSigningKey } from './dev-signing-key';

export class InvalidTokenError extends Error {}

/**
 * Verifies Clerk session tokens with the Clerk SDK: networkless with CLERK_JWT_KEY, through the JWKS with
 * CLERK_SECRET_KEY, or (development only) with the local dev signing key.
 */
@Injectable()
export class TokenVerifier {
  private readonly logger = new Logger(TokenVerifier.name);
  private readonly jwtKey?: string;

  constructor(private readonly config: AppConfig) {
    this.jwtKey = config.clerk.jwtKey;
    if (!this.jwtKey && !config.clerk.secretKey) {
      // validateEnvironment already refused production without keys.
      this.jwtKey = loadOrCreateDevSigningKey(config.dataDir).publicKeyPem;
      this.logger.warn('No Clerk keys configured: verifying tokens with the local development signing key');
    }
  }

  async verify(token: string): Promise<AuthUser> {
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
    const metadata = claims.metadata as { role?: unknown } | undefined;
    return {
      kind: 'user',
      userId: claims.sub,
      sessionId: typeof claims.sid === 'string' ? claims.sid : null,
      isAdmin: metadata?.role === 'admin' || this.config.adminUserIds.has(claims.sub),
      scopes: null,
      claims,
    };
  }

}
