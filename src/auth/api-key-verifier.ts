import { Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { AuthUser } from './auth-user';

/** X-API-Key for internal services: keys are configured as SHA-256 hashes and compared in constant time. */
@Injectable()
export class ApiKeyVerifier {
  private readonly keys: { name: string; digest: Buffer; user: AuthUser }[];

  constructor(config: AppConfig) {
    this.keys = config.apiKeys.map((k) => ({
      name: k.name,
      digest: Buffer.from(k.sha256, 'hex'),
      user: { kind: 'service', userId: `service:${k.name}`, sessionId: null, isAdmin: false, scopes: k.scopes, claims: {} },
    }));
  }

  verify(presented: string): AuthUser | null {
    const digest = createHash('sha256').update(presented).digest();
    let match: AuthUser | null = null;
    // Compare against every key (no early exit) so timing does not reveal which one nearly matched.
    for (const key of this.keys) if (timingSafeEqual(digest, key.digest)) match = key.user;
    return match;
  }
}
