/**
 * The planning prompt: a versioned Markdown file beside this module (prompts/<version>.md, copied next to the
 * compiled code by `nest build`), with a system part and a user template whose {{placeholders}} are filled
 * from the request, the scene rules and the document passages.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Passage } from '../scene';
import { SCENE_LIMITS } from './scene-rules';

export const PLAN_PROMPT_VERSION = 'plan-v1';
/** Passages beyond these would crowd out the instructions; the best come first. */
export const PROMPT_PASSAGES = { max: 8, maxChars: 1500 };

export interface PlanPrompt {
  version: string;
  /** The system message, with {{rules}}. */
  system: string;
  /** The user message template, with {{topic}}, {{context}} and {{passages}}. */
  user: string;
}

export async function loadPlanPrompt(version: string = PLAN_PROMPT_VERSION): Promise<PlanPrompt> {
  const file = join(__dirname, 'prompts', `${version}.md`);
  const markdown = await readFile(file, 'utf8');
  const system = /^## System\n([\s\S]*?)^## User\n/mu.exec(markdown)?.[1];
  const user = /^## User\n([\s\S]*)$/mu.exec(markdown)?.[1];
  if (!system || !user) throw new Error(`${file} needs a "## System" section followed by a "## User" section`);
  return { version, system: system.trim(), user: user.trim() };
}

/**
 * Replaces {{name}} placeholders in one pass, so text put in (a context that happens to contain "{{rules}}")
 * is never expanded again. A placeholder without a value is a mistake in the prompt file.
 */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/gu, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`the prompt has a placeholder {{${name}}} with no value`);
    return value;
  });
}

/** The scene rules as the model reads them, from the limits the validator enforces. */
export function rulesText(): string {
  const L = SCENE_LIMITS;
  return [
    `- ${L.scenes.min} to ${L.scenes.max} scenes;`,
    `- title: at most ${L.titleChars} characters;`,
    `- narration: at most ${L.narrationChars} characters;`,
    `- text: at most ${L.textChars} characters;`,
    `- bullets: at most ${L.bullets.maxItems} items of at most ${L.bullets.maxChars} characters each;`,
    `- math: one formula in TeX that MathJax can typeset, at most ${L.mathChars} characters;`,
    `- code: { "language": a short name such as "python", "source": at most ${L.codeLines} lines };`,
    `- duration: null, or ${L.seconds.min} to ${L.seconds.max} seconds;`,
    '- every scene shows something: a title, text, bullets, math or code.',
  ].join('\n');
}

/** The passages, best first, each with its source named so the model can tell them apart. */
export function passagesText(passages: readonly Passage[]): string {
  if (passages.length === 0) return '(no documents)';
  return passages
    .slice(0, PROMPT_PASSAGES.max)
    .map((p, i) => {
      const chars = Array.from(p.text.trim());
      const text = chars.length > PROMPT_PASSAGES.maxChars ? `${chars.slice(0, PROMPT_PASSAGES.maxChars).join('')}…` : chars.join('');
      return `[${i + 1}] from "${p.source}":\n${text}`;
    })
    .join('\n\n');
}
