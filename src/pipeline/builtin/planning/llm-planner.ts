/**
 * Plans with a model behind any OpenAI-compatible chat completions endpoint (OpenAI, Gemini's compatible
 * endpoint, LiteLLM, Ollama, vLLM), through the official SDK: the plan is asked for as structured JSON, checked
 * by the same rules as custom_config.scenes, and sent back once with its problems if it breaks them.
 */
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { PipelineAbortedError, PipelineError } from '../../video-pipeline';
import { PlanOutcome, PlanRequest, Planner, TokenUsage } from './planner';
import { PlanPrompt, fillTemplate, loadPlanPrompt, passagesText, rulesText } from './plan-prompt';
import { CheckedScenes, SceneProblem, checkPlan, planJsonSchema } from './scene-rules';

export interface LlmPlannerOptions {
  /** Base URL of the endpoint, e.g. "https://api.openai.com/v1". */
  baseUrl: string;
  /** Sent as a bearer token; local servers (Ollama, vLLM) often need none. */
  apiKey?: string;
  /** The model used when the request names none. */
  model: string;
  /** Longest wait for one answer. */
  timeoutSeconds: number;
  /** Prompt file version (prompts/<version>.md); default plan-v1. */
  promptVersion?: string;
}

/** Statuses worth another try later (the SDK's own retry set): timeouts, conflicts, rate limits, server faults. */
const TRANSIENT_STATUSES = new Set([408, 409, 429]);
const SCHEMA_NAME = 'explainer_plan';
const SDK_TIMEOUT_MARGIN_MS = 1000;
const DESCRIBED_PROBLEMS = 10;

type Messages = OpenAI.Chat.Completions.ChatCompletionMessageParam[];

/** One answer of the model. */
interface Answer {
  content: string;
  model: string;
  usage?: TokenUsage;
  /** Why the answer cannot be a plan before its JSON is even read (a refusal, a cut-off answer). */
  fault?: string;
}

export class LlmPlanner implements Planner {
  readonly name = 'llm';
  private readonly client: OpenAI;
  private prompt?: Promise<PlanPrompt>;

  constructor(private readonly options: LlmPlannerOptions) {
    // No SDK retries: a failed plan is a retryable job fault, and the job's backoff policy owns retries. The
    // deadline of each call is our own signal (see ask), so the SDK's timeout is only a backstop behind it.
    this.client = new OpenAI({
      baseURL: options.baseUrl,
      apiKey: options.apiKey ?? 'unused',
      timeout: options.timeoutSeconds * 1000 + SDK_TIMEOUT_MARGIN_MS,
      maxRetries: 0,
    });
  }

  async plan(request: PlanRequest): Promise<PlanOutcome> {
    const model = request.model ?? this.options.model;
    const prompt = await (this.prompt ??= loadPlanPrompt(this.options.promptVersion));
    const messages: Messages = [
      { role: 'system', content: fillTemplate(prompt.system, { rules: rulesText() }) },
      {
        role: 'user',
        content: fillTemplate(prompt.user, { topic: request.topic, context: request.context, passages: passagesText(request.passages) }),
      },
    ];
    request.log('debug', `asking model ${model} for a plan (prompt ${prompt.version}, ${request.passages.length} passages)`);

    const answers = [await this.ask(model, messages, request)];
    let checked = readPlan(answers[0]);
    if (checked.problems.length > 0) {
      request.log('warn', `model ${model}'s plan breaks ${checked.problems.length} rules, asking once for a repair: ${describe(checked.problems)}`);
      messages.push({ role: 'assistant', content: answers[0].content }, { role: 'user', content: repairRequest(checked.problems) });
      answers.push(await this.ask(model, messages, request));
      checked = readPlan(answers[1]);
    }
    const answer = answers[answers.length - 1];
    const usage = addUsage(answers);
    if (checked.problems.length > 0) {
      throw new PipelineError(
        `model ${model}'s plan is still invalid after one repair round: ${describe(checked.problems)}`,
        'LLM_BAD_PLAN',
        false,
      );
    }

    const tokens = usage ? `${usage.total_tokens} tokens (${usage.prompt_tokens} prompt + ${usage.completion_tokens} completion)` : 'no token usage reported';
    request.log('info', `model ${answer.model} planned ${checked.scenes.length} content scenes (prompt ${prompt.version}; ${tokens})`);
    const outcome: PlanOutcome = { scenes: checked.scenes, planner: 'llm', model: answer.model, promptVersion: prompt.version };
    if (usage) outcome.usage = usage;
    return outcome;
  }

  private async ask(model: string, messages: Messages, request: PlanRequest): Promise<Answer> {
    if (request.signal.aborted) throw new PipelineAbortedError();
    // Our own deadline, merged with the job's signal, tells a timeout from a cancel whatever the SDK throws.
    const deadline = AbortSignal.timeout(this.options.timeoutSeconds * 1000);
    try {
      const completion = await this.client.chat.completions.create(
        {
          model,
          messages,
          response_format: { type: 'json_schema', json_schema: { name: SCHEMA_NAME, strict: true, schema: planJsonSchema() } },
        },
        { signal: AbortSignal.any([request.signal, deadline]) },
      );
      const choice = completion.choices[0];
      const answer: Answer = { content: choice?.message.content ?? '', model: completion.model || model };
      if (completion.usage) {
        const { prompt_tokens, completion_tokens, total_tokens } = completion.usage;
        answer.usage = { prompt_tokens, completion_tokens, total_tokens };
      }
      if (choice?.message.refusal) answer.fault = `the model refused: ${choice.message.refusal}`;
      else if (choice?.finish_reason === 'length') answer.fault = 'the answer was cut off before it ended (too long)';
      return answer;
    } catch (error) {
      throw this.failure(error, model, request.signal, deadline);
    }
  }

  /** What went wrong talking to the endpoint, as the pipeline reports it. */
  private failure(error: unknown, model: string, signal: AbortSignal, deadline: AbortSignal): Error {
    if (signal.aborted) return new PipelineAbortedError();
    if (deadline.aborted || error instanceof APIConnectionTimeoutError) {
      return new PipelineError(`model ${model} did not answer within ${this.options.timeoutSeconds} s`, 'LLM_UNAVAILABLE', true);
    }
    if (error instanceof APIConnectionError) {
      const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
      return new PipelineError(`the planning endpoint cannot be reached for model ${model}${cause}`, 'LLM_UNAVAILABLE', true);
    }
    if (error instanceof APIError && error.status !== undefined) {
      if (error.status >= 500 || TRANSIENT_STATUSES.has(error.status)) {
        return new PipelineError(`model ${model} is unavailable: HTTP ${error.message}`, 'LLM_UNAVAILABLE', true);
      }
      // 400 (e.g. no structured outputs), 401/403 (key), 404 (no such model): the same request would fail again.
      return new PipelineError(`the planning endpoint refused model ${model}: HTTP ${error.message}`, 'LLM_REJECTED', false);
    }
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** The answer's plan, or why it is not one; paths read "scenes[2].math". */
function readPlan(answer: Answer): CheckedScenes {
  if (answer.fault) return { scenes: [], problems: [{ path: '', message: answer.fault }] };
  let value: unknown;
  try {
    value = JSON.parse(stripFences(answer.content));
  } catch (error) {
    return { scenes: [], problems: [{ path: '', message: `the answer is not valid JSON (${(error as Error).message})` }] };
  }
  return checkPlan(dropNulls(value), { allowImages: false });
}

/** Models asked for JSON sometimes wrap it in a Markdown fence all the same. */
function stripFences(content: string): string {
  const fenced = /^\s*```[a-zA-Z]*\s*\n([\s\S]*?)\n?\s*```\s*$/u.exec(content);
  return fenced ? fenced[1] : content;
}

/** Strict structured outputs make every field required, so "absent" arrives as null. */
function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, dropNulls(v)]),
  );
}

/** The problems on one line for logs and the job's error, the first few in full. */
function describe(problems: SceneProblem[]): string {
  const shown = problems.slice(0, DESCRIBED_PROBLEMS).map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
  const more = problems.length - shown.length;
  return shown.join('; ') + (more > 0 ? `; and ${more} more` : '');
}

function repairRequest(problems: SceneProblem[]): string {
  const list = problems.map((p) => `- ${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n');
  return `Your plan breaks these rules:\n${list}\n\nAnswer again with the whole corrected plan (every scene), as JSON only, following the schema.`;
}

function addUsage(answers: Answer[]): TokenUsage | undefined {
  const reported = answers.flatMap((a) => (a.usage ? [a.usage] : []));
  if (reported.length === 0) return undefined;
  return reported.reduce((sum, u) => ({
    prompt_tokens: sum.prompt_tokens + u.prompt_tokens,
    completion_tokens: sum.completion_tokens + u.completion_tokens,
    total_tokens: sum.total_tokens + u.total_tokens,
  }));
}
