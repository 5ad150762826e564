/**
 * `npm run token -- <user_id> [--admin] [--ttl seconds]`: prints a session token the service accepts in
 * development (signed with the local dev key under DATA_DIR). Refuses when real Clerk keys are configured.
 * --admin adds the claim ADMIN_CLAIM names, so it needs ADMIN_CLAIM.
 */
import { AppConfig } from '../config/app-config';
import { processEnvironment } from '../config/environment';
import { loadOrCreateDevSigningKey } from './dev-signing-key';
import { signSessionToken } from './jwt-signer';

function main(argv: string[]): void {
  const config = new AppConfig(processEnvironment());
  const userId = argv.find((a) => !a.startsWith('--')) ?? 'user_dev';
  const ttlIndex = argv.indexOf('--ttl');
  const ttl = ttlIndex >= 0 ? Number(argv[ttlIndex + 1]) : 24 * 3600;
  if (config.clerk.jwtKey || config.clerk.secretKey) {
    throw new Error('Clerk keys are configured: get tokens from Clerk, not from the dev signing key');
  }
  const admin = argv.includes('--admin') ? config.adminClaim : undefined;
  if (argv.includes('--admin') && !admin) {
    throw new Error('--admin needs ADMIN_CLAIM (e.g. metadata.role=admin), or put the user id in ADMIN_USER_IDS instead');
  }
  const { privateKey } = loadOrCreateDevSigningKey(config.dataDir);
  const azp = config.clerk.authorizedParties[0];
  const token = signSessionToken(
    privateKey,
    { ...(admin ? nestedClaim(admin.path, admin.value) : {}), sub: userId, ...(azp ? { azp } : {}) },
    { expiresInSeconds: Number.isFinite(ttl) && ttl > 0 ? ttl : 24 * 3600 },
  );
  process.stdout.write(`${token}\n`);
}

/** ['metadata', 'role'], 'admin' → { metadata: { role: 'admin' } } */
function nestedClaim(path: string[], value: string): Record<string, unknown> {
  return path.reduceRight<unknown>((inner, name) => ({ [name]: inner }), value) as Record<string, unknown>;
}

try {
  main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`token: ${(err as Error).message}\n`);
  process.exit(1);
}
