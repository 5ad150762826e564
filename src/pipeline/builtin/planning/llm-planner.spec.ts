/**
 * The LLM planner through the real `openai` SDK against a real HTTP server speaking the OpenAI wire format
 * (test/support/openai-stand-in.ts): nothing of the SDK is mocked.
 */
import { OpenAIStandIn } from '../../../../test/support/openai-stand-in';
import { PipelineAbortedError, PipelineError } from '../../video-pipeline';
import { Passage } from '../scene';
import { LlmPlanner, LlmPlannerOptions } from './llm-planner';
import { PlanRequest } from './planner';
import { planJsonSchema } from './scene-rules';

const GOOD_PLAN = {
  scenes: [
    { title: 'What a derivative is', narration: 'A derivative measures how fast something changes.', text: 'The slope at a point.' },
    { title: 'The definition', narration: 'It is the limit of the difference quotient.', math: "f'(x) = \\lim_{h \\to 0} \\frac{f(x+h) - f(x)}{h}" },
    { title: 'Rules', narration: 'Constants vanish. Powers drop by one.', bullets: ['Constants vanish', 'Powers drop by one'] },
    { title: 'In code', narration: 'A few lines estimate it.', code: { language: 'python', source: 'def slope(f, x, h=1e-6):\n    return (f(x + h) - f(x)) / h' } },
  ],
};
const BAD_TEX = { scenes: [{ title: 'Broken', narration: 'Oops.', math: '\\frac{1' }] };
const USAGE = { prompt_tokens: 900, completion_tokens: 300, total_tokens: 1200 };

type ChatBody = {
  model: string;
  messages: Array<{ role: string; content: string }>;
  response_format: { type: string; json_schema: { name: string; strict: boolean; schema: unknown } };
};

describe('LlmPlanner', () => {
  let llm: OpenAIStandIn;
  let logs: Array<[string, string]>;

  beforeAll(async () => {
    llm = await OpenAIStandIn.start();
  });
  afterAll(async () => {
    await llm.close();
  });
  beforeEach(() => {
    llm.chat.clear();
    llm.requests.length = 0;
    logs = [];
  });

  const planner = (options: Partial<LlmPlannerOptions> = {}): LlmPlanner =>
    new LlmPlanner({ baseUrl: llm.url, apiKey: 'sk-test', model: 'planner-default', timeoutSeconds: 5, ...options });
  const request = (overrides: Partial<PlanRequest> = {}): PlanRequest => ({
    topic: 'Derivatives',
    context: 'How fast things change. The derivative is the slope of a curve at a point.',
    passages: [],
    signal: new AbortController().signal,
    log: (level, message) => logs.push([level, message]),
    ...overrides,
  });
  const chatBodies = (): ChatBody[] => llm.requestsTo('/v1/chat/completions').map((r) => r.body as ChatBody);
  const failure = async (promise: Promise<unknown>): Promise<PipelineError> => {
    const error: unknown = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PipelineError);
    return error as PipelineError;
  };

  it('asks for the plan as strict structured JSON and answers its scenes, model, prompt version and usage', async () => {
    llm.chat.push({ plan: GOOD_PLAN, usage: USAGE });
    const outcome = await planner().plan(request());

    expect(outcome).toEqual({
      planner: 'llm',
      model: 'planner-default',
      promptVersion: 'plan-v1',
      usage: USAGE,
      scenes: [
        { title: 'What a derivative is', narration: 'A derivative measures how fast something changes.', text: 'The slope at a point.' },
        { title: 'The definition', narration: 'It is the limit of the difference quotient.', math: GOOD_PLAN.scenes[1].math },
        { title: 'Rules', narration: 'Constants vanish. Powers drop by one.', bullets: ['Constants vanish', 'Powers drop by one'] },
        { title: 'In code', narration: 'A few lines estimate it.', code: GOOD_PLAN.scenes[3].code },
      ],
    });

    const [sent] = llm.requestsTo('/v1/chat/completions');
    expect(sent.headers.authorization).toBe('Bearer sk-test');
    const body = sent.body as ChatBody;
    expect(body.model).toBe('planner-default');
    expect(body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'explainer_plan', strict: true, schema: planJsonSchema() },
    });
    expect(body.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(body.messages[0].content).toMatch(/4 to 10 scenes/u);
    expect(body.messages[0].content).toContain('- 1 to 40 scenes;');
    expect(body.messages[0].content).not.toMatch(/\{\{\w+\}\}/u);
    expect(body.messages[1].content).toContain('Topic: Derivatives');
    expect(body.messages[1].content).toContain('<context>\nHow fast things change.');
    expect(body.messages[1].content).toContain('(no documents)');

    expect(logs).toContainEqual(['info', 'model planner-default planned 4 content scenes (prompt plan-v1; 1200 tokens (900 prompt + 300 completion))']);
  });

  it('uses the model the request names over the configured one', async () => {
    llm.chat.push({ plan: GOOD_PLAN });
    const outcome = await planner().plan(request({ model: 'teacher-1' }));
    expect(chatBodies()[0].model).toBe('teacher-1');
    expect(outcome.model).toBe('teacher-1');
  });

  it('puts the passages, best first, with their sources into the prompt, and never expands placeholders in the material', async () => {
    const passages: Passage[] = [
      { fileId: 'f-1', source: 'calculus-notes.md', text: 'Multiply the outer derivative by the inner derivative.', score: 3 },
      { fileId: 'f-2', source: 'rules.txt', text: 'Powers drop by one.', score: 1 },
    ];
    llm.chat.push({ plan: GOOD_PLAN });
    await planner().plan(request({ passages, context: 'Chain rule, literally {{rules}} and {{passages}}.' }));
    const user = chatBodies()[0].messages[1].content;
    expect(user).toContain('[1] from "calculus-notes.md":\nMultiply the outer derivative by the inner derivative.');
    expect(user).toContain('[2] from "rules.txt":\nPowers drop by one.');
    expect(user).toContain('Chain rule, literally {{rules}} and {{passages}}.');
  });

  it('reads null fields (strict structured outputs) as absent, and a plan wrapped in a ```json fence', async () => {
    const strictStyle = { scenes: [{ title: 'Only text', narration: 'Say it.', text: 'Show it.', bullets: null, math: null, code: null, duration: null }] };
    llm.chat.push({ content: `\`\`\`json\n${JSON.stringify(strictStyle, null, 2)}\n\`\`\`` });
    const outcome = await planner().plan(request());
    expect(outcome.scenes).toEqual([{ title: 'Only text', narration: 'Say it.', text: 'Show it.' }]);
    expect(llm.requests).toHaveLength(1);
  });

  it('sends the problems back once and takes the repaired plan, summing the tokens of both rounds', async () => {
    llm.chat.push({ plan: BAD_TEX, usage: USAGE }, { plan: GOOD_PLAN, usage: { prompt_tokens: 1000, completion_tokens: 350, total_tokens: 1350 } });
    const outcome = await planner().plan(request());

    expect(outcome.scenes).toHaveLength(4);
    expect(outcome.usage).toEqual({ prompt_tokens: 1900, completion_tokens: 650, total_tokens: 2550 });
    const [, repair] = chatBodies();
    expect(repair.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(repair.messages[2].content).toBe(JSON.stringify(BAD_TEX));
    expect(repair.messages[3].content).toMatch(/^Your plan breaks these rules:\n- scenes\[0\]\.math: is not valid TeX: /u);
    expect(repair.response_format.json_schema.strict).toBe(true);
    expect(logs.some(([level, message]) => level === 'warn' && message.includes('scenes[0].math'))).toBe(true);
  });

  it('repairs an answer that is not JSON at all', async () => {
    llm.chat.push({ content: 'Sure! Here is a plan: scene one…' }, { plan: GOOD_PLAN });
    await planner().plan(request());
    expect(chatBodies()[1].messages[3].content).toContain('the answer is not valid JSON');
  });

  it('fails with LLM_BAD_PLAN, naming every problem, when the repaired plan is still invalid', async () => {
    const worse = { scenes: [{ title: 'Broken', math: '\\frac{1', duration: 500, image_file_id: '3f0e8c52-9d4b-4e8f-a1c2-0b5e6d7f8a9b' }] };
    llm.chat.push({ plan: BAD_TEX }, { plan: worse });
    const error = await failure(planner().plan(request()));
    expect(error.code).toBe('LLM_BAD_PLAN');
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/scenes\[0\]\.image_file_id: unknown key/u);
    expect(error.message).toMatch(/scenes\[0\]\.math: is not valid TeX: /u);
    expect(error.message).toContain('scenes[0].duration: must be a number of seconds from 1 to 60');
    expect(llm.requests).toHaveLength(2);
  });

  it.each([
    [500, 'LLM_UNAVAILABLE', true],
    [503, 'LLM_UNAVAILABLE', true],
    [429, 'LLM_UNAVAILABLE', true],
    [401, 'LLM_REJECTED', false],
    [404, 'LLM_REJECTED', false],
    [400, 'LLM_REJECTED', false],
  ])('maps HTTP %i to %s (retryable: %s), asking only once', async (status, code, retryable) => {
    llm.chat.push({ status, message: status === 404 ? 'The model `nope` does not exist' : 'scripted' });
    const error = await failure(planner().plan(request()));
    expect([error.code, error.retryable]).toEqual([code, retryable]);
    expect(error.message).toContain(`${status}`);
    expect(llm.requests).toHaveLength(1);
  });

  it('gives up with LLM_UNAVAILABLE when the answer is slower than the timeout', async () => {
    llm.chat.push({ delayMs: 3000, then: { plan: GOOD_PLAN } });
    const started = Date.now();
    const error = await failure(planner({ timeoutSeconds: 0.3 }).plan(request()));
    expect([error.code, error.retryable]).toEqual(['LLM_UNAVAILABLE', true]);
    expect(error.message).toContain('did not answer within 0.3 s');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('fails with LLM_UNAVAILABLE when the connection is dropped or refused', async () => {
    llm.chat.push({ hangUp: true });
    expect((await failure(planner().plan(request()))).code).toBe('LLM_UNAVAILABLE');

    const gone = await OpenAIStandIn.start();
    await gone.close();
    const error = await failure(planner({ baseUrl: gone.url }).plan(request()));
    expect([error.code, error.retryable]).toEqual(['LLM_UNAVAILABLE', true]);
  });

  it('stops at once when the job is cancelled, before or during the call', async () => {
    const cancelled = new AbortController();
    cancelled.abort();
    await expect(planner().plan(request({ signal: cancelled.signal }))).rejects.toBeInstanceOf(PipelineAbortedError);
    expect(llm.requests).toHaveLength(0);

    llm.chat.push({ delayMs: 3000, then: { plan: GOOD_PLAN } });
    const controller = new AbortController();
    const started = Date.now();
    const planning = planner().plan(request({ signal: controller.signal }));
    setTimeout(() => controller.abort(), 100);
    await expect(planning).rejects.toBeInstanceOf(PipelineAbortedError);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('works without an API key (local servers)', async () => {
    llm.chat.push({ plan: GOOD_PLAN });
    await planner({ apiKey: undefined }).plan(request());
    expect(llm.requests[0].headers.authorization).toBe('Bearer unused');
  });
});
