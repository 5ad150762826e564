import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Development without Clerk keys: a local RSA key pair under DATA_DIR. The service verifies with its public
 * half through the same Clerk verifyToken call as in production; `npm run token` signs with the private half.
 */
export function loadOrCreateDevSigningKey(dataDir: string): { privateKey: KeyObject; publicKeyPem: string } {
  const dir = join(dataDir, 'dev-auth');
  const file = join(dir, 'signing-key.pem');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    // 'wx' so two processes starting at once never overwrite each other's key.
    try {
      writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const privateKey = createPrivateKey(readFileSync(file));
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey, publicKeyPem };
}
