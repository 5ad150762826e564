import { createHash, randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';
import { freePort } from './support/redis-server';
import { startTestApp, TestContext, waitForJob } from './support/test-app';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const OPERATOR = 'sk-board-operator-0123456789';
const MONITOR = 'sk-board-monitor-0123456789';
const OTHER_ORIGIN = /(?:src|href|action)\s*=\s*["']?(?:https?:)?\/\//i;

/** bull-board at /admin/queues: admin sessions only, same-origin pages under the CSP, both queues listed. */
describe('queue dashboard (bull-board)', () => {
  let ctx: TestContext;
  let admin: string;
  let user: string;
  let cookie: string;

  const openSession = () => ctx.http().post('/api/v1/system/admin-session');
  /** GET on the dashboard with the admin session's cookie, another cookie, or (null) none. */
  const board = (path = '', withCookie: string | null = cookie) => {
    const req = ctx.http().get(`/admin/queues${path}`);
    return withCookie === null ? req : req.set('Cookie', withCookie);
  };

  beforeAll(async () => {
    ctx = await startTestApp({
      APP_ROLE: 'all',
      ADMIN_USER_IDS: 'user_root',
      API_KEYS: `ops:${sha(OPERATOR)}:system:write,monitor:${sha(MONITOR)}:system:read`,
      WEBHOOK_ALLOW_PRIVATE: 'true',
    });
    admin = ctx.tokenFor('user_root');
    user = ctx.tokenFor('user_plain');
  });
  afterAll(() => ctx.close());

  test('an admin session is for admins and system:write keys only', async () => {
    const none = await openSession();
    expect(none.status).toBe(401);
    expect(none.body.error.error_code).toBe('UNAUTHORIZED');
    const plain = await openSession().set('Authorization', `Bearer ${user}`);
    expect(plain.status).toBe(403);
    expect(plain.body.error.error_code).toBe('FORBIDDEN');
    expect(plain.headers['set-cookie']).toBeUndefined();
    const monitor = await openSession().set('X-API-Key', MONITOR);
    expect(monitor.status).toBe(403);

    const operator = await openSession().set('X-API-Key', OPERATOR);
    expect(operator.status).toBe(200);
    const res = await openSession().set('Authorization', `Bearer ${admin}`);
    expect(res.status).toBe(200);
    expect(res.body.dashboard_url).toBe('/admin/queues');
    const lifetime = Date.parse(res.body.expires_at) - Date.now();
    expect(lifetime).toBeGreaterThan(14 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(15 * 60_000);
    const [setCookie] = res.headers['set-cookie'] as unknown as string[];
    expect(setCookie).toMatch(/^vgs_admin_session=[A-Za-z0-9_-]{43}; Path=\/admin\/queues; Max-Age=900; HttpOnly; SameSite=Strict$/);
    cookie = setCookie.split(';')[0];

    // Behind a TLS-terminating proxy the cookie is Secure.
    const proxied = await openSession().set('Authorization', `Bearer ${admin}`).set('X-Forwarded-Proto', 'https');
    expect((proxied.headers['set-cookie'] as unknown as string[])[0]).toMatch(/; Secure$/);
  });

  test('the dashboard answers only with a session cookie', async () => {
    for (const res of [
      await board('', null),
      await board('/api/queues', null),
      await board('', `vgs_admin_session=${randomBytes(32).toString('base64url')}`),
      await board('', 'vgs_admin_session=not-a-session'),
      // A bearer token opens a session; the dashboard itself takes only the cookie.
      await board('', null).set('Authorization', `Bearer ${admin}`),
    ]) {
      expect(res.status).toBe(401);
      expect(res.body.error).toEqual(expect.objectContaining({ error_code: 'UNAUTHORIZED', message: expect.stringContaining('POST /api/v1/system/admin-session') }));
    }
  });

  test('its page and assets load from this origin only, under a CSP that allows no other', async () => {
    const page = await board();
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('<base href="/admin/queues/"');
    expect(page.text).not.toMatch(OTHER_ORIGIN);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).toContain("font-src 'self' data:");
    expect(csp).not.toContain('https:');

    const assets = [...page.text.matchAll(/(?:src|href)="(static\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.filter((a) => a.endsWith('.js')).length).toBeGreaterThan(0);
    expect(assets.filter((a) => a.endsWith('.css')).length).toBeGreaterThan(0);
    for (const asset of assets) {
      const res = await board(`/${asset}`);
      expect(res.status).toBe(200);
      if (asset.endsWith('.css')) expect(res.text).not.toMatch(/url\(\s*["']?(?:https?:)?\/\//i);
      expect((await board(`/${asset}`, null)).status).toBe(401);
    }
  });

  test('the dashboard runs in a real browser with nothing refused by the CSP and nothing fetched elsewhere', async () => {
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update'],
    });
    try {
      const page = await browser.newPage();
      await page.context().addCookies([{ name: 'vgs_admin_session', value: cookie.split('=')[1], url: `${ctx.url}/admin/queues` }]);
      const problems: string[] = [];
      const elsewhere: string[] = [];
      page.on('console', (m) => ['error', 'warning'].includes(m.type()) && problems.push(m.text())); // CSP refusals land here
      page.on('pageerror', (err) => problems.push(String(err)));
      page.on('request', (r) => !r.url().startsWith(`${ctx.url}/`) && elsewhere.push(r.url()));
      await page.goto(`${ctx.url}/admin/queues`);
      // The sidebar's links: the overview beside it names the same queues once it has loaded.
      const sidebar = page.locator('#bull-board-sidebar');
      await sidebar.getByText('webhooks', { exact: true }).waitFor({ timeout: 15_000 });
      await sidebar.getByText('video-render', { exact: true }).click();
      await page.waitForLoadState('networkidle');
      expect(problems).toEqual([]);
      expect(elsewhere).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  test('its API lists the jobs of both queues: renders (read-only) and webhook deliveries', async () => {
    const hook = `https://127.0.0.1:${await freePort()}/hook`; // nothing listens: the delivery stays in its queue, retried
    const submitted = await ctx
      .http()
      .post('/api/v1/videos/generate')
      .set('Authorization', `Bearer ${user}`)
      .send({ topic: 'Queue board', context: 'Listed on the dashboard.', quality: 'low', webhook_url: hook });
    expect(submitted.status).toBe(201);
    const jobId = submitted.body.job_id as string;
    await waitForJob(ctx, user, jobId, (j) => j.status === 'completed');

    const listing = async (queue: string) => {
      const res = await board(`/api/queues?activeQueue=${queue}&status=latest&page=1&jobsPerPage=50`);
      expect(res.status).toBe(200);
      return res.body.queues as Array<{ name: string; readOnlyMode: boolean; jobs: Array<{ id: string; data: Record<string, any> }> }>;
    };
    const renders = await listing('video-render');
    expect(renders.map((q) => q.name).sort()).toEqual(['video-render', 'webhooks']);
    const renderQueue = renders.find((q) => q.name === 'video-render')!;
    expect(renderQueue.readOnlyMode).toBe(true);
    expect(renderQueue.jobs.map((j) => j.id)).toContain(jobId);

    const deadline = Date.now() + 15_000;
    let deliveries: Array<{ data: Record<string, any> }> = [];
    while (Date.now() < deadline) {
      const webhooks = (await listing('webhooks')).find((q) => q.name === 'webhooks')!;
      expect(webhooks.readOnlyMode).toBe(false);
      deliveries = webhooks.jobs.filter((j) => j.data.url === hook);
      if (deliveries.length > 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(deliveries.map((d) => d.data.payload.data.job_id)).toEqual([jobId]);

    // A read-only queue refuses actions from the dashboard too.
    const clean = await ctx.http().put('/admin/queues/api/queues/video-render/clean/completed').set('Cookie', cookie);
    expect(clean.status).toBeGreaterThanOrEqual(400);
    expect((await listing('video-render')).find((q) => q.name === 'video-render')!.jobs.map((j) => j.id)).toContain(jobId);
  });
});
