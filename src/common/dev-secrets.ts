import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A development secret kept under DATA_DIR/dev-auth, made on first use (never used in production). */
export function devSecretFile(dataDir: string, name: string, create: () => string): string {
  const dir = join(dataDir, 'dev-auth');
  const file = join(dir, name);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // 'wx' so two processes starting at once never overwrite each other's secret.
    try {
      writeFileSync(file, create(), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return readFileSync(file, 'utf8');
}

/** Development without WEBHOOK_SECRET: a local Standard Webhooks secret (whsec_ + base64). */
export function loadOrCreateDevWebhookSecret(dataDir: string): string {
  return devSecretFile(dataDir, 'webhook-secret', () => `whsec_${randomBytes(32).toString('base64')}`).trim();
}
