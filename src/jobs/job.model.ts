import type { GenerationInfo, Quality } from '../pipeline/video-pipeline';

export const JOB_STATUSES = ['queued', 'processing', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set(['completed', 'failed', 'cancelled']);

export const JOB_PRIORITIES = ['low', 'normal', 'high'] as const;
export type JobPriority = (typeof JOB_PRIORITIES)[number];

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
  attempts: number;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  completedAt: string | null;
  estimatedCompletion: string | null;
  video: VideoInfo | null;
}

export interface JobLogEntry {
  timestamp: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  stage: string | null;
  message: string;
}
