import { startTestApp, TestContext } from './support/test-app';

/** Listing: pagination, filters and sort over 25 jobs, on an API-only instance (jobs stay queued). */
describe('GET /api/v1/jobs', () => {
  let ctx: TestContext;
  let token: string;
  const ids: string[] = [];
  let middle: string;

  beforeAll(async () => {
    ctx = await startTestApp({ APP_ROLE: 'api', MAX_ACTIVE_JOBS_PER_USER: '0' });
    token = ctx.tokenFor('user_lister');
    for (let i = 0; i < 25; i++) {
      if (i === 12) {
        await new Promise((r) => setTimeout(r, 20));
        middle = new Date().toISOString();
        await new Promise((r) => setTimeout(r, 20));
      }
      const res = await ctx
        .http()
        .post('/api/v1/videos/generate')
        .set('Authorization', `Bearer ${token}`)
        .send({ topic: `Topic ${i}`, context: `Context ${i}`, quality: 'low' });
      expect(res.status).toBe(201);
      ids.push(res.body.job_id);
      await new Promise((r) => setTimeout(r, 3)); // distinct creation instants
    }
    // Five of them cancelled, for the status filter.
    for (const id of ids.slice(0, 5)) {
      await ctx.http().post(`/api/v1/jobs/${id}/cancel`).set('Authorization', `Bearer ${token}`).expect(200);
    }
    // Someone else's job must never show up.
    await ctx.http().post('/api/v1/videos/generate').set('Authorization', `Bearer ${ctx.tokenFor('user_other')}`).send({ topic: 't', context: 'c' });
  });
  afterAll(() => ctx.close());

  const list = (query: string) => ctx.http().get(`/api/v1/jobs?${query}`).set('Authorization', `Bearer ${token}`);

  test('pages of 10, newest first by default', async () => {
    const pages = await Promise.all([1, 2, 3].map((page) => list(`page=${page}&items_per_page=10`)));
    expect(pages.map((p) => p.status)).toEqual([200, 200, 200]);
    expect(pages.map((p) => p.body.data.length)).toEqual([10, 10, 5]);
    expect(pages.map((p) => p.body.has_more)).toEqual([true, true, false]);
    for (const p of pages) expect(p.body.total_count).toBe(25);
    expect(pages[0].body.page).toBe(1);
    expect(pages[0].body.items_per_page).toBe(10);
    const seen = pages.flatMap((p) => p.body.data.map((j: { job_id: string }) => j.job_id));
    expect(seen).toEqual([...ids].reverse());
  });

  test('sort=created_at is oldest first', async () => {
    const res = await list('sort=created_at&items_per_page=100');
    expect(res.body.data.map((j: { job_id: string }) => j.job_id)).toEqual(ids);
  });

  test('a page past the end is empty, with the right total', async () => {
    const res = await list('page=4&items_per_page=10');
    expect(res.body.data).toEqual([]);
    expect(res.body.total_count).toBe(25);
    expect(res.body.has_more).toBe(false);
  });

  test('status filter', async () => {
    const cancelled = await list('status=cancelled');
    expect(cancelled.body.total_count).toBe(5);
    expect(cancelled.body.data.every((j: { status: string }) => j.status === 'cancelled')).toBe(true);
    const queued = await list('status=queued&items_per_page=100');
    expect(queued.body.total_count).toBe(20);
    expect(queued.body.data.map((j: { job_id: string }) => j.job_id)).toEqual(ids.slice(5).reverse());
    expect((await list('status=completed')).body.total_count).toBe(0);
  });

  test('date filters', async () => {
    const after = await list(`created_after=${encodeURIComponent(middle)}&items_per_page=100`);
    expect(after.body.total_count).toBe(13);
    expect(after.body.data.map((j: { job_id: string }) => j.job_id)).toEqual(ids.slice(12).reverse());
    const before = await list(`created_before=${encodeURIComponent(middle)}&items_per_page=100`);
    expect(before.body.total_count).toBe(12);
    const both = await list(`created_after=${encodeURIComponent(middle)}&status=queued&sort=created_at&items_per_page=5`);
    expect(both.body.total_count).toBe(13);
    expect(both.body.data.map((j: { job_id: string }) => j.job_id)).toEqual(ids.slice(12, 17));
  });

  test('deep pages inside a time window start at the window, in both orders', async () => {
    const window = `created_before=${encodeURIComponent(middle)}&items_per_page=5&page=2`;
    expect((await list(window)).body.data.map((j: { job_id: string }) => j.job_id)).toEqual(ids.slice(2, 7).reverse());
    const ascending = await list(`created_after=${encodeURIComponent(middle)}&sort=created_at&items_per_page=5&page=3`);
    expect(ascending.body.data.map((j: { job_id: string }) => j.job_id)).toEqual(ids.slice(22, 25));
    expect([ascending.body.has_more, ascending.body.next_cursor]).toEqual([false, null]);
  });

  /** Follows next_cursor from the first page to the end. */
  async function walk(query: string): Promise<{ seen: string[]; pages: number }> {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await list(`${query}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.data.map((j: { job_id: string }) => j.job_id));
      expect(res.body.has_more).toBe(res.body.next_cursor !== null);
      cursor = res.body.next_cursor;
      pages += 1;
    } while (cursor !== null && pages < 20);
    return { seen, pages };
  }

  test('cursor pagination visits every job once, in order, with and without filters', async () => {
    expect(await walk('items_per_page=4')).toEqual({ seen: [...ids].reverse(), pages: 7 });
    expect(await walk('items_per_page=4&sort=created_at')).toEqual({ seen: ids, pages: 7 });
    expect((await walk('items_per_page=3&status=queued')).seen).toEqual(ids.slice(5).reverse());
    expect((await walk(`items_per_page=5&created_after=${encodeURIComponent(middle)}&sort=created_at`)).seen).toEqual(ids.slice(12));
    expect((await walk(`items_per_page=5&created_before=${encodeURIComponent(middle)}`)).seen).toEqual(ids.slice(0, 12).reverse());
  });

  test('a page number and a cursor carry on from one another', async () => {
    const second = await list('items_per_page=10&page=2');
    const third = await list(`items_per_page=10&cursor=${second.body.next_cursor}`);
    expect(third.body.data.map((j: { job_id: string }) => j.job_id)).toEqual([...ids].reverse().slice(20));
    expect(third.body.total_count).toBe(25);
  });

  test('a page size or number that is not one whole number, or a date that is not a strict ISO 8601 date-time, is a 422 saying so', async () => {
    const cases: Array<[string, string, string]> = [
      ['page=abc', 'page', 'page must be a whole number'],
      ['page=1.5', 'page', 'page must be a whole number'],
      ['page=1&page=2', 'page', 'page must be given once, as a whole number'],
      ['items_per_page=10&items_per_page=10', 'items_per_page', 'items_per_page must be given once, as a whole number'],
      ['items_per_page=101', 'items_per_page', 'items_per_page must be between 1 and 100'],
      ['created_before=1', 'created_before', 'created_before must be an ISO 8601 date-time'],
      ['created_before=Dec%2025%202030', 'created_before', 'created_before must be an ISO 8601 date-time'],
      ['created_after=2026-02-30T00:00:00Z', 'created_after', 'created_after must be an ISO 8601 date-time'],
      [`created_after=${encodeURIComponent(middle)}&created_after=${encodeURIComponent(middle)}`, 'created_after', 'created_after must be an ISO 8601 date-time'],
    ];
    for (const [query, field, message] of cases) {
      const res = await list(query);
      expect([query, res.status, res.body.error.details.fields]).toEqual([query, 422, [{ field, errors: [message] }]]);
    }
    const other = (path: string) => ctx.http().get(path).set('Authorization', `Bearer ${token}`);
    for (const path of ['/api/v1/batches?page=abc', '/api/v1/uploads?items_per_page=x', '/api/v1/configurations?page=2&page=3', '/api/v1/dashboard/recent-jobs?limit=ten', `/api/v1/jobs/${ids[0]}/logs?limit=1&limit=2`]) {
      const res = await other(path);
      expect([path, res.status, res.body.error.details.fields[0].errors[0]]).toEqual([path, 422, expect.stringMatching(/ whole number$/)]);
    }
    expect((await list('created_after=2026-01-15&items_per_page=1')).status).toBe(200);
  });

  test('a cursor that is not one, or with page > 1, is a 422 naming the cursor', async () => {
    const forged = Buffer.from('12:not-a-job').toString('base64url');
    const first = await list('items_per_page=2');
    for (const query of [`cursor=${forged}`, 'cursor=%%%', `cursor=${first.body.next_cursor}&page=2`]) {
      const res = await list(query);
      expect(res.status).toBe(422);
      expect(res.body.error.error_code).toBe('VALIDATION_ERROR');
      expect(res.body.error.details.fields[0].field).toBe('cursor');
    }
  });
});
