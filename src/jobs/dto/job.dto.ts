import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageMeta } from '../../common/pagination';
import type { GenerationInfo } from '../../pipeline/video-pipeline';
import { Job, JOB_PRIORITIES, JOB_STATUSES, JobConfiguration, JobLogEntry, JobStatusView } from '../job.model';

export const API_PREFIX = '/api/v1';
const urls = (jobId: string) => ({
  download_url: `${API_PREFIX}/videos/jobs/${jobId}/download`,
  thumbnail_url: `${API_PREFIX}/videos/jobs/${jobId}/thumbnail`,
  logs_url: `${API_PREFIX}/jobs/${jobId}/logs`,
});

export class PerformanceDto {
  @ApiProperty({ example: 1.2 }) queued_seconds!: number;
  @ApiProperty({ example: 14.8 }) processing_seconds!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: 'Seconds spent in each pipeline stage, by stage name',
    example: { ground: 0, plan: 0.01, narrate: 1.9, render: 9.5, compose: 0.4, finalize: 0.6 },
  })
  stages!: Record<string, number>;
}

export class TokenUsageDto {
  @ApiProperty({ example: 812 }) prompt_tokens!: number;
  @ApiProperty({ example: 640 }) completion_tokens!: number;
  @ApiProperty({ example: 1452 }) total_tokens!: number;
}

export class GroundingDto {
  @ApiProperty({ example: 4, description: 'document passages given to the planner' }) passages!: number;
  @ApiProperty({ type: [String], example: ['lecture-notes.md'] }) sources!: string[];
}

export class GenerationDto implements GenerationInfo {
  @ApiProperty({ enum: ['custom', 'deterministic', 'llm'], description: 'who wrote the scenes: the request, the offline planner or a model' })
  planner!: GenerationInfo['planner'];
  @ApiPropertyOptional({ example: 'gpt-4o-mini', description: 'the model that planned' }) model?: string;
  @ApiPropertyOptional({ example: 'plan-v1' }) prompt_version?: string;
  @ApiPropertyOptional({ type: TokenUsageDto }) usage?: TokenUsageDto;
  @ApiProperty({ example: 'espeak-ng en' }) voice!: string;
  @ApiProperty({ example: 7 }) scenes!: number;
  @ApiPropertyOptional({ type: GroundingDto, description: 'use_rag: the documents that grounded the plan' }) grounding?: GroundingDto;
}

export class VideoMetadataDto {
  @ApiProperty({ format: 'uuid' }) video_id!: string;
  @ApiProperty({ format: 'uuid' }) job_id!: string;
  @ApiProperty({ example: 'how-rainbows-form.mp4' }) filename!: string;
  @ApiProperty({ example: 1843200, description: 'bytes' }) file_size!: number;
  @ApiProperty({ example: 21.4, description: 'seconds' }) duration!: number;
  @ApiProperty({ example: '1280x720' }) resolution!: string;
  @ApiProperty({ example: 'mp4' }) format!: string;
  @ApiProperty({ example: 'h264' }) video_codec!: string;
  @ApiProperty({ example: 'aac', nullable: true, type: String }) audio_codec!: string | null;
  @ApiProperty({ example: 30 }) fps!: number;
  @ApiProperty({ example: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' }) checksum_sha256!: string;
  @ApiProperty() created_at!: string;
  @ApiProperty({ example: '/api/v1/videos/jobs/3f0e…/download' }) download_url!: string;
  @ApiProperty({ example: '/api/v1/videos/jobs/3f0e…/thumbnail' }) thumbnail_url!: string;
  @ApiProperty({ example: '/api/v1/jobs/3f0e…/logs' }) logs_url!: string;
  @ApiProperty({ nullable: true, type: String, example: '/api/v1/videos/jobs/3f0e…/captions', description: 'WebVTT, when the pipeline made captions' })
  captions_url!: string | null;
  @ApiProperty({ type: PerformanceDto }) performance!: PerformanceDto;
  @ApiPropertyOptional({ type: GenerationDto, description: 'how the content was made (built-in pipeline)' })
  generation?: GenerationDto;
}

export class JobConfigurationDto implements JobConfiguration {
  @ApiProperty() topic!: string;
  @ApiProperty() context!: string;
  @ApiPropertyOptional() model?: string;
  @ApiProperty({ enum: ['low', 'medium', 'high', 'ultra'] }) quality!: JobConfiguration['quality'];
  @ApiProperty() use_rag!: boolean;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'As submitted (free-form, at most 16 KiB as JSON): the pipeline reads the keys it knows' })
  custom_config!: Record<string, unknown>;
  @ApiProperty({ enum: JOB_PRIORITIES }) priority!: JobConfiguration['priority'];
  @ApiPropertyOptional() webhook_url?: string;
  @ApiPropertyOptional({ format: 'uuid' }) configuration_id?: string;
}

export class JobDto {
  @ApiProperty({ format: 'uuid' }) job_id!: string;
  @ApiProperty({ example: 'user_2abc' }) user_id!: string;
  @ApiProperty({ enum: JOB_STATUSES }) status!: Job['status'];
  @ApiProperty({ example: 'video_generation' }) job_type!: 'video_generation';
  @ApiProperty({ type: JobConfigurationDto }) configuration!: JobConfigurationDto;
  @ApiProperty({ minimum: 0, maximum: 100 }) progress!: number;
  @ApiProperty({ nullable: true, type: String, example: 'render' }) current_stage!: string | null;
  @ApiProperty({ nullable: true, type: String }) error_message!: string | null;
  @ApiProperty({ nullable: true, type: String }) error_code!: string | null;
  @ApiProperty({ nullable: true, type: String }) batch_id!: string | null;
  @ApiProperty({ enum: JOB_PRIORITIES }) priority!: Job['priority'];
  @ApiProperty() attempts!: number;
  @ApiProperty() created_at!: string;
  @ApiProperty() updated_at!: string;
  @ApiProperty({ nullable: true, type: String }) started_at!: string | null;
  @ApiProperty({ nullable: true, type: String }) completed_at!: string | null;
  @ApiProperty({ nullable: true, type: String }) estimated_completion!: string | null;
  @ApiPropertyOptional({ type: VideoMetadataDto, description: 'Present once the job is completed' })
  video?: VideoMetadataDto;
}

export class JobPageDto extends PageMeta {
  @ApiProperty({ type: [JobDto] }) data!: JobDto[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Pass as `cursor` (with the same filters and sort) for the page after this one; null at the end',
  })
  next_cursor!: string | null;
}

export class JobStatusDto {
  @ApiProperty({ format: 'uuid' }) job_id!: string;
  @ApiProperty({ enum: JOB_STATUSES }) status!: Job['status'];
  @ApiProperty() progress!: number;
  @ApiProperty({ nullable: true, type: String }) current_stage!: string | null;
  @ApiPropertyOptional({ description: '1-based place in the queue while queued', example: 3 }) queue_position?: number;
  @ApiProperty({ nullable: true, type: String }) error_message!: string | null;
  @ApiProperty() created_at!: string;
  @ApiProperty() updated_at!: string;
  @ApiProperty({ nullable: true, type: String }) completed_at!: string | null;
  @ApiProperty({ nullable: true, type: String }) estimated_completion!: string | null;
}

export class JobLogEntryDto implements JobLogEntry {
  @ApiProperty() timestamp!: string;
  @ApiProperty({ enum: ['debug', 'info', 'warn', 'error'] }) level!: JobLogEntry['level'];
  @ApiProperty({ nullable: true, type: String, example: 'render' }) stage!: string | null;
  @ApiProperty({ example: 'scene 2/5 rendered' }) message!: string;
}

export class JobLogsDto {
  @ApiProperty({ format: 'uuid' }) job_id!: string;
  @ApiProperty({ type: [JobLogEntryDto] }) logs!: JobLogEntryDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page; null at the end' })
  next_cursor!: string | null;
}

/** Filenames safe for Content-Disposition, derived from the topic. */
export function videoFilename(job: Job): string {
  const slug = job.configuration.topic
    .normalize('NFKD')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '-')
    .slice(0, 60)
    .replace(/-+$/, '');
  return `${slug || 'video'}-${job.id.slice(0, 8)}.mp4`;
}

export function toVideoMetadataDto(job: Job): VideoMetadataDto | undefined {
  const v = job.video;
  if (!v) return undefined;
  return {
    video_id: job.id,
    job_id: job.id,
    filename: videoFilename(job),
    file_size: v.file_size,
    duration: v.duration,
    resolution: `${v.width}x${v.height}`,
    format: v.format,
    video_codec: v.video_codec,
    audio_codec: v.audio_codec,
    fps: v.fps,
    checksum_sha256: v.checksum_sha256,
    created_at: v.created_at,
    ...urls(job.id),
    captions_url: v.captions ? `${API_PREFIX}/videos/jobs/${job.id}/captions` : null,
    performance: v.performance,
    ...(v.generation ? { generation: v.generation } : {}),
  };
}

export function toJobDto(job: Job): JobDto {
  const video = toVideoMetadataDto(job);
  return {
    job_id: job.id,
    user_id: job.userId,
    status: job.status,
    job_type: job.jobType,
    configuration: job.configuration,
    progress: job.progress,
    current_stage: job.currentStage,
    error_message: job.errorMessage,
    error_code: job.errorCode,
    batch_id: job.batchId,
    priority: job.priority,
    attempts: job.attempts,
    created_at: job.createdAt,
    updated_at: job.updatedAt,
    started_at: job.startedAt,
    completed_at: job.completedAt,
    estimated_completion: job.estimatedCompletion,
    ...(video ? { video } : {}),
  };
}

export function toJobStatusDto(job: JobStatusView, queuePosition: number | null): JobStatusDto {
  return {
    job_id: job.id,
    status: job.status,
    progress: job.progress,
    current_stage: job.currentStage,
    ...(job.status === 'queued' && queuePosition !== null ? { queue_position: queuePosition } : {}),
    error_message: job.errorMessage,
    created_at: job.createdAt,
    updated_at: job.updatedAt,
    completed_at: job.completedAt,
    estimated_completion: job.estimatedCompletion,
  };
}
