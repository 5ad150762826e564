import type { GenerationInfo, Quality } from '../pipeline/video-pipeline';

export const JOB_STATUSES = ['queued', 'processing', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set(['completed', 'failed', 'cancelled']);

export const JOB_PRIORITIES = ['low', 'normal', 'high'] as const;
export type JobPriority = (typeof JOB_PRIORITIES)[number];

/** Priority classes in queue order: every `high` job before any `normal`, every `normal` before any `low`. */
export const PRIORITY_RANK: Record<JobPriority, number> = { high: 0, normal: 1, low: 2 };
/**
 * Fair share within a class: a job's queue priority is its class plus its place among its owner's active jobs
 * (1 = the user's only job), so one user's tenth job waits behind everyone else's first. Places past this cap
 * share the last slot; the cap keeps priority × 1e13 + creation ms exact in a Redis score (< 2^53).
 */
export const FAIR_SHARE_SLOTS = 250;

/** The request as accepted, defaults filled (snake_case: it is returned to clients as is). */
export interface JobConfiguration {
  topic: string;
  context: string;
  model?: string;
  quality: Quality;
  use_rag: boolean;
  custom_config: Record<string, unknown>;
  priority: JobPriority;
  webhook_url?: string;
  /** The saved configuration that was applied, if any. */
  configuration_id?: string;
}

export interface VideoInfo {
  filename: string;
  /**
   * The winning attempt's folder relative to STORAGE_DIR (`jobs/<id>/<attempt>-<random>`); internal, never in
   * a response. Absent for jobs completed before attempts had folders: their files are in `jobs/<id>/`.
   */
  storage_dir?: string;
  file_size: number;
  duration: number;
  width: number;
  height: number;
  format: string;
  video_codec: string;
  audio_codec: string | null;
  fps: number;
  checksum_sha256: string;
  /** WebVTT captions were kept beside the video. */
  captions: boolean;
  created_at: string;
  performance: {
    queued_seconds: number;
    processing_seconds: number;
    stages: Record<string, number>;
  };
  generation?: GenerationInfo;
}

export interface Job {
  id: string;
  userId: string;
  status: JobStatus;
  jobType: 'video_generation';
  configuration: JobConfiguration;
  progress: number;
  currentStage: string | null;
  errorMessage: string | null;
  errorCode: string | null;
  batchId: string | null;
  priority: JobPriority;
  /** BullMQ's numeric priority (lower runs first): class and fair-share place, fixed at submission. */
  queuePriority: number;
  attempts: number;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  completedAt: string | null;
  estimatedCompletion: string | null;
  video: VideoInfo | null;
}

/** What a status poll reads of a job: its owner and state, never its configuration or video. */
export type JobStatusView = Pick<
  Job,
  'id' | 'userId' | 'status' | 'progress' | 'currentStage' | 'errorMessage' | 'createdAt' | 'updatedAt' | 'completedAt' | 'estimatedCompletion'
>;

export interface JobLogEntry {
  timestamp: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  stage: string | null;
  message: string;
}
