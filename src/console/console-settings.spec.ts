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
});
