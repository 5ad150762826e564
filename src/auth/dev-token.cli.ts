/**
 * `npm run token -- <user_id> [--admin] [--ttl seconds]`: prints a session token the service accepts in
 * development (signed with the local dev key under DATA_DIR). Refuses when real Clerk keys are configured.
 * --admin adds the claim ADMIN_CLAIM names, so it needs ADMIN_CLAIM.
 */
import { Command, InvalidArgumentError } from 'commander';
import { AppConfig } from '../config/app-config';
import { processEnvironment } from '../config/environment';
import { loadOrCreateDevSigningKey } from './dev-signing-key';
import { signSessionToken } from './jwt-signer';

const DAY_SECONDS = 24 * 3600;

function seconds(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) === 0) throw new InvalidArgumentError('must be a whole number of seconds, at least 1');
  return Number(value);
}

function printToken(userId: string, options: { admin?: boolean; ttl: number }): void {
  const config = new AppConfig(processEnvironment());
  if (config.clerk.jwtKey || config.clerk.secretKey) {
    throw new Error('Clerk keys are configured: get tokens from Clerk, not from the dev signing key');
  }
  const admin = options.admin ? config.adminClaim : undefined;
  if (options.admin && !admin) {
    throw new Error('--admin needs ADMIN_CLAIM (e.g. metadata.role=admin), or put the user id in ADMIN_USER_IDS instead');
  }
  const { privateKey } = loadOrCreateDevSigningKey(config.dataDir);
  const azp = config.clerk.authorizedParties[0];
  const token = signSessionToken(
    privateKey,
    { ...(admin ? nestedClaim(admin.path, admin.value) : {}), sub: userId, ...(azp ? { azp } : {}) },
    { expiresInSeconds: options.ttl },
  );
  process.stdout.write(`${token}\n`);
}

/** ['metadata', 'role'], 'admin' → { metadata: { role: 'admin' } } */
function nestedClaim(path: string[], value: string): Record<string, unknown> {
  return path.reduceRight<unknown>((inner, name) => ({ [name]: inner }), value) as Record<string, unknown>;
}

new Command('token')
  .description('Prints a session token the service accepts in development, signed with the local key under DATA_DIR.')
  .argument('<user_id>', "the token's subject (sub)")
  .option('--admin', 'add the admin claim ADMIN_CLAIM names')
  .option('--ttl <seconds>', 'lifetime', seconds, DAY_SECONDS)
  .action((userId: string, options: { admin?: boolean; ttl: number }) => {
    try {
      printToken(userId, options);
    } catch (err) {
      process.stderr.write(`token: ${(err as Error).message}\n`);
      process.exit(1);
    }
  })
  .parse();
