/**
 * The Planner port: whatever writes the content scenes (the offline deterministic planner, a model) answers a
 * PlanRequest with SceneSpecs, and toScenes frames them — title card first, outro last — for every planner and
 * for scenes a request wrote itself.
 */
import type { GenerationInfo } from '../../video-pipeline';
import { Passage, Scene, SceneSpec } from '../scene';
import { normalizeText } from '../unicode-text';

export interface PlanRequest {
  topic: string;
  context: string;
  /** The model the request asked for; planners that use one fall back to their configured model. */
  model?: string;
  /** Ranked passages of the caller's documents (use_rag); empty when there are none. */
  passages: Passage[];
  signal: AbortSignal;
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
}

export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface PlanOutcome {
  /** Content scenes only (toScenes adds the title card and the outro). */
  scenes: SceneSpec[];
  /** 'custom' when the request wrote its own scenes and no planner ran. */
  planner: GenerationInfo['planner'];
  /** The model that planned, as the endpoint named it. */
  model?: string;
  /** Version of the prompt file, e.g. "plan-v1". */
  promptVersion?: string;
  /** Tokens used, summed over every round. */
  usage?: TokenUsage;
}

export interface Planner {
  readonly name: string;
  plan(request: PlanRequest): Promise<PlanOutcome>;
}

export const OUTRO_TITLE = 'Thanks for watching';

export interface ToScenesOptions {
  /** Heading of the closing card (e.g. in the video's language); default OUTRO_TITLE. */
  outroTitle?: string;
}

/**
 * The scenes of a video: a title card, the content scenes (untitled ones titled after the topic, numbered when
 * there are several), an outro. Pure.
 */
export function toScenes(topic: string, specs: readonly SceneSpec[], options: ToScenesOptions = {}): Scene[] {
  const cleanTopic = normalizeText(topic);
  const outroTitle = options.outroTitle ?? OUTRO_TITLE;
  const count = specs.length;
  const content = specs.map((spec, i): Scene => {
    const title = spec.title || (count > 1 ? `${cleanTopic} (${i + 1}/${count})` : cleanTopic);
    const scene: Scene = {
      kind: 'content',
      title,
      text: spec.text ?? '',
      narration: defaultNarration({ ...spec, title }),
      bullets: spec.bullets ?? [],
    };
    if (spec.math !== undefined) scene.math = spec.math;
    if (spec.code !== undefined) scene.code = spec.code;
    if (spec.duration !== undefined) scene.minDurationSeconds = spec.duration;
    if (spec.imageFileId !== undefined) scene.imageFileId = spec.imageFileId;
    return scene;
  });
  return [
    { kind: 'title', title: cleanTopic, text: '', narration: cleanTopic, bullets: [] },
    ...content,
    { kind: 'outro', title: outroTitle, text: cleanTopic, narration: asSentence(outroTitle), bullets: [] },
  ];
}

/**
 * What a scene says when it does not say: its narration, else its text, else its bullets read as sentences,
 * else its title (so a formula or a picture alone is introduced by its heading).
 */
export function defaultNarration(spec: SceneSpec): string {
  if (spec.narration) return spec.narration;
  if (spec.text) return spec.text;
  if (spec.bullets && spec.bullets.length > 0) return spec.bullets.map(asSentence).join(' ');
  return spec.title;
}

/** The text with a full stop unless it already ends a sentence (or a clause the voice pauses at). */
export function asSentence(text: string): string {
  const trimmed = text.trim().replace(/…$/u, '');
  return /[.!?:;。！？]$/u.test(trimmed) ? trimmed : `${trimmed}.`;
}
