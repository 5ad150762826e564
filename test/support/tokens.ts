import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { signSessionToken, SessionTokenClaims } from '../../src/auth/jwt-signer';

/** A throwaway RSA key pair standing in for a Clerk instance's signing key. */
export class TestIssuer {
  readonly privateKey: KeyObject;
  readonly publicKeyPem: string;

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = privateKey;
    this.publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  /** The PEM as .env files carry it: one line with literal "\n" (the service must normalise it). */
  get envValue(): string {
    return this.publicKeyPem.trim().replace(/\n/g, '\\n');
  }

  token(claims: SessionTokenClaims, options?: { expiresInSeconds?: number; issuedAt?: number }): string {
    return signSessionToken(this.privateKey, claims, options);
  }
}
