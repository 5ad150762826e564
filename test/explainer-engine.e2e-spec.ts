import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binaryBody, ffprobe } from './support/media';
import { OpenAIStandIn, RecordedRequest } from './support/openai-stand-in';
import { isTerminal, startTestApp, TestContext, waitForJob } from './support/test-app';

/** A plan as a model would answer it: prose, bullets, a formula and code. */
const GOOD_PLAN = {
  scenes: [
    {
      title: 'What a derivative measures',
      narration: 'A derivative measures how fast a quantity changes at one instant.',
      text: 'The slope of the tangent line at a point.',
    },
    {
      title: 'The definition',
      narration: 'Formally, it is the limit of the difference quotient as the step h shrinks to zero.',
      math: "f'(x) = \\lim_{h \\to 0} \\frac{f(x+h) - f(x)}{h}",
    },
    {
      title: 'Rules worth knowing',
      bullets: ['Constants vanish', 'Powers drop by one', 'Sums split apart'],
    },
    {
      title: 'Checking it numerically',
      narration: 'A few lines of Python estimate the derivative of x squared at three.',
      code: { language: 'python', source: 'def slope(f, x, h=1e-6):\n    return (f(x + h) - f(x)) / h\n\nprint(slope(lambda x: x * x, 3))' },
    },
  ],
};

/** The built-in pipeline planning with a model and speaking with an OpenAI-compatible voice, through the API. */
describe('explainer engine with a model and a voice (OpenAI-compatible stand-in over real HTTP)', () => {
  let llm: OpenAIStandIn;
  let ctx: TestContext;
  let token: string;

  beforeAll(async () => {
    llm = await OpenAIStandIn.start();
    ctx = await startTestApp({
      LLM_BASE_URL: llm.url,
      LLM_API_KEY: 'sk-stand-in',
      LLM_MODEL: 'planner-default',
      LLM_TIMEOUT_S: '2',
      TTS_BASE_URL: llm.url,
      TTS_MODEL: 'kokoro',
      TTS_VOICE: 'af_heart',
      JOB_MAX_ATTEMPTS: '2',
      RATE_LIMIT_PER_MINUTE: '100000', // polling through several renders in one minute
    });
    token = ctx.tokenFor('user_teacher');
  });
  afterAll(async () => {
    await ctx.close();
    await llm.close();
  });
  beforeEach(() => {
    llm.chat.clear();
    llm.speech.clear();
    llm.requests.length = 0;
  });

  const submit = (body: Record<string, unknown>) =>
    ctx
      .http()
      .post('/api/v1/videos/generate')
      .set('Authorization', `Bearer ${token}`)
      .send({ topic: 'Derivatives', context: 'How fast things change. The derivative is the slope of a curve at a point.', quality: 'low', ...body });
  const logsOf = async (id: string): Promise<string[]> => {
    const res = await ctx.http().get(`/api/v1/jobs/${id}/logs?limit=1000`).set('Authorization', `Bearer ${token}`);
    return (res.body.logs as Array<{ message: string }>).map((l) => l.message);
  };
  const chatBodies = (): Array<Record<string, any>> => llm.requestsTo('/v1/chat/completions').map((r: RecordedRequest) => r.body as Record<string, any>);

  test('the model plans (request model wins), the voice speaks every scene, captions follow it; usage is in logs and metadata', async () => {
    llm.chat.push({ plan: GOOD_PLAN, usage: { prompt_tokens: 900, completion_tokens: 300, total_tokens: 1200 } });
    const created = await submit({ model: 'teacher-1', custom_config: { voice: { voice: 'bf_emma' } } });
    expect(created.status).toBe(201);
    const job = (await waitForJob(ctx, token, created.body.job_id, isTerminal, 120_000)) as any;
    expect(job.status).toBe('completed');

    const [chat] = chatBodies();
    expect(chat.model).toBe('teacher-1');
    expect(chat.response_format.type).toBe('json_schema');
    expect(JSON.stringify(chat.messages)).toContain('Derivatives');

    const speech = llm.requestsTo('/v1/audio/speech').map((r) => r.body as Record<string, any>);
    // A title card, four content scenes and an outro: every scene speaks, with the voice the request chose.
    expect(speech.length).toBeGreaterThanOrEqual(GOOD_PLAN.scenes.length + 2);
    expect(speech.every((b) => b.model === 'kokoro' && b.voice === 'bf_emma')).toBe(true);
    expect(speech.map((b) => b.input)).toContain(GOOD_PLAN.scenes[1].narration);

    expect(job.video.generation).toEqual(
      expect.objectContaining({
        planner: 'llm',
        model: 'teacher-1',
        usage: { prompt_tokens: 900, completion_tokens: 300, total_tokens: 1200 },
        voice: expect.stringContaining('bf_emma'),
      }),
    );
    const logs = (await logsOf(job.job_id)).join('\n');
    expect(logs).toMatch(/teacher-1/);
    expect(logs).toContain('1200 tokens (900 prompt + 300 completion)');

    const video = await ctx.http().get(`/api/v1/videos/jobs/${job.job_id}/download`).set('Authorization', `Bearer ${token}`).buffer(true).parse(binaryBody);
    const file = join(ctx.dataDir, 'derivatives.mp4');
    writeFileSync(file, video.body);
    const probe = ffprobe(file);
    expect(probe).toEqual(expect.objectContaining({ videoCodec: 'h264', audioCodec: 'aac', width: 854, height: 480 }));

    // Captions are timed on the audio the voice returned and say what it was asked to say.
    const vtt = await ctx.http().get(`/api/v1/videos/jobs/${job.job_id}/captions`).set('Authorization', `Bearer ${token}`);
    const spokenWords = vtt.text.replace(/^WEBVTT[\s\S]*?\n\n/u, '').replace(/\d\d:\d\d:\d\d\.\d{3} --> .*\n/gu, ' ');
    for (const word of ['derivative', 'limit', 'Python']) expect(spokenWords).toContain(word);
    const ends = [...vtt.text.matchAll(/--> (\d\d):(\d\d):(\d\d)\.(\d{3})/gu)].map((m) => Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) / 1000);
    expect(Math.max(...ends)).toBeLessThanOrEqual(probe.duration + 0.05);
  });

  test('an answer that fails validation gets one repair round; fixed, the job completes', async () => {
    const broken = { scenes: [{ title: 'Broken', math: '\\frac{1' }] };
    llm.chat.push({ plan: broken }, { plan: GOOD_PLAN });
    const created = await submit({});
    const job = (await waitForJob(ctx, token, created.body.job_id, isTerminal, 120_000)) as any;
    expect(job.status).toBe('completed');
    const [first, repair] = chatBodies();
    expect(first.model).toBe('planner-default');
    expect(JSON.stringify(repair.messages)).toContain('scenes[0].math');
  });

  test('a plan still invalid after the repair round fails the job with LLM_BAD_PLAN and the problems in its logs', async () => {
    const broken = { scenes: [{ title: 'Broken', math: '\\frac{1', duration: 500 }] };
    llm.chat.fallback = { plan: broken };
    try {
      const created = await submit({});
      const job = (await waitForJob(ctx, token, created.body.job_id, isTerminal, 60_000)) as any;
      expect(job.status).toBe('failed');
      expect(job.error_code).toBe('LLM_BAD_PLAN');
      expect(job.attempts).toBe(1); // not retried: the same model would answer the same
      const logs = (await logsOf(job.job_id)).join('\n');
      expect(logs).toContain('scenes[0].math');
      expect(logs).toContain('scenes[0].duration');
    } finally {
      llm.chat.fallback = { status: 500, message: 'the stand-in has no chat reply scripted' };
    }
  });

  test('an unavailable model (500, then too slow) is retried by the job policy; the next attempt succeeds', async () => {
    llm.chat.push({ status: 500 }, { plan: GOOD_PLAN });
    const created = await submit({});
    const job = (await waitForJob(ctx, token, created.body.job_id, isTerminal, 120_000)) as any;
    expect(job.status).toBe('completed');
    expect(job.attempts).toBe(2);
    expect((await logsOf(job.job_id)).join('\n')).toContain('LLM_UNAVAILABLE');

    llm.requests.length = 0;
    llm.chat.fallback = { delayMs: 5_000, then: { plan: GOOD_PLAN } };
    try {
      const slow = await submit({});
      const failed = (await waitForJob(ctx, token, slow.body.job_id, isTerminal, 60_000)) as any;
      expect(failed.status).toBe('failed');
      expect(failed.error_code).toBe('LLM_UNAVAILABLE');
      expect(failed.attempts).toBe(2);
    } finally {
      llm.chat.fallback = { status: 500, message: 'the stand-in has no chat reply scripted' };
    }
  });

  test('bad TeX or a bad scene in the request is 422 naming the field, before anything is queued', async () => {
    const res = await submit({
      custom_config: { scenes: [{ title: 'Fine', text: 'ok' }, { title: 'Bad', math: '\\frac{a' }, { title: 'Worse', bullets: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] }] },
    });
    expect(res.status).toBe(422);
    const fields = (res.body.error.details.fields as Array<{ field: string }>).map((f) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['custom_config.scenes[1].math', 'custom_config.scenes[2].bullets']));
    expect(llm.requests).toHaveLength(0);
  });

  test('use_rag: the best passages of the caller\'s documents go into the prompt, and the metadata names them', async () => {
    const notes = [
      '# Chain rule',
      'To differentiate a composition f(g(x)), multiply the outer derivative at g(x) by the inner derivative g\'(x).',
      '',
      '# Baking bread',
      'Knead the dough for ten minutes and let it rise in a warm place for an hour.',
    ].join('\n');
    const upload = await ctx
      .http()
      .post('/api/v1/uploads/content')
      .set('Authorization', `Bearer ${token}`)
      .attach('file', Buffer.from(notes), { filename: 'calculus-notes.md', contentType: 'text/markdown' });
    expect(upload.status).toBe(201);
    expect(upload.body.kind).toBe('document');

    llm.chat.push({ plan: GOOD_PLAN });
    const created = await submit({ use_rag: true, context: 'The chain rule: how to differentiate a composition of functions.' });
    const job = (await waitForJob(ctx, token, created.body.job_id, isTerminal, 120_000)) as any;
    expect(job.status).toBe('completed');
    const prompt = JSON.stringify(chatBodies()[0].messages);
    expect(prompt).toContain('multiply the outer derivative');
    expect(prompt).toContain('calculus-notes.md');
    expect(job.video.generation.grounding.sources).toEqual(['calculus-notes.md']);

    const stranger = ctx.tokenFor('user_stranger');
    const foreign = await ctx
      .http()
      .post('/api/v1/videos/generate')
      .set('Authorization', `Bearer ${stranger}`)
      .send({ topic: 'Mine?', context: 'Not mine.', use_rag: true, custom_config: { document_ids: [upload.body.file_id] } });
    expect(foreign.status).toBe(404);
  });
});
