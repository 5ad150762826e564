import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { AuthUser } from '../auth/auth-user';
import { SignedUrls } from '../auth/signed-urls';
import { AppConfig } from '../config/app-config';
import { AppException } from '../common/error-codes';
import { API_PREFIX, JobDto, JobStatusDto, toJobDto, toJobStatusDto, toVideoMetadataDto, VideoMetadataDto, videoFilename } from '../jobs/dto/job.dto';
import { estimateFromQueue, expectedRenderSeconds } from '../jobs/eta';
import { Job, JobConfiguration } from '../jobs/job.model';
import { JobStore, SubmissionReply } from '../jobs/job.store';
import { RenderStatsStore } from '../jobs/render-stats.store';
import { JobsService } from '../jobs/jobs.service';
import type { Response } from 'express';
import { StoredFile } from '../files/file-store';
import { StorageService } from '../files/storage.service';
import { RenderQueue } from '../queue/render-queue.service';
import { validationException } from '../common/validation';
import { assertWebhookUrlAllowed } from '../common/network-policy';
import { ConfigurationsService } from '../configurations/configurations.service';
import { UploadsService } from '../uploads/uploads.service';
import { Quality, VIDEO_PIPELINE, VideoPipeline } from '../pipeline/video-pipeline';
import { ServiceMetrics } from '../system/service-metrics';
import { PreferencesStore } from '../users/preferences.store';
import { DownloadUrlsDto } from './dto/download-urls.dto';
import { CUSTOM_CONFIG_MAX_BYTES, VideoGenerationRequestDto } from './dto/video-generation-request.dto';

export interface SubmitResult {
  job: JobDto;
  replayed: boolean;
}

export interface DownloadableFile {
  file: StoredFile;
  filename: string;
  etag: string;
  contentType: string;
}

@Injectable()
export class VideosService {
  private readonly logger = new Logger(VideosService.name);

  constructor(
    private readonly store: JobStore,
    private readonly renderStats: RenderStatsStore,
    private readonly queue: RenderQueue,
    private readonly jobs: JobsService,
    private readonly storage: StorageService,
    private readonly config: AppConfig,
    private readonly preferences: PreferencesStore,
    @Inject(VIDEO_PIPELINE) private readonly pipeline: VideoPipeline,
    private readonly configurations: ConfigurationsService,
    private readonly uploads: UploadsService,
    private readonly signedUrls: SignedUrls,
    private readonly metrics: ServiceMetrics,
  ) {}

  /**
   * The request as a job's configuration: a saved configuration's settings first, the request's fields
   * winning (custom_config keys merged), then the user's default quality. Throws 422 for a merged custom_config
   * over the size limit or that the pipeline refuses, or a webhook_url on a forbidden host, 404 for a configuration
   * or upload that is not the user's, 403 for `priority: "high"` from a caller not allowed it (every field path
   * under `fieldPrefix`).
   */
  async prepare(user: AuthUser, request: VideoGenerationRequestDto, fieldPrefix = ''): Promise<JobConfiguration> {
    if (request.priority === 'high' && !mayJumpTheQueue(user)) {
      throw new AppException('FORBIDDEN', 'priority "high" is for admins and API keys with the jobs:priority scope', { field: `${fieldPrefix}priority` });
    }
    assertWebhookUrlAllowed(request.webhook_url, `${fieldPrefix}webhook_url`, this.config.webhooks.allowPrivate);
    const saved = request.configuration_id ? await this.configurations.settingsFor(user.userId, request.configuration_id, `${fieldPrefix}configuration_id`) : {};
    const customConfig = { ...(saved.custom_config ?? {}), ...(request.custom_config ?? {}) };
    // Each part is within the limit on its own (the DTOs check them), but the job carries the merge.
    if (Buffer.byteLength(JSON.stringify(customConfig)) > CUSTOM_CONFIG_MAX_BYTES) {
      const message = `custom_config merged with the saved configuration's is over ${CUSTOM_CONFIG_MAX_BYTES} bytes as JSON`;
      throw validationException([{ field: `${fieldPrefix}custom_config`, errors: [message] }]);
    }
    const problems = this.pipeline.checkCustomConfig(customConfig);
    if (problems.length > 0) {
      throw validationException(problems.map((p) => ({ field: `${fieldPrefix}${p.field}`, errors: [p.message] })));
    }
    const useRag = request.use_rag ?? saved.use_rag ?? false;
    await this.uploads.resolveAssets(user.userId, customConfig, useRag, fieldPrefix); // every referenced upload exists and is the user's
    const quality = request.quality ?? saved.quality ?? (await this.preferences.get(user.userId)).default_quality;
    const model = request.model ?? saved.model;
    return {
      topic: request.topic,
      context: request.context,
      ...(model ? { model } : {}),
      quality,
      use_rag: useRag,
      custom_config: customConfig,
      priority: request.priority ?? 'normal',
      ...(request.webhook_url ? { webhook_url: request.webhook_url } : {}),
      ...(request.configuration_id ? { configuration_id: request.configuration_id } : {}),
    };
  }

  /**
   * When new jobs of these qualities, queued in this order, would finish given the queue ahead of them. The
   * queue depth is read once and each quality's render times once, however many jobs a batch holds.
   */
  async estimateCompletions(qualities: Quality[]): Promise<Date[]> {
    const distinct = [...new Set(qualities)];
    const [depth, ...times] = await Promise.all([this.store.queueDepth(), ...distinct.map((q) => this.renderStats.renderTimes(q))]);
    const seconds = new Map(distinct.map((q, i) => [q, expectedRenderSeconds(q, times[i])]));
    return qualities.map((q, ahead) => estimateFromQueue(seconds.get(q) as number, depth + ahead, this.config.workerConcurrency));
  }

  async submit(user: AuthUser, request: VideoGenerationRequestDto, idempotencyKey?: string): Promise<SubmitResult> {
    const configuration = await this.prepare(user, request);
    const outcome = await this.store.create({
      id: randomUUID(),
      userId: user.userId,
      configuration,
      idempotency: idempotencyKey ? { key: idempotencyKey, bodyHash: hashBody(request) } : undefined,
      estimatedCompletion: (await this.estimateCompletions([configuration.quality]))[0],
    });
    if (outcome.kind === 'existing') return { job: toJobDto(outcome.record), replayed: true };
    if (outcome.kind !== 'created') throw await this.refusal(outcome, [configuration.quality]);
    await this.enqueueOrFail([outcome.record], () =>
      idempotencyKey ? this.store.releaseIdempotencyKey('job', user.userId, idempotencyKey, outcome.record.id) : Promise.resolve(),
    );
    this.logger.log({ jobId: outcome.record.id, userId: user.userId, quality: configuration.quality }, 'job submitted');
    return { job: toJobDto(outcome.record), replayed: false };
  }

  /** The error for a submission the store refused: queue full, quota reached, or an Idempotency-Key spent otherwise. */
  async refusal(outcome: Exclude<SubmissionReply<unknown>, { kind: 'created' | 'existing' }>, qualities: Quality[]): Promise<AppException> {
    switch (outcome.kind) {
      case 'full':
        return new AppException('QUEUE_FULL', `The queue cannot take ${qualities.length} more job(s); retry later`, { max_queue_depth: this.config.maxQueueDepth }, { 'Retry-After': '30' });
      case 'conflict':
        return new AppException('CONFLICT', 'This Idempotency-Key was already used with a different request', { id: outcome.id });
      case 'gone':
        return new AppException('CONFLICT', 'What this Idempotency-Key created has been deleted since; send the request with a new key to submit it again', { id: outcome.id });
      case 'quota': {
        // A slot frees when one of the user's jobs finishes: about one render from now.
        const seconds = expectedRenderSeconds(qualities[0], await this.renderStats.renderTimes(qualities[0]));
        const retryAfter = String(Math.min(600, Math.max(5, Math.ceil(seconds))));
        return new AppException(
          'QUOTA_EXCEEDED',
          `At most ${this.config.maxActiveJobsPerUser} of your jobs may be queued or processing at once; ${outcome.active} are, so ${qualities.length} more cannot be accepted`,
          { max_active_jobs: this.config.maxActiveJobsPerUser, active_jobs: outcome.active, requested: qualities.length },
          { 'Retry-After': retryAfter },
        );
      }
    }
  }

  /**
   * Hands stored jobs to the queue; if the queue cannot take them they fail visibly instead of waiting forever,
   * and `release` frees their Idempotency-Key so a retry by the client is a new submission.
   */
  async enqueueOrFail(jobs: Job[], release: () => Promise<void>): Promise<void> {
    try {
      await this.queue.enqueue(jobs);
    } catch (err) {
      await Promise.all(jobs.map((job) => this.store.fail(job.id, 'ENQUEUE_FAILED', 'The job could not be queued').catch(() => undefined)));
      jobs.forEach(() => this.metrics.jobFailed('ENQUEUE_FAILED'));
      await release().catch(() => undefined);
      this.logger.error({ jobIds: jobs.map((j) => j.id), err }, 'enqueue failed');
      throw new AppException('SERVICE_UNAVAILABLE', 'The job queue is unavailable; retry later', {}, { 'Retry-After': '10' });
    }
  }

  async status(user: AuthUser, jobId: string): Promise<JobStatusDto> {
    const { job, queuePosition } = await this.jobs.requireStatusWithQueuePosition(user, jobId);
    return toJobStatusDto(job, queuePosition);
  }

  async metadata(user: AuthUser, jobId: string): Promise<VideoMetadataDto> {
    const job = await this.requireCompleted(user, jobId);
    return toVideoMetadataDto(job) as VideoMetadataDto;
  }

  async video(user: AuthUser, jobId: string): Promise<DownloadableFile> {
    const job = await this.requireCompleted(user, jobId);
    const file = await this.storage.statVideo(jobId, job.video?.storage_dir);
    if (!file) throw new AppException('NOT_FOUND', 'The video file is no longer available');
    return { file, filename: videoFilename(job), etag: `"${job.video?.checksum_sha256.slice(0, 32)}"`, contentType: 'video/mp4' };
  }

  async thumbnail(user: AuthUser, jobId: string): Promise<DownloadableFile> {
    const job = await this.requireCompleted(user, jobId);
    const file = await this.storage.statThumbnail(jobId, job.video?.storage_dir);
    if (!file) throw new AppException('NOT_FOUND', 'The thumbnail is no longer available');
    return { file, filename: videoFilename(job).replace(/\.mp4$/, '.jpg'), etag: `"t-${job.video?.checksum_sha256.slice(0, 30)}"`, contentType: 'image/jpeg' };
  }

  async captions(user: AuthUser, jobId: string): Promise<DownloadableFile> {
    const job = await this.requireCompleted(user, jobId);
    const file = job.video?.captions ? await this.storage.statCaptions(jobId, job.video?.storage_dir) : null;
    if (!file) throw new AppException('NOT_FOUND', 'This video has no captions');
    return { file, filename: videoFilename(job).replace(/\.mp4$/, '.vtt'), etag: `"c-${job.video?.checksum_sha256.slice(0, 30)}"`, contentType: 'text/vtt; charset=utf-8' };
  }

  /** Answers the download of a file found by video(), thumbnail() or captions(), from whichever store keeps it. */
  send(res: Response, download: DownloadableFile, disposition: 'attachment' | 'inline'): Promise<void> {
    const { file, filename, etag, contentType } = download;
    return this.storage.send(res, { key: file.key, size: file.size, modifiedAt: file.modifiedAt, filename, etag, contentType, disposition });
  }

  /** Signed URLs of a finished job's files, valid for its owner's files only, whoever (owner or admin) asked. */
  async downloadUrls(user: AuthUser, jobId: string): Promise<DownloadUrlsDto> {
    const job = await this.requireCompleted(user, jobId);
    const now = Date.now();
    const sign = (file: string) => this.signedUrls.sign(`${API_PREFIX}/videos/jobs/${jobId}/${file}`, job.userId, now);
    const video = sign('download');
    return {
      job_id: jobId,
      video_url: video.url,
      captions_url: job.video?.captions ? sign('captions').url : null,
      thumbnail_url: sign('thumbnail').url,
      expires_at: video.expiresAt.toISOString(),
    };
  }

  private async requireCompleted(user: AuthUser, jobId: string): Promise<Job> {
    const job = await this.jobs.requireJob(user, jobId);
    if (job.status !== 'completed' || !job.video) {
      throw new AppException('JOB_NOT_COMPLETED', `Job is ${job.status}, not completed`, { status: job.status });
    }
    return job;
  }
}

/** Admins and API keys with `jobs:priority` may put their jobs ahead of every normal one. */
function mayJumpTheQueue(user: AuthUser): boolean {
  return user.isAdmin || (user.scopes?.includes('jobs:priority') ?? false);
}

/**
 * Canonical hash (key order aside) of a request as the client sent it, validated: an Idempotency-Key replay with
 * another body is detected, while defaults the server fills in (preferences, a saved configuration) may change
 * between the two without making the same body a conflict.
 */
export function hashBody(request: unknown): string {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value && typeof value === 'object'
        ? Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]))
        : value;
  return createHash('sha256').update(JSON.stringify(canonical(request))).digest('hex');
}
