import { AppConfig } from '../config/app-config';
import { clerkFrontendApiOrigin, validateEnvironment } from '../config/environment';
import { consoleSecurityHeaders } from './console.module';
import type { Request, Response } from 'express';

const key = (host: string, kind = 'test') => `pk_${kind}_${Buffer.from(`${host}$`).toString('base64')}`;

/** The CSP header consoleSecurityHeaders sets for an instance configured with `env`. */
function consoleCsp(env: Record<string, string>): string {
  const headers: Record<string, string> = {};
  const res = { setHeader: (name: string, value: string) => (headers[name.toLowerCase()] = value) } as unknown as Response;
  consoleSecurityHeaders(new AppConfig(validateEnvironment({ NODE_ENV: 'test', ...env })))({} as Request, res, () => undefined);
  return headers['content-security-policy'];
}

describe('web console settings', () => {
  test("a publishable key names its Frontend API origin (development and production instances)", () => {
    expect(clerkFrontendApiOrigin(key('clever-fox-12.clerk.accounts.dev'))).toBe('https://clever-fox-12.clerk.accounts.dev');
    expect(clerkFrontendApiOrigin(key('clerk.example.com', 'live'))).toBe('https://clerk.example.com');
    expect(clerkFrontendApiOrigin(`pk_test_${Buffer.from('no-dollar.example.com').toString('base64')}`)).toBeNull();
    expect(clerkFrontendApiOrigin(key('evil.example.com/path'))).toBeNull();
  });

  test('a publishable key that is not one stops the service at start-up, naming the variable', () => {
    expect(() => validateEnvironment({ CLERK_PUBLISHABLE_KEY: 'sk_test_abc' })).toThrow(/CLERK_PUBLISHABLE_KEY/);
    expect(() => validateEnvironment({ CLERK_PUBLISHABLE_KEY: key('localhost') })).toThrow(/CLERK_PUBLISHABLE_KEY: does not encode a Frontend API host/);
  });

  test("the console's CSP: scripts from this origin only; connections to this origin, plus the Frontend API with Clerk", () => {
    const plain = consoleCsp({});
    expect(plain).toMatch(/(^|;)script-src 'self'(;|$)/);
    expect(plain).toMatch(/(^|;)connect-src 'self'(;|$)/);
    expect(plain).not.toMatch(/upgrade-insecure-requests/);
    expect(plain).not.toMatch(/worker-src/);
    const clerk = consoleCsp({ CLERK_PUBLISHABLE_KEY: key('clerk.example.com', 'live') });
    expect(clerk).toMatch(/(^|;)connect-src 'self' https:\/\/clerk\.example\.com(;|$)/);
    expect(clerk).toMatch(/(^|;)script-src 'self'(;|$)/);
    expect(clerk).toMatch(/(^|;)worker-src 'self' blob:(;|$)/);
  });

  test('with DOWNLOAD_MODE=redirect the player and thumbnails may follow the 302 to the bucket, and only there', () => {
    const s3 = { STORAGE_DRIVER: 's3', S3_BUCKET: 'videos', S3_ACCESS_KEY_ID: 'id', S3_SECRET_ACCESS_KEY: 'secret', S3_REGION: 'eu-west-1' };
    const proxied = consoleCsp(s3);
    expect(proxied).not.toMatch(/media-src/);
    expect(proxied).toMatch(/(^|;)img-src 'self' data:(;|$)/);
    const aws = consoleCsp({ ...s3, DOWNLOAD_MODE: 'redirect' });
    expect(aws).toMatch(/(^|;)media-src 'self' https:\/\/videos\.s3\.eu-west-1\.amazonaws\.com(;|$)/);
    expect(aws).toMatch(/(^|;)img-src 'self' data: https:\/\/videos\.s3\.eu-west-1\.amazonaws\.com(;|$)/);
    const minio = consoleCsp({ ...s3, DOWNLOAD_MODE: 'redirect', S3_ENDPOINT: 'http://minio.internal:9000', S3_FORCE_PATH_STYLE: 'true' });
    expect(minio).toMatch(/(^|;)media-src 'self' http:\/\/minio\.internal:9000(;|$)/);
    const r2 = consoleCsp({ ...s3, DOWNLOAD_MODE: 'redirect', S3_ENDPOINT: 'https://acct.r2.cloudflarestorage.com', S3_FORCE_PATH_STYLE: 'false' });
    expect(r2).toMatch(/(^|;)media-src 'self' https:\/\/videos\.acct\.r2\.cloudflarestorage\.com(;|$)/);
  });
});
