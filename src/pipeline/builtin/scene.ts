/**
 * The one scene vocabulary (API "Scenes"): what custom_config.scenes holds, what the LLM planner must return
 * and what the deterministic planner produces (SceneSpec), and the scene the later stages narrate and draw
 * (Scene).
 */

export interface CodeBlock {
  /** A highlight.js language name or alias (e.g. "python", "ts"); unknown ones are shown unhighlighted. */
  language: string;
  source: string;
}

/** One scene as written by a request, a model or the deterministic planner (already validated). */
export interface SceneSpec {
  title: string;
  /** What the voice says; defaults to text, else the bullets, else the title. */
  narration?: string;
  text?: string;
  bullets?: string[];
  /** TeX, typeset on screen. */
  math?: string;
  code?: CodeBlock;
  imageFileId?: string;
  /** Least seconds on screen (narration may make it longer). */
  duration?: number;
}

export type SceneKind = 'title' | 'content' | 'outro';

/** A scene ready for the narrate and draw stages. */
export interface Scene {
  kind: SceneKind;
  /** Heading shown on screen. */
  title: string;
  /** Body text shown on screen (may be empty). */
  text: string;
  /** What the narrator says. */
  narration: string;
  /** Revealed one by one as the narration reaches them (may be empty). */
  bullets: string[];
  math?: string;
  code?: CodeBlock;
  /** Minimum seconds on screen. */
  minDurationSeconds?: number;
  /** Upload shown beside or under the text. */
  imageFileId?: string;
}

/** A passage of one of the caller's documents, ranked against topic + context (use_rag). */
export interface Passage {
  fileId: string;
  /** The document's file name, to cite. */
  source: string;
  text: string;
  /** Relevance from the full-text index; higher is better. */
  score: number;
}
