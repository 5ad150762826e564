import Redis from 'ioredis';
import { AppException } from '../src/common/error-codes';
import { ConfigurationsService } from '../src/configurations/configurations.service';
import { startTestApp, TestContext } from './support/test-app';

describe('saved configurations', () => {
  let ctx: TestContext;
  const dana = () => ctx.tokenFor('user_dana');
  const eve = () => ctx.tokenFor('user_eve');

  const as = (token: string) => ({
    post: (body: unknown) => ctx.http().post('/api/v1/configurations').set('Authorization', `Bearer ${token}`).send(body as object),
    put: (id: string, body: unknown) => ctx.http().put(`/api/v1/configurations/${id}`).set('Authorization', `Bearer ${token}`).send(body as object),
    get: (path = '') => ctx.http().get(`/api/v1/configurations${path}`).set('Authorization', `Bearer ${token}`),
    delete: (id: string) => ctx.http().delete(`/api/v1/configurations/${id}`).set('Authorization', `Bearer ${token}`),
  });
  const fieldsOf = (res: { body: { error: { details: { fields: { field: string }[] } } } }) => res.body.error.details.fields.map((f) => f.field);

  beforeAll(async () => {
    ctx = await startTestApp({ APP_ROLE: 'api' });
  });
  afterAll(() => ctx.close());

  test('create: 201 with the trimmed name, the given settings only, timestamps and a Location', async () => {
    const res = await as(dana()).post({
      name: '  Lesson defaults ',
      settings: { quality: 'high', use_rag: true, model: 'gpt-4o', custom_config: { scenes: [{ title: 'Intro', text: 'Welcome to the course.' }] } },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      configuration_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Lesson defaults',
      settings: { quality: 'high', use_rag: true, model: 'gpt-4o', custom_config: { scenes: [{ title: 'Intro', text: 'Welcome to the course.' }] } },
      created_at: expect.any(String),
      updated_at: res.body.created_at,
    });
    expect(res.headers.location).toBe(`/api/v1/configurations/${res.body.configuration_id}`);
    const read = await as(dana()).get(`/${res.body.configuration_id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(res.body);

    const minimal = await as(dana()).post({ name: 'Empty', settings: {} });
    expect(minimal.status).toBe(201);
    expect(minimal.body.settings).toEqual({});
  });

  test('a duplicate name (ignoring case and surrounding spaces) is 409 CONFLICT; other users may reuse it', async () => {
    expect((await as(dana()).post({ name: 'Weekly', settings: {} })).status).toBe(201);
    for (const name of ['Weekly', ' weekly ', 'WEEKLY']) {
      const dup = await as(dana()).post({ name, settings: { quality: 'low' } });
      expect(dup.status).toBe(409);
      expect(dup.body.error).toMatchObject({ error_code: 'CONFLICT', details: { fields: [{ field: 'name' }] } });
    }
    expect((await as(eve()).post({ name: 'Weekly', settings: {} })).status).toBe(201);
  });

  test('two creations racing with the same name: exactly one wins', async () => {
    const results = await Promise.all([1, 2, 3, 4].map(() => as(dana()).post({ name: 'Race', settings: {} })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
  });

  describe('validation (422 with details.fields)', () => {
    const cases: Array<[string, unknown, string]> = [
      ['name missing', { settings: {} }, 'name'],
      ['name empty after trimming', { name: '   ', settings: {} }, 'name'],
      ['name too long', { name: 'x'.repeat(101), settings: {} }, 'name'],
      ['name not a string', { name: 42, settings: {} }, 'name'],
      ['settings missing', { name: 'No settings' }, 'settings'],
      ['settings not an object', { name: 'Bad settings', settings: 'high' }, 'settings'],
      ['settings an array', { name: 'Array settings', settings: [{ quality: 'low' }] }, 'settings'],
      ['quality not allowed', { name: 'Bad quality', settings: { quality: 'extreme' } }, 'settings.quality'],
      ['use_rag not a boolean', { name: 'Bad rag', settings: { use_rag: 'yes' } }, 'settings.use_rag'],
      ['model too long', { name: 'Bad model', settings: { model: 'm'.repeat(101) } }, 'settings.model'],
      ['custom_config not an object', { name: 'Bad custom', settings: { custom_config: [1, 2] } }, 'settings.custom_config'],
      ['custom_config over 16 KiB', { name: 'Big custom', settings: { custom_config: { blob: 'x'.repeat(16 * 1024) } } }, 'settings.custom_config'],
      ['an unknown top-level field', { name: 'Extra', settings: {}, owner: 'someone' }, 'owner'],
      ['an unknown field inside settings', { name: 'Extra inside', settings: { quality: 'low', priority: 'high' } }, 'settings.priority'],
    ];
    test.each(cases)('%s', async (_label, body, field) => {
      const res = await as(dana()).post(body);
      expect(res.status).toBe(422);
      expect(res.body.error.error_code).toBe('VALIDATION_ERROR');
      expect(fieldsOf(res)).toContain(field);
    });

    test('PUT applies the same rules', async () => {
      const created = await as(dana()).post({ name: 'To validate', settings: {} });
      const res = await as(dana()).put(created.body.configuration_id, { name: 'To validate', settings: { quality: 'extreme' }, extra: 1 });
      expect(res.status).toBe(422);
      expect(fieldsOf(res)).toEqual(expect.arrayContaining(['settings.quality', 'extra']));
    });

    test('a non-JSON body is 415', async () => {
      const res = await ctx.http().post('/api/v1/configurations').set('Authorization', `Bearer ${dana()}`).set('Content-Type', 'text/plain').send('name=x');
      expect(res.status).toBe(415);
    });
  });

  test('list: paginated, newest first, only the caller\'s', async () => {
    const user = () => ctx.tokenFor('user_lister');
    const ids: string[] = [];
    for (const name of ['one', 'two', 'three']) ids.push((await as(user()).post({ name, settings: {} })).body.configuration_id);
    const page1 = await as(user()).get('?items_per_page=2');
    expect(page1.status).toBe(200);
    expect(page1.body).toMatchObject({ total_count: 3, page: 1, items_per_page: 2, has_more: true });
    expect(page1.body.data.map((c: { configuration_id: string }) => c.configuration_id)).toEqual([ids[2], ids[1]]);
    const page2 = await as(user()).get('?items_per_page=2&page=2');
    expect(page2.body).toMatchObject({ total_count: 3, has_more: false });
    expect(page2.body.data.map((c: { name: string }) => c.name)).toEqual(['one']);
    expect((await as(user()).get('?items_per_page=0')).status).toBe(422);
    expect((await as(ctx.tokenFor('user_nobody')).get()).body).toMatchObject({ total_count: 0, data: [] });
  });

  test('PUT replaces name and settings; the old name is free again, a taken one is 409', async () => {
    const a = (await as(dana()).post({ name: 'Draft A', settings: { quality: 'low', use_rag: true } })).body;
    await as(dana()).post({ name: 'Draft B', settings: {} });

    const replaced = await as(dana()).put(a.configuration_id, { name: 'Final A', settings: { model: 'm1' } });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ configuration_id: a.configuration_id, name: 'Final A', settings: { model: 'm1' }, created_at: a.created_at });
    expect(replaced.body.settings).toEqual({ model: 'm1' });
    expect(Date.parse(replaced.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(a.created_at));
    expect((await as(dana()).get(`/${a.configuration_id}`)).body).toEqual(replaced.body);

    expect((await as(dana()).post({ name: 'Draft A', settings: {} })).status).toBe(201);
    const taken = await as(dana()).put(a.configuration_id, { name: 'draft b', settings: {} });
    expect(taken.status).toBe(409);
    const recased = await as(dana()).put(a.configuration_id, { name: 'FINAL a', settings: {} });
    expect(recased.status).toBe(200);
    expect(recased.body.name).toBe('FINAL a');
  });

  test('DELETE: 204, then 404 everywhere, the name is free and the keys are gone', async () => {
    const c = (await as(dana()).post({ name: 'Short-lived', settings: { quality: 'medium' } })).body;
    expect((await as(dana()).delete(c.configuration_id)).status).toBe(204);
    expect((await as(dana()).get(`/${c.configuration_id}`)).status).toBe(404);
    expect((await as(dana()).put(c.configuration_id, { name: 'Back', settings: {} })).status).toBe(404);
    expect((await as(dana()).delete(c.configuration_id)).status).toBe(404);
    expect((await as(dana()).post({ name: 'short-lived', settings: {} })).status).toBe(201);

    const redis = new Redis(ctx.redis.url);
    try {
      expect(await redis.exists(`vgs-test:configuration:${c.configuration_id}`)).toBe(0);
      expect(await redis.zscore('vgs-test:user:user_dana:configurations', c.configuration_id)).toBeNull();
      expect(Object.values(await redis.hgetall('vgs-test:user:user_dana:configuration-names'))).not.toContain(c.configuration_id);
      const keys = await redis.keys('*configuration*');
      expect(keys.filter((k) => !k.startsWith('vgs-test:'))).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  test("another user's configuration is 404 to read, replace and delete; a non-UUID id is 404", async () => {
    const c = (await as(dana()).post({ name: 'Private', settings: { quality: 'ultra' } })).body;
    expect((await as(eve()).get(`/${c.configuration_id}`)).status).toBe(404);
    const put = await as(eve()).put(c.configuration_id, { name: 'Mine now', settings: {} });
    expect(put.status).toBe(404);
    expect(put.body.error.error_code).toBe('NOT_FOUND');
    expect((await as(eve()).delete(c.configuration_id)).status).toBe(404);
    expect((await as(dana()).get(`/${c.configuration_id}`)).body.name).toBe('Private');
    expect((await as(dana()).get('/not-a-uuid')).status).toBe(404);
    expect((await as(eve()).get()).body.data.some((x: { configuration_id: string }) => x.configuration_id === c.configuration_id)).toBe(false);
  });

  test('settingsFor: the owner gets the settings; anyone else, or an unknown id, gets NOT_FOUND', async () => {
    const c = (await as(dana()).post({ name: 'For videos', settings: { quality: 'high', custom_config: { aspect_ratio: '9:16' } } })).body;
    const service = ctx.app.get(ConfigurationsService);
    expect(await service.settingsFor('user_dana', c.configuration_id)).toEqual({ quality: 'high', custom_config: { aspect_ratio: '9:16' } });
    for (const [user, id] of [
      ['user_eve', c.configuration_id],
      ['user_dana', '00000000-0000-4000-8000-000000000000'],
      ['user_dana', 'nope'],
    ]) {
      const error = await service.settingsFor(user, id).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppException);
      expect((error as AppException).errorCode).toBe('NOT_FOUND');
    }
  });

  test('a saved custom_config merged with the request\'s is held to the same 16 KiB as one sent directly', async () => {
    // Scenes of narration adding up to exactly CUSTOM_CONFIG_MAX_BYTES as JSON.
    const scenes = Array.from({ length: 13 }, () => ({ title: 'Scene', narration: 'n'.repeat(1250) }));
    scenes[12].narration = 'n'.repeat(1250 - (Buffer.byteLength(JSON.stringify({ scenes })) - 16 * 1024));
    expect(Buffer.byteLength(JSON.stringify({ scenes }))).toBe(16 * 1024);
    const saved = await as(dana()).post({ name: 'At the limit', settings: { quality: 'low', custom_config: { scenes } } });
    expect(saved.status).toBe(201);
    const generate = (customConfig?: Record<string, unknown>) =>
      ctx.http().post('/api/v1/videos/generate').set('Authorization', `Bearer ${dana()}`)
        .send({ topic: 'Merged', context: 'Saved settings plus a few of the request.', configuration_id: saved.body.configuration_id, custom_config: customConfig });

    expect((await generate()).status).toBe(201);
    expect((await generate({ scenes: [{ title: 'Short' }], aspect_ratio: '1:1' })).status).toBe(201); // the request's scenes win
    const over = await generate({ aspect_ratio: '1:1', captions: false });
    expect([over.status, over.body.error?.error_code]).toEqual([422, 'VALIDATION_ERROR']);
    expect(over.body.error.details.fields).toEqual([{ field: 'custom_config', errors: [expect.stringContaining('saved configuration')] }]);
    expect(over.body.error.details.fields[0].errors[0]).toContain('16384 bytes');
  });

  test("the pipeline's own custom_config check applies: its problems are 422 under settings.", async () => {
    const res = await as(dana()).post({ name: 'Checked', settings: { custom_config: { colour: 'red', aspect_ratio: '4:3' } } });
    expect(res.status).toBe(422);
    expect(res.body.error.error_code).toBe('VALIDATION_ERROR');
    const fields = res.body.error.details.fields.map((f: { field: string }) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['settings.custom_config.colour', 'settings.custom_config.aspect_ratio']));
    expect((await as(dana()).post({ name: 'Checked', settings: { custom_config: { aspect_ratio: '1:1' } } })).status).toBe(201);
  });
});
