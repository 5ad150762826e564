/**
 * The pipeline port. Nothing here knows about Nest, HTTP or Redis: a pipeline gets a request, a work
 * directory, callbacks and an AbortSignal, and returns a finished file inside that work directory.
 */

export const QUALITIES = ['low', 'medium', 'high', 'ultra'] as const;
export type Quality = (typeof QUALITIES)[number];

/** Output frame size per quality (16:9). */
export const QUALITY_RESOLUTION: Record<Quality, { width: number; height: number }> = {
  low: { width: 854, height: 480 },
  medium: { width: 1280, height: 720 },
  high: { width: 1920, height: 1080 },
  ultra: { width: 2560, height: 1440 },
};

export const PIPELINE_STAGES = ['ground', 'plan', 'narrate', 'render', 'compose', 'finalize'] as const;
export type PipelineStage = (typeof PIPELINE_STAGES)[number];

export type PipelineLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Uploaded files a request refers to, resolved by the worker to absolute paths (already validated and re-encoded). */
export interface VideoAssets {
  /** By upload file id, as referenced in custom_config.scenes[].image_file_id. */
  images: Record<string, string>;
  /** custom_config.background_audio_file_id's file. */
  backgroundAudio?: string;
  /**
   * use_rag only (absent without it): the caller's text documents (UTF-8, LF line ends) to ground the plan
   * in — custom_config.document_ids in that order, else the newest ones. Empty when the caller has none.
   */
  documents?: Array<{
    fileId: string;
    /** The uploaded file name, to cite. */
    name: string;
    /** Absolute path of the kept .md or .txt file. */
    file: string;
  }>;
}

export interface VideoRequest {
  jobId: string;
  topic: string;
  context: string;
  model?: string;
  quality: Quality;
  useRag: boolean;
  customConfig: Record<string, unknown>;
  assets?: VideoAssets;
}

/** One problem with a request's custom_config, reported to the client as a 422 field error. */
export interface CustomConfigProblem {
  /** Path inside the request, e.g. "custom_config.scenes[2].duration". */
  field: string;
  message: string;
}

export interface PipelineContext {
  /** An empty directory owned by this run; the caller removes it afterwards. */
  workDir: string;
  /** Aborted when the job is cancelled or the worker stops: every child process must die promptly. */
  signal: AbortSignal;
  /** Overall progress 0–100 (monotonic) and the stage now running. */
  progress(stage: string, percent: number): void;
  log(level: PipelineLogLevel, message: string, stage?: string): void;
}

/** What ffprobe says of the finished file (never what the request asked for). */
export interface ProbedVideo {
  durationSeconds: number;
  width: number;
  height: number;
  videoCodec: string;
  audioCodec: string | null;
  fps: number;
  format: string;
  fileSize: number;
  checksumSha256: string;
}

/** How a video's content was made (snake_case: it is shown to clients in the video's metadata). */
export interface GenerationInfo {
  /** Who wrote the scenes: the request itself, the offline planner or a model. */
  planner: 'custom' | 'deterministic' | 'llm';
  /** The model that planned, as the endpoint named it. */
  model?: string;
  /** Version of the planning prompt file. */
  prompt_version?: string;
  /** Tokens the planning model used, over every round. */
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  /** The voice that spoke, e.g. "espeak-ng en" or "openai-speech tts-1 alloy". */
  voice: string;
  scenes: number;
  /** use_rag: the documents whose passages grounded the plan. */
  grounding?: { passages: number; sources: string[] };
}

export interface PipelineResult {
  /** Absolute path of the MP4, inside ctx.workDir. */
  file: string;
  /** Absolute path of a JPEG thumbnail, inside ctx.workDir. */
  thumbnail: string;
  /** Absolute path of WebVTT captions in sync with the narration, inside ctx.workDir, when the pipeline makes them. */
  captions?: string;
  metadata: ProbedVideo;
  /** Wall-clock seconds spent in each stage. */
  stageSeconds: Record<string, number>;
  /** Pipelines that plan their own content say how. */
  generation?: GenerationInfo;
}

/** The dependency-injection token under which the configured pipeline is provided to the service. */
export const VIDEO_PIPELINE = Symbol('VIDEO_PIPELINE');

export interface VideoPipeline {
  readonly name: string;
  run(request: VideoRequest, ctx: PipelineContext): Promise<PipelineResult>;
  /** Names of external tools that must be present for this pipeline (readiness checks them). */
  requiredTools(): string[];
  /** Checks custom_config before a job is queued; an empty list means acceptable. */
  checkCustomConfig(customConfig: Record<string, unknown>): CustomConfigProblem[];
}

/**
 * A failure the worker can classify: `retryable` faults (a tool crashed, disk hiccup) are retried with
 * backoff; the rest (bad input) fail the job at once.
 */
export class PipelineError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'PipelineError';
  }
}

/** Thrown when ctx.signal aborts; the worker maps it to the job's cancelled state. */
export class PipelineAbortedError extends Error {
  constructor() {
    super('pipeline aborted');
    this.name = 'PipelineAbortedError';
  }
}
