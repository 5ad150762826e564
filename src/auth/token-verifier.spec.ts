import { TestIssuer } from '../../test/support/tokens';
import { AppConfig } from '../config/app-config';
import { validateEnvironment } from '../config/environment';
import { InvalidTokenError, TokenVerifier } from './token-verifier';

/** Admin rights from token claims, verified by the real Clerk SDK against a throwaway RSA key. */
describe('TokenVerifier: admins', () => {
  const issuer = new TestIssuer();
  const verifier = (env: Record<string, string> = {}) =>
    new TokenVerifier(new AppConfig(validateEnvironment({ NODE_ENV: 'test', CLERK_JWT_KEY: issuer.envValue, ...env })));
  const isAdmin = async (v: TokenVerifier, claims: Record<string, unknown>) => (await v.verify(issuer.token({ sub: 'user_x', ...claims }))).isAdmin;
  const roleAdmin = { metadata: { role: 'admin' } };

  test('ADMIN_CLAIM unset: no claim makes an admin, only ADMIN_USER_IDS', async () => {
    const v = verifier({ ADMIN_USER_IDS: 'user_root' });
    expect(await isAdmin(v, roleAdmin)).toBe(false);
    expect(await isAdmin(v, { role: 'admin', admin: true })).toBe(false);
    expect((await v.verify(issuer.token({ sub: 'user_root' }))).isAdmin).toBe(true);
  });

  test('ADMIN_CLAIM set: the claim at that path with exactly that value makes an admin', async () => {
    const v = verifier({ ADMIN_CLAIM: 'metadata.role=admin' });
    expect(await isAdmin(v, roleAdmin)).toBe(true);
    expect(await isAdmin(v, {})).toBe(false);
    expect(await isAdmin(v, { metadata: { role: 'Admin' } })).toBe(false);
    expect(await isAdmin(v, { metadata: { role: ['admin'] } })).toBe(false);
    expect(await isAdmin(v, { metadata: 'admin' })).toBe(false);
    expect(await isAdmin(v, { role: 'admin' })).toBe(false); // another path
  });

  test('deeper paths and values with "="; inherited properties are never walked', async () => {
    const v = verifier({ ADMIN_CLAIM: 'org.perms.level=a=b' });
    expect(await isAdmin(v, { org: { perms: { level: 'a=b' } } })).toBe(true);
    expect(await isAdmin(v, { org: { perms: { level: 'a' } } })).toBe(false);
    const proto = verifier({ ADMIN_CLAIM: 'metadata.constructor.name=Object' });
    expect(await isAdmin(proto, { metadata: {} })).toBe(false);
  });
});

/** The verified-token cache, against the real Clerk SDK; its 5 s clock-skew allowance is why the waits are long. */
describe('TokenVerifier: remembered verifications', () => {
  const issuer = new TestIssuer();
  const verifier = () => new TokenVerifier(new AppConfig(validateEnvironment({ NODE_ENV: 'test', CLERK_JWT_KEY: issuer.envValue })));
  const CLERK_CLOCK_SKEW_MS = 5000;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  test('a remembered token still stops working at its exp (plus only the SDK’s own skew)', async () => {
    const v = verifier();
    // exp counts from a whole second (iat is floored): 2 s leave at least one for the first verification on a busy machine.
    const token = issuer.token({ sub: 'user_short' }, { expiresInSeconds: 2 });
    const exp = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).exp as number;
    expect(v.remembered(token)).toBeUndefined(); // never verified
    expect((await v.verify(token)).userId).toBe('user_short');
    expect((await v.verify(token)).userId).toBe('user_short'); // served from the cache
    expect(v.remembered(token)?.userId).toBe('user_short');
    await sleep(exp * 1000 + CLERK_CLOCK_SKEW_MS + 300 - Date.now());
    expect(v.remembered(token)).toBeUndefined();
    await expect(v.verify(token)).rejects.toThrow(InvalidTokenError);
  }, 15_000);

  test('a token already past exp, still inside the skew allowance, is accepted but never remembered', async () => {
    const v = verifier();
    const issuedAt = Math.floor(Date.now() / 1000) - 10;
    const token = issuer.token({ sub: 'user_stale' }, { issuedAt, expiresInSeconds: 7 }); // exp 3 s ago
    expect((await v.verify(token)).userId).toBe('user_stale');
    expect(v.remembered(token)).toBeUndefined();
    await sleep((issuedAt + 7) * 1000 + CLERK_CLOCK_SKEW_MS + 300 - Date.now());
    await expect(v.verify(token)).rejects.toThrow(InvalidTokenError);
  }, 15_000);

  test('a token with its signature changed is never served from the entry of the genuine one', async () => {
    const v = verifier();
    const token = issuer.token({ sub: 'user_real' });
    await v.verify(token);
    const [header, payload] = token.split('.');
    const forged = `${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`;
    expect(v.remembered(forged)).toBeUndefined();
    await expect(v.verify(forged)).rejects.toThrow(InvalidTokenError);
  });
});
