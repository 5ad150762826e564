/**
 * The rules of the scene vocabulary (API "Scenes"), in one place: the validator that custom_config.scenes and a
 * model's answer both go through, and the JSON Schema the model is asked to follow, built from the same limits
 * so the two cannot drift apart.
 */
import { texProblem } from '../visuals/math';
import { CodeBlock, SceneSpec } from '../scene';
import { normalizeText } from '../unicode-text';

export const SCENE_LIMITS = {
  scenes: { min: 1, max: 40 },
  titleChars: 120,
  narrationChars: 1500,
  textChars: 600,
  bullets: { maxItems: 6, maxChars: 140 },
  mathChars: 1000,
  codeLines: 40,
  seconds: { min: 1, max: 60 },
} as const;

/** A short language name such as "python", "ts", "c++" or "objective-c" (never a path or an option). */
export const CODE_LANGUAGE = /^[a-z][a-z0-9+#._-]{0,23}$/iu;
/** An upload's file id. */
export const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/iu;

/** One broken rule; `path` is relative to what was checked, e.g. "scenes[2].math". */
export interface SceneProblem {
  path: string;
  message: string;
}

export interface SceneRuleOptions {
  /**
   * Whether scenes may name uploads (image_file_id). Requests may; a model may not, since it cannot know the
   * caller's uploads and an invented id would only fail later.
   */
  allowImages: boolean;
}

export interface CheckedScenes {
  /** The scenes with their text normalised; only meaningful when there are no problems. */
  scenes: SceneSpec[];
  problems: SceneProblem[];
}

const SCENE_KEYS = ['title', 'narration', 'text', 'bullets', 'math', 'code', 'image_file_id', 'duration'] as const;

/** A whole plan, `{ "scenes": [...] }`, as a model answers it. Paths read "scenes[2].math". */
export function checkPlan(value: unknown, options: SceneRuleOptions): CheckedScenes {
  if (!isObject(value)) return { scenes: [], problems: [{ path: '', message: 'must be a JSON object { "scenes": [...] }' }] };
  const problems: SceneProblem[] = [];
  for (const key of Object.keys(value)) {
    if (key !== 'scenes') problems.push({ path: key, message: 'unknown key; the plan has only "scenes"' });
  }
  const checked = checkScenes(value.scenes, 'scenes', options);
  return { scenes: checked.scenes, problems: [...problems, ...checked.problems] };
}

/** A list of scenes found at `at` (e.g. "scenes"); paths read `${at}[2].math`. */
export function checkScenes(value: unknown, at: string, options: SceneRuleOptions): CheckedScenes {
  const problems: SceneProblem[] = [];
  const report = (path: string, message: string): void => {
    problems.push({ path, message });
  };
  const { min, max } = SCENE_LIMITS.scenes;
  if (!Array.isArray(value) || value.length < min || value.length > max) {
    report(at, `must be an array of ${min} to ${max} scenes`);
    return { scenes: [], problems };
  }
  const keys = SCENE_KEYS.filter((key) => options.allowImages || key !== 'image_file_id');
  const scenes: SceneSpec[] = [];
  value.forEach((item: unknown, i) => {
    const scene = checkScene(item, `${at}[${i}]`, keys, report);
    if (scene) scenes.push(scene);
  });
  return { scenes, problems };
}

type Report = (path: string, message: string) => void;

function checkScene(item: unknown, at: string, keys: readonly string[], report: Report): SceneSpec | undefined {
  if (!isObject(item)) {
    report(at, `must be an object with some of: ${keys.join(', ')}`);
    return undefined;
  }
  for (const key of Object.keys(item)) {
    if (!keys.includes(key)) report(`${at}.${key}`, `unknown key; known keys: ${keys.join(', ')}`);
  }
  const L = SCENE_LIMITS;
  let fieldProblems = 0;
  const note: Report = (path, message) => {
    fieldProblems++;
    report(path, message);
  };
  const scene: SceneSpec = { title: optionalText(item.title, L.titleChars, `${at}.title`, note) ?? '' };
  const narration = optionalText(item.narration, L.narrationChars, `${at}.narration`, note);
  if (narration) scene.narration = narration;
  const text = optionalText(item.text, L.textChars, `${at}.text`, note);
  if (text) scene.text = text;
  const bullets = checkBullets(item.bullets, `${at}.bullets`, note);
  if (bullets.length > 0) scene.bullets = bullets;
  const math = checkMath(item.math, `${at}.math`, note);
  if (math) scene.math = math;
  const code = checkCode(item.code, `${at}.code`, note);
  if (code) scene.code = code;
  if (keys.includes('image_file_id') && item.image_file_id !== undefined) {
    if (typeof item.image_file_id === 'string' && UPLOAD_ID.test(item.image_file_id)) scene.imageFileId = item.image_file_id;
    else note(`${at}.image_file_id`, 'must be an upload file id (a UUID)');
  }
  if (item.duration !== undefined) {
    const { min, max } = L.seconds;
    if (typeof item.duration === 'number' && Number.isFinite(item.duration) && item.duration >= min && item.duration <= max) {
      scene.duration = item.duration;
    } else {
      note(`${at}.duration`, `must be a number of seconds from ${min} to ${max}`);
    }
  }
  // Only when every field was well formed, so that one mistake is not reported twice.
  const shows = scene.title || scene.text || scene.bullets || scene.math || scene.code || scene.imageFileId;
  if (!shows && fieldProblems === 0) {
    report(at, 'needs something to show: a title, text, bullets, math, code or an image_file_id');
  }
  return scene;
}

/** A string of at most `maxChars` characters (code points, not UTF-16 units), normalised; undefined when absent. */
function optionalText(value: unknown, maxChars: number, at: string, report: Report): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    report(at, `must be a string of at most ${maxChars} characters`);
    return undefined;
  }
  if (Array.from(value).length > maxChars) report(at, `must be at most ${maxChars} characters long`);
  return normalizeText(value);
}

function checkBullets(value: unknown, at: string, report: Report): string[] {
  if (value === undefined) return [];
  const { maxItems, maxChars } = SCENE_LIMITS.bullets;
  if (!Array.isArray(value) || value.length > maxItems) {
    report(at, `must be an array of at most ${maxItems} strings of at most ${maxChars} characters`);
    return [];
  }
  return value.map((bullet: unknown, i) => {
    const text = typeof bullet === 'string' ? normalizeText(bullet) : '';
    if (!text || Array.from(bullet as string).length > maxChars) {
      report(`${at}[${i}]`, `must be a non-empty string of at most ${maxChars} characters`);
    }
    return text;
  });
}

function checkMath(value: unknown, at: string, report: Report): string | undefined {
  if (value === undefined) return undefined;
  const max = SCENE_LIMITS.mathChars;
  if (typeof value !== 'string' || !value.trim() || Array.from(value).length > max) {
    report(at, `must be TeX of 1 to ${max} characters, e.g. "a^2 + b^2 = c^2"`);
    return undefined;
  }
  const tex = value.trim();
  const problem = texProblem(tex);
  if (problem) report(at, problem);
  return tex;
}

function checkCode(value: unknown, at: string, report: Report): CodeBlock | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) {
    report(at, 'must be an object { language, source }');
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (key !== 'language' && key !== 'source') report(`${at}.${key}`, 'unknown key; known keys: language, source');
  }
  const { language, source } = value;
  if (typeof language !== 'string' || !CODE_LANGUAGE.test(language)) {
    report(`${at}.language`, 'must be a short language name such as "python", "javascript" or "text"');
  }
  const lines = typeof source === 'string' ? codeLines(source) : [];
  if (typeof source !== 'string' || lines.length === 0 || lines.length > SCENE_LIMITS.codeLines) {
    report(`${at}.source`, `must be source code of 1 to ${SCENE_LIMITS.codeLines} lines`);
  }
  if (typeof language !== 'string' || typeof source !== 'string') return undefined;
  return { language: language.toLowerCase(), source: lines.join('\n') };
}

/** The lines of a code block: Windows line ends and blank lines around the code dropped, indentation kept. */
export function codeLines(source: string): string[] {
  const lines = source.replace(/\r\n?/gu, '\n').split('\n').map((line) => line.trimEnd());
  while (lines.length > 0 && lines[0] === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export type JsonSchema = { [key: string]: JsonSchemaValue };
type JsonSchemaValue = string | number | boolean | string[] | JsonSchema | JsonSchema[];

/**
 * The JSON Schema of a plan for OpenAI-style structured outputs (`strict: true`): every property required,
 * optional ones nullable, no other keys. Character limits are in descriptions because strict mode does not
 * accept maxLength; the validator enforces them all the same. No image_file_id (see SceneRuleOptions).
 */
export function planJsonSchema(): JsonSchema {
  const L = SCENE_LIMITS;
  const nullable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: 'null' }] });
  const scene: JsonSchema = {
    type: 'object',
    additionalProperties: false,
    required: ['title', 'narration', 'text', 'bullets', 'math', 'code', 'duration'],
    properties: {
      title: { type: 'string', description: `Heading on screen, at most ${L.titleChars} characters.` },
      narration: {
        type: 'string',
        description: `What the voice says, in plain speakable words (no TeX, no code), at most ${L.narrationChars} characters.`,
      },
      text: nullable({ type: 'string', description: `Body text on screen, at most ${L.textChars} characters.` }),
      bullets: nullable({
        type: 'array',
        maxItems: L.bullets.maxItems,
        items: { type: 'string', description: `One point, at most ${L.bullets.maxChars} characters.` },
        description: 'Points revealed one by one as the narration reaches them, in the order it says them.',
      }),
      math: nullable({ type: 'string', description: `One formula in TeX (no $ delimiters), at most ${L.mathChars} characters.` }),
      code: nullable({
        type: 'object',
        additionalProperties: false,
        required: ['language', 'source'],
        properties: {
          language: { type: 'string', description: 'A short language name such as "python" or "javascript".' },
          source: { type: 'string', description: `At most ${L.codeLines} lines.` },
        },
      }),
      duration: nullable({
        type: 'number',
        minimum: L.seconds.min,
        maximum: L.seconds.max,
        description: 'Least seconds on screen; null lets the narration decide.',
      }),
    },
  };
  return {
    type: 'object',
    additionalProperties: false,
    required: ['scenes'],
    properties: { scenes: { type: 'array', minItems: L.scenes.min, maxItems: L.scenes.max, items: scene } },
  };
}
