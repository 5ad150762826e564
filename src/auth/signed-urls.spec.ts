import { AppConfig } from '../config/app-config';
import { validateEnvironment } from '../config/environment';
import { SignedUrls } from './signed-urls';

const signer = (env: Record<string, string>) =>
  new SignedUrls(new AppConfig(validateEnvironment({ NODE_ENV: 'test', WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 7).toString('base64')}`, ...env })));
const PATH = '/api/v1/videos/jobs/0b7c1a52-8f7e-4a9f-9f51-2d8b1f7a0c11/download';
const query = (url: string) => Object.fromEntries(new URL(url, 'http://x').searchParams);

describe('SignedUrls', () => {
  const now = Date.parse('2026-01-15T10:00:00Z');

  test('a URL is good for its path and owner until DOWNLOAD_URL_TTL_S has passed, and not a second longer', () => {
    const urls = signer({ DOWNLOAD_URL_TTL_S: '60' });
    const { url, expiresAt } = urls.sign(PATH, 'user_a', now);
    expect(url.startsWith(`${PATH}?uid=user_a&expires=`)).toBe(true);
    expect(expiresAt.toISOString()).toBe('2026-01-15T10:01:00.000Z');
    expect(urls.verify(PATH, query(url), now + 59_999)).toBe('user_a');
    expect(urls.verify(PATH, query(url), now + 60_000)).toBeNull();
  });

  test('another path, owner, expiry or signature, or a missing part, is refused', () => {
    const urls = signer({});
    const signed = query(urls.sign(PATH, 'user_a', now).url);
    expect(urls.verify(PATH.replace('download', 'captions'), signed, now)).toBeNull();
    expect(urls.verify(PATH, { ...signed, uid: 'user_b' }, now)).toBeNull();
    expect(urls.verify(PATH, { ...signed, expires: String(Number(signed.expires) + 1) }, now)).toBeNull();
    expect(urls.verify(PATH, { ...signed, signature: signed.signature.slice(1) }, now)).toBeNull();
    expect(urls.verify(PATH, { ...signed, expires: ['1', '2'] }, now)).toBeNull();
    expect(urls.verify(PATH, { uid: signed.uid, expires: signed.expires }, now)).toBeNull();
  });

  test('instances with the same secret accept each other\'s URLs; another secret does not', () => {
    const secret = { DOWNLOAD_URL_SECRET: 's'.repeat(40) };
    const url = query(signer(secret).sign(PATH, 'user_a', now).url);
    expect(signer(secret).verify(PATH, url, now)).toBe('user_a');
    expect(signer({ DOWNLOAD_URL_SECRET: 't'.repeat(40) }).verify(PATH, url, now)).toBeNull();
    // Without DOWNLOAD_URL_SECRET the key comes from WEBHOOK_SECRET (the same on every instance in production).
    expect(signer({}).verify(PATH, query(signer({}).sign(PATH, 'user_a', now).url), now)).toBe('user_a');
    expect(signer({}).verify(PATH, url, now)).toBeNull();
  });

  test('a short DOWNLOAD_URL_SECRET or an out-of-range TTL stops the service at start-up', () => {
    expect(() => signer({ DOWNLOAD_URL_SECRET: 'short' })).toThrow(/DOWNLOAD_URL_SECRET/);
    expect(() => signer({ DOWNLOAD_URL_TTL_S: '5' })).toThrow(/DOWNLOAD_URL_TTL_S/);
  });
});
