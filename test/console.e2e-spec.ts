import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page, Request } from 'playwright-core';
import { binaryBody } from './support/media';
import { AZP, startTestApp, TestContext } from './support/test-app';

/** Debian's chromium (scripts/setup.sh installs it), driven by playwright-core: no browser download. */
const launchChromium = () =>
  chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update'] });

const ARTIFACTS = join(__dirname, '..', 'test-artifacts');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isSubmission = (r: Request) => r.url().endsWith('/api/v1/videos/generate') && r.method() === 'POST';
const isListRead = (url: string) => /\/api\/v1\/jobs\?/.test(url);

/** Signs a page in with a pasted token and waits until it is live. */
async function signIn(page: Page, token: string, press: 'click' | 'dblclick' = 'click') {
  await page.locator('#token-form textarea').fill(token);
  await page.getByRole('button', { name: 'Use this token' })[press]();
  await page.waitForFunction(() => document.querySelector('#live')?.textContent === 'live'); // Socket.IO connected
}

/**
 * A page under watch: what it logged as errors, the CSP violations it reported, and every request it made, so a test
 * can assert that nothing failed, nothing was refused and nothing went to another origin.
 */
async function watchedPage(context: BrowserContext) {
  const page = await context.newPage();
  const errors: string[] = [];
  const violations: string[] = [];
  const requests: Array<{ url: string; type: string; authorization?: string }> = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('request', (request) => requests.push({ url: request.url(), type: request.resourceType(), authorization: request.headers().authorization }));
  await page.exposeFunction('reportCspViolation', (text: string) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { reportCspViolation(text: string): void }).reportCspViolation(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return { page, errors, violations, requests };
}

describe('web console (/console) in headless Chromium', () => {
  let ctx: TestContext;
  let browser: Browser;
  let context: BrowserContext;
  let watched: Awaited<ReturnType<typeof watchedPage>>;
  let page: Page;
  let token: string;
  const jobUpdateFrames: string[] = [];
  let completedId: string;

  beforeAll(async () => {
    ctx = await startTestApp({
      APP_ROLE: 'all',
      // The request below names a webhook; it goes to a closed local port, once, so it fails quietly.
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_MAX_ATTEMPTS: '1',
    });
    token = ctx.tokenFor('user_console');
    browser = await launchChromium();
    context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1200, height: 1100 } });
    watched = await watchedPage(context);
    page = watched.page;
    page.on('websocket', (ws) =>
      ws.on('framereceived', (frame) => {
        if (typeof frame.payload === 'string' && frame.payload.includes('"job.update"')) jobUpdateFrames.push(frame.payload);
      }),
    );
  });
  afterAll(async () => {
    await browser?.close();
    await ctx?.close();
  });

  const row = (jobId: string) => page.locator(`li[data-job-id="${jobId}"]`);
  /** What a row shows: its status and percent. */
  const rowState = (jobId: string) => row(jobId).evaluate((li) => `${li.dataset.status} ${li.querySelector('.percent')?.textContent}`);
  const requestForm = () => page.locator('#submit-form');
  /** Fills the form with a short request of these scenes, emptying the optional fields an earlier test filled. */
  async function fillRequest(topic: string, scenes: number, seconds: number) {
    await requestForm().locator('[name=topic]').fill(topic);
    await requestForm().locator('[name=context]').fill(`${topic}, in ${scenes} scenes.`);
    await requestForm().locator('[name=use_rag]').uncheck();
    for (const name of ['model', 'configuration_id', 'webhook_url']) await requestForm().locator(`[name=${name}]`).fill('');
    const custom = { scenes: Array.from({ length: scenes }, (_, i) => ({ title: `Part ${i + 1}`, text: 'A scene.', duration: seconds })) };
    await requestForm().locator('[name=custom_config]').fill(JSON.stringify(custom));
  }
  /** Submits the filled form and answers the new job's id. */
  async function submit(): Promise<string> {
    const [created] = await Promise.all([page.waitForResponse((r) => isSubmission(r.request())), requestForm().getByRole('button', { name: 'Submit' }).click()]);
    expect(created.status()).toBe(201);
    const jobId = ((await created.json()) as { job_id: string }).job_id;
    await row(jobId).waitFor();
    return jobId;
  }
  const topicCount = async (topic: string) => {
    const listed = await ctx.http().get('/api/v1/jobs?items_per_page=100').set('Authorization', `Bearer ${token}`);
    return (listed.body.data as Array<{ configuration: { topic: string } }>).filter((job) => job.configuration.topic === topic).length;
  };

  test('the page is served with its own CSP and signs in with a pasted development token', async () => {
    const res = await ctx.http().get('/console');
    expect(res.status).toBe(200);
    expect(res.headers['content-security-policy']).toMatch(/script-src 'self'(;|$)/);
    expect(res.headers['content-security-policy']).toMatch(/connect-src 'self'(;|$)/);

    await page.goto(`${ctx.url}/console`);
    await page.locator('#token-form textarea').fill(token);
    await page.getByRole('button', { name: 'Use this token' }).click();
    await page.waitForFunction(() => document.querySelector('#who')?.textContent === 'Signed in as user_console');
    await page.waitForFunction(() => document.querySelector('#live')?.textContent === 'live'); // Socket.IO connected
  });

  test('a kept token that has expired goes back to a working sign-in form, with the error shown', async () => {
    const expired = ctx.issuer.token({ sub: 'user_console', azp: AZP }, { issuedAt: Math.floor(Date.now() / 1000) - 3600, expiresInSeconds: 60 });
    const tab = await context.newPage(); // a tab of its own: sessionStorage is per tab
    try {
      // In storage before the page's script runs, as a reload finds it.
      await tab.addInitScript((kept) => sessionStorage.setItem('vgs-console-token', kept), expired);
      await tab.goto(`${ctx.url}/console`);
      await tab.waitForFunction(() => document.querySelector('#sign-in-error')?.textContent === 'That token was not accepted (invalid or expired).');
      await expect(tab.locator('#token-form').isVisible()).resolves.toBe(true);
      await signIn(tab, token);
      await expect(tab.locator('#who').textContent()).resolves.toBe('Signed in as user_console');
    } finally {
      await tab.close();
    }
  });

  test('a token check the service cannot answer (503) keeps the token: the error is shown and a reload signs in', async () => {
    const tab = await context.newPage();
    try {
      // Kept once, on the first load only: the reload below finds only what the console itself left.
      await tab.addInitScript((kept) => {
        if (sessionStorage.getItem('seeded')) return;
        sessionStorage.setItem('seeded', '1');
        sessionStorage.setItem('vgs-console-token', kept);
      }, token);
      const unavailable = { error: { error_code: 'SERVICE_UNAVAILABLE', message: 'Redis is unavailable; retry later', details: {}, request_id: 'r', timestamp: new Date().toISOString() } };
      await tab.route('**/api/v1/users/me', (route) => route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify(unavailable) }), { times: 1 });
      await tab.goto(`${ctx.url}/console`);
      await tab.waitForFunction(() => /Redis is unavailable; retry later/.test(document.querySelector('#sign-in-error')?.textContent ?? ''));
      await expect(tab.evaluate(() => sessionStorage.getItem('vgs-console-token'))).resolves.toBe(token);
      await tab.reload();
      await tab.waitForFunction(() => document.querySelector('#who')?.textContent === 'Signed in as user_console');
    } finally {
      await tab.close();
    }
  });

  test('"Use this token" pressed twice signs in once (one token check, one socket), also after signing out and in again', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#token-form textarea').waitFor(); // the page reloaded, signed out
    const sockets: string[] = [];
    const socketOpened = (ws: { url(): string }) => sockets.push(ws.url());
    page.on('websocket', socketOpened);
    const tokenChecks = () => watched.requests.filter((r) => r.url.endsWith('/api/v1/users/me')).length;
    const checksBefore = tokenChecks();
    await signIn(page, token, 'dblclick');
    page.off('websocket', socketOpened);
    expect(tokenChecks() - checksBefore).toBe(1);
    expect(sockets).toHaveLength(1);
  });

  test('submits a request with every field, and its progress moves live over Socket.IO until completed', async () => {
    const saved = await ctx
      .http()
      .post('/api/v1/configurations')
      .set('Authorization', `Bearer ${token}`)
      .send({ name: 'console defaults', settings: { quality: 'medium' } });
    expect(saved.status).toBe(201);
    // Eight scenes of 4 s: a render of several seconds, so the page has progress to show between 0 and 100.
    const titles = ['Light bends', 'Colours split', 'Light reflects', 'The bow appears', 'Red outside', 'Violet inside', 'A second bow', 'Dark band'];
    const customConfig = { scenes: titles.map((title) => ({ title, text: `${title} inside the raindrops.`, duration: 4 })) };

    const form = page.locator('#submit-form');
    await form.locator('[name=topic]').fill('How rainbows form');
    await form.locator('[name=context]').fill('Sunlight bends inside raindrops and splits into colours.');
    await form.locator('[name=quality]').selectOption('low');
    await form.locator('[name=priority]').selectOption('low');
    await form.locator('[name=use_rag]').check();
    await form.locator('[name=model]').fill('console-model');
    await form.locator('[name=configuration_id]').fill(saved.body.configuration_id);
    await form.locator('[name=webhook_url]').fill('https://127.0.0.1:1/console-hook');
    await form.locator('[name=custom_config]').fill(JSON.stringify(customConfig));
    const listReads = () => watched.requests.filter((r) => /\/api\/v1\/jobs\?/.test(r.url)).length;
    const readsBefore = listReads();
    const [created] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/videos/generate') && r.request().method() === 'POST'),
      form.getByRole('button', { name: 'Submit' }).click(),
    ]);
    expect(created.status()).toBe(201);
    completedId = ((await created.json()) as { job_id: string }).job_id;

    // What the page shows, sampled as it changes: every (status, percent) pair the row went through.
    const seen: string[] = [];
    await row(completedId).waitFor();
    for (const deadline = Date.now() + 150_000; Date.now() < deadline; ) {
      const state = await row(completedId).evaluate((li) => `${li.dataset.status} ${li.querySelector('.percent')?.textContent}`).catch(() => '');
      if (state && seen[seen.length - 1] !== state) seen.push(state);
      if (/^(completed|failed|cancelled) /.test(state)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(seen[seen.length - 1]).toBe('completed 100%');
    // Progress has decimals (34.5%): every value shown while processing, strictly between 0 and 100, counts.
    const percent = (state: string) => Number(/^processing ([\d.]+)%$/.exec(state)?.[1] ?? NaN);
    const between = seen.filter((state) => percent(state) > 0 && percent(state) < 100);
    expect(between.length).toBeGreaterThanOrEqual(2); // values between 0 and 100 were shown as they changed
    // They came as Socket.IO job.update frames, not from reading the list again (read at most when the first
    // update beat the submission's answer to the page).
    expect(jobUpdateFrames.filter((f) => f.includes(completedId)).length).toBeGreaterThanOrEqual(between.length);
    expect(listReads() - readsBefore).toBeLessThanOrEqual(2);

    const job = await ctx.http().get(`/api/v1/jobs/${completedId}`).set('Authorization', `Bearer ${token}`);
    expect(job.body.configuration).toEqual(
      expect.objectContaining({
        topic: 'How rainbows form',
        context: 'Sunlight bends inside raindrops and splits into colours.',
        quality: 'low',
        priority: 'low',
        use_rag: true,
        model: 'console-model',
        configuration_id: saved.body.configuration_id,
        webhook_url: 'https://127.0.0.1:1/console-hook',
        custom_config: customConfig,
      }),
    );
  });

  test('plays the finished video with its WebVTT captions through signed URLs, and downloads it', async () => {
    await row(completedId).getByRole('button', { name: 'Play' }).click();
    await page.waitForFunction(() => {
      const video = document.querySelector('video');
      return video !== null && video.readyState >= 2 && (video.textTracks[0]?.cues?.length ?? 0) > 0;
    });
    const player = await page.evaluate(() => {
      const video = document.querySelector('video') as HTMLVideoElement;
      const track = video.textTracks[0];
      return { src: video.currentSrc, kind: track.kind, mode: track.mode, cues: track.cues?.length ?? 0, duration: video.duration, error: video.error?.code ?? null };
    });
    expect(player).toEqual(expect.objectContaining({ kind: 'captions', mode: 'showing', error: null }));
    expect(player.cues).toBeGreaterThan(0);
    expect(player.duration).toBeGreaterThan(1);
    expect(player.src).toMatch(new RegExp(`^${ctx.url}/api/v1/videos/jobs/${completedId}/download\\?uid=user_console&expires=\\d+&signature=[\\w-]+$`));
    // The media element fetched the video in ranges (206) with no credentials but the signature.
    const mediaRequests = watched.requests.filter((r) => r.url.includes(`/api/v1/videos/jobs/${completedId}/`) && r.type !== 'fetch');
    expect(mediaRequests.map((r) => r.type)).toEqual(expect.arrayContaining(['media', 'texttrack']));
    expect(mediaRequests.every((r) => r.url.includes('signature=') && r.authorization === undefined)).toBe(true);

    const [download] = await Promise.all([page.waitForEvent('download'), row(completedId).getByRole('button', { name: 'Download' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^how-rainbows-form-[0-9a-f]{8}\.mp4$/);
    const saved = await download.path();
    const meta = await ctx.http().get(`/api/v1/videos/jobs/${completedId}/metadata`).set('Authorization', `Bearer ${token}`);
    expect(statSync(saved).size).toBe(meta.body.file_size);
    expect(readFileSync(saved).subarray(4, 8).toString('latin1')).toBe('ftyp');
  });

  describe('signed download URLs (what the player and download link use)', () => {
    const issue = (jobId: string, as = token) =>
      ctx.http().post(`/api/v1/videos/jobs/${jobId}/download-url`).set('Authorization', `Bearer ${as}`);

    test('each file answers without credentials, keeping Range, ETag and the attachment name', async () => {
      const urls = await issue(completedId);
      expect(urls.status).toBe(200);
      expect(urls.body).toEqual({
        job_id: completedId,
        video_url: expect.stringMatching(new RegExp(`^/api/v1/videos/jobs/${completedId}/download\\?`)),
        captions_url: expect.stringMatching(new RegExp(`^/api/v1/videos/jobs/${completedId}/captions\\?`)),
        thumbnail_url: expect.stringMatching(new RegExp(`^/api/v1/videos/jobs/${completedId}/thumbnail\\?`)),
        expires_at: expect.any(String),
      });
      const ttl = (Date.parse(urls.body.expires_at) - Date.now()) / 1000;
      expect(ttl).toBeGreaterThan(800); // DOWNLOAD_URL_TTL_S defaults to 900
      expect(ttl).toBeLessThanOrEqual(900);

      const whole = await ctx.http().get(urls.body.video_url).buffer(true).parse(binaryBody);
      expect(whole.status).toBe(200);
      expect(whole.headers['content-disposition']).toMatch(/^attachment; filename="how-rainbows-form-[0-9a-f]{8}\.mp4"$/);
      const range = await ctx.http().get(urls.body.video_url).set('Range', 'bytes=0-99').buffer(true).parse(binaryBody);
      expect(range.status).toBe(206);
      expect(range.headers['content-range']).toBe(`bytes 0-99/${whole.body.length}`);
      expect(range.body).toEqual(whole.body.subarray(0, 100));
      const notModified = await ctx.http().get(urls.body.video_url).set('If-None-Match', whole.headers.etag);
      expect(notModified.status).toBe(304);
      const unsatisfiable = await ctx.http().get(urls.body.video_url).set('Range', `bytes=${whole.body.length + 10}-`);
      expect([unsatisfiable.status, unsatisfiable.body.error.error_code]).toEqual([416, 'RANGE_NOT_SATISFIABLE']);

      const captions = await ctx.http().get(urls.body.captions_url);
      expect([captions.status, captions.headers['content-type']]).toEqual([200, 'text/vtt; charset=utf-8']);
      expect(captions.text).toMatch(/^WEBVTT/);
      const thumbnail = await ctx.http().get(urls.body.thumbnail_url).buffer(true).parse(binaryBody);
      expect([thumbnail.status, thumbnail.headers['content-type']]).toEqual([200, 'image/jpeg']);
    });

    test('a URL opens only its own file, unaltered (expiry: src/auth/signed-urls.spec.ts); other users and unfinished jobs get none', async () => {
      const { video_url: video } = (await issue(completedId)).body as { video_url: string };
      const url = new URL(video, ctx.url);
      const refused = async (path: string) => {
        const res = await ctx.http().get(path);
        expect([path, res.status, res.body.error?.error_code]).toEqual([path, 401, 'UNAUTHORIZED']);
      };
      await refused(`/api/v1/videos/jobs/${completedId}/captions${url.search}`); // signed for the video, not the captions
      await refused(`/api/v1/jobs/${completedId}${url.search}`); // a route that takes no signed URLs
      await refused(`${url.pathname}${url.search.replace('uid=user_console', 'uid=user_other')}`);
      await refused(`${url.pathname}${url.search.replace(/expires=(\d+)/, (_m, e: string) => `expires=${Number(e) + 3600}`)}`);
      await refused(`${url.pathname}${url.search.replace(/signature=[\w-]+/, 'signature=AAAA')}`);

      expect((await issue(completedId, ctx.tokenFor('user_other'))).status).toBe(404);
      const queued = await ctx
        .http()
        .post('/api/v1/videos/generate')
        .set('Authorization', `Bearer ${token}`)
        .send({ topic: 'Not yet', context: 'Still queued or rendering.', quality: 'low' });
      const early = await issue(queued.body.job_id);
      expect([early.status, early.body.error.error_code]).toEqual([409, 'JOB_NOT_COMPLETED']);
      await ctx.http().delete(`/api/v1/jobs/${queued.body.job_id}`).set('Authorization', `Bearer ${token}`).expect(204);
    });
  });

  test('Submit pressed twice sends one request, with an Idempotency-Key that a retry after a lost answer sends again', async () => {
    const keys: string[] = [];
    const sent = (r: Request) => {
      if (isSubmission(r)) keys.push(r.headers()['idempotency-key']);
    };
    page.on('request', sent);
    try {
      await fillRequest('Pressed twice', 1, 2);
      const [created] = await Promise.all([page.waitForResponse((r) => isSubmission(r.request())), requestForm().getByRole('button', { name: 'Submit' }).dblclick()]);
      const twice = ((await created.json()) as { job_id: string }).job_id;
      await row(twice).waitFor();
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatch(UUID);
      await expect(topicCount('Pressed twice')).resolves.toBe(1);

      // The job is created, but its answer never reaches the page: pressing Submit again gets that job, not another.
      await fillRequest('Answer lost', 1, 2);
      let lost = '';
      await page.route('**/api/v1/videos/generate', async (route) => {
        lost = ((await (await route.fetch()).json()) as { job_id: string }).job_id;
        await route.abort('connectionreset');
      }, { times: 1 });
      const logged = page.waitForEvent('console', (message) => message.type() === 'error');
      await requestForm().getByRole('button', { name: 'Submit' }).click();
      await page.waitForFunction(() => (document.querySelector('#submit-error')?.textContent ?? '') !== '');
      // The one error the browser logs here is the answer lost on purpose: not left for the last test's check.
      expect((await logged).text()).toBe('Failed to load resource: net::ERR_CONNECTION_RESET');
      watched.errors.splice(watched.errors.indexOf((await logged).text()), 1);
      const [again] = await Promise.all([page.waitForResponse((r) => isSubmission(r.request())), requestForm().getByRole('button', { name: 'Submit' }).click()]);
      expect([again.status(), again.headers()['idempotent-replayed']]).toEqual([201, 'true']);
      expect(((await again.json()) as { job_id: string }).job_id).toBe(lost);
      await row(lost).waitFor();
      expect(keys).toHaveLength(3);
      expect([keys[1] === keys[2], keys[1] === keys[0]]).toEqual([true, false]); // one key per submission
      await expect(topicCount('Answer lost')).resolves.toBe(1);
      await expect(page.locator('#submit-error').textContent()).resolves.toBe('');
      for (const jobId of [twice, lost]) {
        await row(jobId).getByRole('button', { name: 'Delete' }).click();
        await row(jobId).waitFor({ state: 'detached' });
      }
    } finally {
      page.off('request', sent);
    }
  });

  test('a list read that answers late never takes a row back to an older state', async () => {
    await fillRequest('Late list', 4, 3);
    const jobId = await submit();
    await page.waitForFunction((id) => document.querySelector(`li[data-job-id="${id}"]`)?.getAttribute('data-status') === 'processing', jobId);
    // The list is read while the job is processing, and answers only once the page shows it completed.
    let listed = '';
    await page.route(/\/api\/v1\/jobs\?/, async (route) => {
      const response = await route.fetch();
      listed = ((await response.json()) as { data: Array<{ job_id: string; status: string }> }).data.find((job) => job.job_id === jobId)?.status ?? '';
      await page.waitForFunction((id) => document.querySelector(`li[data-job-id="${id}"]`)?.getAttribute('data-status') === 'completed', jobId, { timeout: 60_000 });
      await route.fulfill({ response });
    }, { times: 1 });
    const late = page.waitForResponse((r) => isListRead(r.url()));
    await page.locator('#refresh').click();
    await (await late).finished();
    expect(listed).toBe('processing');
    // The page takes the late answer in within moments: the row stays completed all along.
    for (const until = Date.now() + 1000; Date.now() < until; await sleep(50)) {
      expect(await rowState(jobId)).toBe('completed 100%');
    }
  });

  test('keyboard focus stays on a running job\'s Cancel while its progress moves, Enter cancels it, and Delete removes it', async () => {
    await fillRequest('A long one', 6, 60);
    const jobId = await submit();
    const percent = () => row(jobId).locator('.percent').textContent();
    await page.waitForFunction((id) => document.querySelector(`li[data-job-id="${id}"]`)?.getAttribute('data-status') === 'processing', jobId);
    await row(jobId).getByRole('button', { name: 'Cancel' }).focus();
    const before = await percent();
    await page.waitForFunction(([id, shown]) => document.querySelector(`li[data-job-id="${id}"] .percent`)?.textContent !== shown, [jobId, before]);
    const focused = () => page.evaluate(() => `${document.activeElement?.closest('li')?.dataset.jobId} ${document.activeElement?.textContent}`);
    await expect(focused()).resolves.toBe(`${jobId} Cancel`);
    await page.keyboard.press('Enter');
    await page.waitForFunction((id) => document.querySelector(`li[data-job-id="${id}"]`)?.getAttribute('data-status') === 'cancelled', jobId);
    await expect(row(jobId).getByRole('button', { name: 'Cancel' }).count()).resolves.toBe(0);

    await row(jobId).getByRole('button', { name: 'Delete' }).click();
    await row(jobId).waitFor({ state: 'detached' });
    const gone = await ctx.http().get(`/api/v1/jobs/${jobId}`).set('Authorization', `Bearer ${token}`);
    expect(gone.status).toBe(404);
    await expect(row(completedId).count()).resolves.toBe(1); // the other job is untouched

    mkdirSync(ARTIFACTS, { recursive: true });
    const screenshot = join(ARTIFACTS, 'console.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    process.stdout.write(`console screenshot: ${screenshot}\n`);
  });

  test('fits a 360 px screen, and a 300-character topic without spaces wraps: no horizontal scrolling, every button in view', async () => {
    const topic = 'Supercalifragilisticexpialidocious'.repeat(9).slice(0, 300);
    const created = await ctx
      .http()
      .post('/api/v1/videos/generate')
      .set('Authorization', `Bearer ${token}`)
      .send({ topic, context: 'A topic with nowhere to break.', quality: 'low' });
    expect(created.status).toBe(201);
    await ctx.http().post(`/api/v1/jobs/${created.body.job_id}/cancel`).set('Authorization', `Bearer ${token}`).expect(200);
    await page.waitForFunction((id) => document.querySelector(`li[data-job-id="${id}"]`)?.getAttribute('data-status') === 'cancelled', created.body.job_id);
    const layout = () =>
      page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        buttonsOutside: Array.from(document.querySelectorAll('li.job button'))
          .filter((b) => b.getBoundingClientRect().left < 0 || b.getBoundingClientRect().right > window.innerWidth)
          .map((b) => b.textContent),
      }));
    try {
      for (const width of [1280, 360]) {
        await page.setViewportSize({ width, height: 900 });
        const shown = await layout();
        expect([width, shown.buttonsOutside]).toEqual([width, []]);
        expect(shown.scrollWidth).toBeLessThanOrEqual(width);
      }
    } finally {
      await page.setViewportSize({ width: 1200, height: 1100 });
    }
  });

  test('no console errors, no CSP violations, no request to another origin, no token in any URL', () => {
    expect(watched.errors).toEqual([]);
    expect(watched.violations).toEqual([]);
    const origin = new URL(ctx.url).origin;
    expect(watched.requests.filter((r) => !r.url.startsWith('data:') && new URL(r.url).origin !== origin)).toEqual([]);
    expect(watched.requests.filter((r) => r.url.includes(token))).toEqual([]);
    expect(watched.requests.length).toBeGreaterThan(10);
  });
});

describe('web console with more jobs than a page (API only: the jobs stay queued)', () => {
  let ctx: TestContext;
  let browser: Browser;
  let page: Page;
  let token: string;
  const listReads: string[] = [];
  const rows = () => page.evaluate(() => Array.from(document.querySelectorAll<HTMLElement>('li.job'), (li) => li.dataset.jobId));
  /** Jobs submitted elsewhere (the CLI, another tab): a batch of `count`, oldest first. */
  const batch = async (name: string, count: number): Promise<string[]> => {
    const jobs = Array.from({ length: count }, (_, i) => ({ topic: `${name} ${i + 1}`, context: 'Queued, never rendered here.' }));
    const created = await ctx.http().post('/api/v1/videos/batch').set('Authorization', `Bearer ${token}`).send({ name, jobs });
    expect(created.status).toBe(201);
    return (created.body.jobs as Array<{ job_id: string }>).map((job) => job.job_id);
  };
  let older: string[];
  let newer: string[];

  beforeAll(async () => {
    ctx = await startTestApp({ APP_ROLE: 'api', MAX_ACTIVE_JOBS_PER_USER: '100' });
    token = ctx.tokenFor('user_pager');
    older = await batch('Older', 5);
    newer = await batch('Newer', 50);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('request', (r) => {
      if (isListRead(r.url())) listReads.push(r.url());
    });
    await page.goto(`${ctx.url}/console`);
    await signIn(page, token);
  });
  afterAll(async () => {
    await browser?.close();
    await ctx?.close();
  });

  test('updates of jobs further down than the list shows read nothing; jobs created elsewhere come in by at most two reads', async () => {
    await page.waitForFunction(() => document.querySelectorAll('li.job').length === 50);
    const readsBefore = listReads.length;
    // The last one cancelled is on the page: updates come in commit order, so once its row shows it, the page has
    // had the others' updates, and any read they started has been sent.
    const marker = newer[0];
    for (const jobId of [...older, marker]) await ctx.http().post(`/api/v1/jobs/${jobId}/cancel`).set('Authorization', `Bearer ${token}`).expect(200);
    await page.waitForFunction((id) => document.querySelector(`li[data-job-id="${id}"]`)?.getAttribute('data-status') === 'cancelled', marker);
    expect(listReads.length - readsBefore).toBe(0);

    const fresh = await batch('Fresher', 3);
    await page.waitForFunction((ids) => ids.every((id) => document.querySelector(`li[data-job-id="${id}"]`)), fresh);
    expect(listReads.length - readsBefore).toBeLessThanOrEqual(2);
    expect((await rows()).slice(0, 3).sort()).toEqual([...fresh].sort());
  });

  test('"Load more" follows next_cursor to the older jobs, in the order the API lists them, until there are no more', async () => {
    await expect(page.locator('li.job').count()).resolves.toBe(50);
    await page.getByRole('button', { name: 'Load more' }).click();
    await page.waitForFunction(() => document.querySelectorAll('li.job').length === 58);
    expect(listReads.some((url) => new URL(url).searchParams.has('cursor'))).toBe(true);
    const all = await ctx.http().get('/api/v1/jobs?items_per_page=100').set('Authorization', `Bearer ${token}`);
    expect(await rows()).toEqual((all.body.data as Array<{ job_id: string }>).map((job) => job.job_id));
    await expect(page.getByRole('button', { name: 'Load more' }).isVisible()).resolves.toBe(false);
    for (const jobId of older) await expect(page.locator(`li[data-job-id="${jobId}"]`).getAttribute('data-status')).resolves.toBe('cancelled');
  });
});

describe('web console with Clerk sign-in configured', () => {
  const FRONTEND_API = 'clerk.console.example.test';
  let ctx: TestContext;
  let browser: Browser;

  beforeAll(async () => {
    ctx = await startTestApp({ APP_ROLE: 'api', CLERK_PUBLISHABLE_KEY: `pk_test_${Buffer.from(`${FRONTEND_API}$`).toString('base64')}` });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await ctx?.close();
  });

  test("the CSP lets the page reach the key's Frontend API, and the bundled SDK talks to it, never loading a script from elsewhere", async () => {
    const res = await ctx.http().get('/console');
    expect(res.headers['content-security-policy']).toMatch(new RegExp(`connect-src 'self' https://${FRONTEND_API.replaceAll('.', '\\.')}(;|$)`));
    expect(res.headers['content-security-policy']).toMatch(/script-src 'self'(;|$)/);
    expect(res.headers['content-security-policy']).toMatch(/worker-src 'self' blob:(;|$)/); // Clerk's timers
    const settings = await ctx.http().get('/console/config.json');
    expect(settings.body).toEqual({ clerk_publishable_key: expect.stringMatching(/^pk_test_/), dev_tokens: true });

    const context = await browser.newContext();
    const { page, violations, requests } = await watchedPage(context);
    // Nothing leaves this machine: the Frontend API's answers are refused at the network layer (the SDK is real).
    await page.route(`https://${FRONTEND_API}/**`, (route) => route.abort('connectionrefused'));
    const frontendApi = page.waitForRequest((r) => r.url().startsWith(`https://${FRONTEND_API}/`));
    const worker = page.waitForEvent('worker'); // the SDK's timers run in a blob: worker, which the CSP must allow
    await page.goto(`${ctx.url}/console`);
    const first = await frontendApi;
    expect(['fetch', 'xhr']).toContain(first.resourceType());
    expect((await worker).url()).toMatch(/^blob:/);
    // While Clerk cannot load, the page says so and the development token form does not wait for it.
    await expect(page.locator('#clerk-status').textContent()).resolves.toMatch(/^(Loading Clerk sign-in…|Clerk sign-in is unavailable)/);
    await expect(page.locator('#token-form').isVisible()).resolves.toBe(true);
    const origin = new URL(ctx.url).origin;
    const elsewhere = requests.filter((r) => !r.url.startsWith('data:') && new URL(r.url).origin !== origin);
    expect(elsewhere.filter((r) => !r.url.startsWith(`https://${FRONTEND_API}/`))).toEqual([]);
    expect(requests.filter((r) => r.type === 'script').every((r) => new URL(r.url).origin === origin)).toBe(true);
    expect(violations).toEqual([]);
    await context.close();
  });
});
