import { startTestApp, TestContext } from './support/test-app';

/** `depth` objects nested inside each other: {"a":{"a":…{}…}}. */
const nested = (depth: number): string => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);

/** Hostile input answered in the envelope, never a 500, on an API-only instance (nothing renders here). */
describe('hardening: hostile bodies', () => {
  let ctx: TestContext;
  let alice: string;

  beforeAll(async () => {
    ctx = await startTestApp({ APP_ROLE: 'api' });
    alice = ctx.tokenFor('user_alice');
  });
  afterAll(() => ctx.close());

  const send = (method: 'post' | 'put', path: string, raw: string) =>
    ctx.http()[method](path).set('Authorization', `Bearer ${alice}`).set('Content-Type', 'application/json').send(raw);

  const deep = nested(5000);
  const routes: Array<[string, 'post' | 'put', string, string]> = [
    ['generate', 'post', '/api/v1/videos/generate', `{"topic":"Deep","context":"Nesting.","custom_config":${deep}}`],
    ['batch', 'post', '/api/v1/videos/batch', `{"jobs":[{"topic":"Deep","context":"Nesting.","custom_config":${deep}}]}`],
    ['configurations', 'post', '/api/v1/configurations', `{"name":"deep","settings":{"custom_config":${deep}}}`],
    ['preferences', 'put', '/api/v1/users/me/preferences', `{"notifications":${deep}}`],
    ['an array body', 'post', '/api/v1/videos/generate', '['.repeat(5000) + ']'.repeat(5000)],
  ];

  test.each(routes)('5,000-deep JSON (%s) is a 422 VALIDATION_ERROR in the envelope', async (_name, method, path, raw) => {
    const res = await send(method, path, raw);
    expect(res.status).toBe(422);
    expect(res.body.error).toEqual(expect.objectContaining({ error_code: 'VALIDATION_ERROR', path, request_id: expect.any(String) }));
    expect(res.body.error.message).toMatch(/nest/i);
  });

  test('nothing was created; a body within the limit reaches validation', async () => {
    for (const list of ['/api/v1/jobs', '/api/v1/configurations']) {
      const res = await ctx.http().get(list).set('Authorization', `Bearer ${alice}`);
      expect([res.status, res.body.data]).toEqual([200, []]);
    }
    const shallow = await send('post', '/api/v1/configurations', `{"name":"fine","settings":{"custom_config":${nested(10)}}}`);
    expect(shallow.status).toBe(422);
    expect(shallow.body.error.details.fields).toEqual([expect.objectContaining({ field: 'settings.custom_config.a' })]);
  });
});

/** helmet's headers on every answer; the docs pages still load their scripts and styles. */
describe('hardening: security headers', () => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await startTestApp({ APP_ROLE: 'api' });
  });
  afterAll(() => ctx.close());

  const expectSecurityHeaders = (headers: Record<string, string>) => {
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['content-security-policy']).toEqual(expect.stringContaining("default-src 'self'"));
    expect(headers['x-powered-by']).toBeUndefined();
  };

  test('on an API answer and on errors', async () => {
    const ok = await ctx.http().get('/api/v1/jobs').set('Authorization', `Bearer ${ctx.tokenFor('user_alice')}`);
    expect(ok.status).toBe(200);
    expectSecurityHeaders(ok.headers);
    const unauthorized = await ctx.http().get('/api/v1/jobs');
    expect(unauthorized.status).toBe(401);
    expectSecurityHeaders(unauthorized.headers);
    const missing = await ctx.http().get('/no/such/route');
    expect(missing.status).toBe(404);
    expectSecurityHeaders(missing.headers);
  });

  test('/docs renders: its page and every asset it names load, and its CSP allows them', async () => {
    const page = await ctx.http().get('/docs');
    expect(page.status).toBe(200);
    expectSecurityHeaders(page.headers);
    const csp = page.headers['content-security-policy'];
    const assets = [...(page.text as string).matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((u) => !/^(https?:|data:|#)/.test(u));
    expect(assets.length).toBeGreaterThan(2);
    for (const asset of assets) {
      const res = await ctx.http().get(new URL(asset, `${ctx.url}/docs`).pathname);
      expect([asset, res.status]).toEqual([asset, 200]);
      expectSecurityHeaders(res.headers);
    }
    // The page has inline <style>s; each script it runs is a file served from here.
    if (/<style/.test(page.text)) expect(csp).toMatch(/style-src[^;]*'unsafe-inline'/);
    expect(page.text).not.toMatch(/<script>(?!\s*<\/script>)/);
  });

  test('/redoc may load its bundle from the CDN, and run its workers', async () => {
    const page = await ctx.http().get('/redoc');
    expect(page.status).toBe(200);
    expectSecurityHeaders(page.headers);
    const csp = page.headers['content-security-policy'];
    expect(csp).toMatch(/script-src[^;]*https:\/\/cdn\.redoc\.ly/);
    expect(csp).toMatch(/worker-src[^;]*blob:/);
    const spec = await ctx.http().get('/openapi.json');
    expect(spec.status).toBe(200);
    expectSecurityHeaders(spec.headers);
  });
});
