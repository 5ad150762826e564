import { KeyObject, randomUUID, sign } from 'node:crypto';

export interface SessionTokenClaims {
  sub: string;
  sid?: string;
  azp?: string;
  metadata?: Record<string, unknown>;
  [claim: string]: unknown;
}

const b64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');

/** Signs an RS256 session token shaped like Clerk's (used by the dev-token command and by tests). */
export function signSessionToken(
  privateKey: KeyObject,
  claims: SessionTokenClaims,
  options: { expiresInSeconds?: number; issuedAt?: number; kid?: string } = {},
): string {
  const iat = options.issuedAt ?? Math.floor(Date.now() / 1000);
  const header = { alg: 'RS256', typ: 'JWT', kid: options.kid ?? 'dev' };
  const payload = {
    iss: 'https://local.dev',
    sid: `sess_${randomUUID().replace(/-/g, '')}`,
    iat,
    nbf: iat - 5,
    exp: iat + (options.expiresInSeconds ?? 3600),
    ...claims,
  };
  const body = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${body}.${b64url(sign('RSA-SHA256', Buffer.from(body), privateKey))}`;
}
