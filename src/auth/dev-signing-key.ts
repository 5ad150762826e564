import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { devSecretFile } from '../common/dev-secrets';

/**
 * Development without Clerk keys: a local RSA key pair. The service verifies with its public half through the
 * same Clerk verifyToken call as in production; `npm run token` signs with the private half.
 */
export function loadOrCreateDevSigningKey(dataDir: string): { privateKey: KeyObject; publicKeyPem: string } {
  const pem = devSecretFile(dataDir, 'signing-key.pem', () =>
    generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  );
  const privateKey = createPrivateKey(pem);
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey, publicKeyPem };
}
