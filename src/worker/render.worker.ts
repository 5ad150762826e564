import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Job as BullJob, UnrecoverableError, Worker } from 'bullmq';
import { AppException } from '../common/error-codes';
import { AppConfig } from '../config/app-config';
import { StorageService } from '../files/storage.service';
import { estimateWhileRunning, RenderTimes } from '../jobs/eta';
import { Job, JobLogEntry, VideoInfo } from '../jobs/job.model';
import { JobStore } from '../jobs/job.store';
import {
  PipelineAbortedError,
  PipelineContext,
  PipelineError,
  PipelineResult,
  VideoAssets,
  VideoPipeline,
} from '../pipeline/video-pipeline';
import { bullConnection } from '../queue/bullmq-connection';
import { RENDER_QUEUE, RenderJobData } from '../queue/queue.constants';
import { RenderQueue } from '../queue/render-queue.service';
import { UploadsService } from '../uploads/uploads.service';
import { VIDEO_PIPELINE } from './pipeline.module';

const PROGRESS_WRITE_INTERVAL_MS = 400;

type RenderOutcome = 'completed' | 'cancelled' | 'skipped' | 'discarded';

/**
 * The BullMQ worker (only in the `worker` and `all` roles). BullMQ gives retries with backoff, stalled-job
 * recovery when a worker dies, and per-job AbortSignals; the job store's atomic transitions decide which
 * outcome wins when a cancel races a completion.
 */
@Injectable()
export class RenderWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RenderWorker.name);
  private worker?: Worker<RenderJobData, RenderOutcome>;
  private stopCancelSignals?: () => void;

  constructor(
    private readonly config: AppConfig,
    private readonly store: JobStore,
    private readonly storage: StorageService,
    private readonly queue: RenderQueue,
    private readonly uploads: UploadsService,
    @Inject(VIDEO_PIPELINE) private readonly pipeline: VideoPipeline,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.runsWorker) return;
    this.worker = new Worker<RenderJobData, RenderOutcome>(RENDER_QUEUE, (job, _token, signal) => this.render(job, signal), {
      connection: bullConnection(this.config),
      prefix: this.config.redisKeyPrefix,
      concurrency: this.config.workerConcurrency,
      lockDuration: this.config.stalledIntervalMs,
      stalledInterval: this.config.stalledIntervalMs,
      maxStalledCount: 2,
      autorun: false,
    });
    this.worker.on('failed', (job, err) => void this.onFailed(job, err));
    this.worker.on('error', (err) => this.logger.warn(`worker: ${err.message}`));
    this.stopCancelSignals = this.queue.onCancelSignal((jobId) => this.worker?.cancelJob(jobId, 'cancelled'));
    void this.worker.run().catch((err: Error) => this.logger.error(`worker stopped: ${err.message}`));
    this.logger.log(`worker started: pipeline=${this.pipeline.name} concurrency=${this.config.workerConcurrency}`);
  }

  /** Lets running renders finish within the grace period, then aborts them so they retry elsewhere. */
  async onApplicationShutdown(): Promise<void> {
    this.stopCancelSignals?.();
    const worker = this.worker;
    if (!worker) return;
    const closing = worker.close();
    const graceful = await Promise.race([
      closing.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), this.config.shutdownGraceMs).unref()),
    ]);
    if (!graceful) {
      this.logger.warn('shutdown grace period over: interrupting running renders');
      worker.cancelAllJobs('shutdown');
      await closing;
    }
  }

  private async render(bullJob: BullJob<RenderJobData>, signal?: AbortSignal): Promise<RenderOutcome> {
    const jobId = bullJob.data.jobId;
    const attempt = await this.store.startAttempt(jobId);
    if (attempt === null) return 'skipped'; // cancelled or deleted before a worker reached it
    const job = await this.store.get(jobId);
    if (!job) return 'skipped';

    const abort = new AbortController();
    const onAbort = () => abort.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const measured = await this.store.renderTimes(job.configuration.quality);
    const reporter = new AttemptReporter(this.store, jobId, attempt, measured, () => abort.abort('job left processing'));
    const startedAt = Date.now();
    let workDir: string | undefined;
    reporter.log('info', 'setup', `attempt ${attempt} started on ${this.pipeline.name} pipeline`);
    try {
      await this.requireFreeDisk();
      const assets = await this.resolveAssets(job);
      workDir = await this.storage.createWorkDir(jobId);
      const result = await this.pipeline.run(
        {
          jobId,
          topic: job.configuration.topic,
          context: job.configuration.context,
          model: job.configuration.model,
          quality: job.configuration.quality,
          useRag: job.configuration.use_rag,
          customConfig: job.configuration.custom_config,
          assets,
        },
        { workDir, signal: abort.signal, progress: reporter.progress, log: reporter.pipelineLog } satisfies PipelineContext,
      );
      await reporter.flush();
      await this.storage.keepOutputs(jobId, { video: result.file, thumbnail: result.thumbnail, captions: result.captions });
      const info = videoInfo(job, result, startedAt);
      const outcome = await this.store.complete(jobId, attempt, info);
      if (!outcome.ok) {
        await this.storage.removeJobFiles(jobId); // cancelled or deleted while finishing: its state stands
        return 'discarded';
      }
      await this.store.recordRenderTimes(job.configuration.quality, { ...result.stageSeconds, total: info.performance.processing_seconds });
      reporter.log('info', 'completed', `video ready: ${result.metadata.width}x${result.metadata.height}, ${result.metadata.durationSeconds.toFixed(1)} s`);
      return 'completed';
    } catch (err) {
      return await this.handleFailure(bullJob, job, attempt, err, abort.signal, reporter);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      await reporter.flush();
      if (workDir) await this.storage.removeWorkDir(workDir);
    }
  }

  private async handleFailure(
    bullJob: BullJob<RenderJobData>,
    job: Job,
    attempt: number,
    err: unknown,
    signal: AbortSignal,
    reporter: AttemptReporter,
  ): Promise<RenderOutcome> {
    if (err instanceof PipelineAbortedError || signal.aborted) {
      const current = await this.store.get(job.id);
      if (!current || current.status !== 'processing') return 'cancelled';
      reporter.log('warn', 'interrupted', 'render interrupted (worker shutting down); it will be retried');
      throw new Error('render interrupted by worker shutdown');
    }
    const code = err instanceof PipelineError ? err.code : 'INTERNAL_ERROR';
    const message = err instanceof Error ? err.message : String(err);
    const retryable = !(err instanceof PipelineError) || err.retryable;
    const lastAttempt = bullJob.attemptsMade + 1 >= (bullJob.opts.attempts ?? 1);
    reporter.log('error', 'failed', `attempt ${attempt} failed (${code}): ${message}`);
    if (retryable && !lastAttempt) {
      await this.store.requeue(job.id, attempt, code, message);
      throw err;
    }
    await this.store.fail(job.id, code, message, attempt);
    throw retryable ? err : new UnrecoverableError(message);
  }

  /** The uploads the job refers to; one deleted since submission fails the job for good (retrying cannot help). */
  private async resolveAssets(job: Job): Promise<VideoAssets> {
    try {
      return await this.uploads.resolveAssets(job.userId, job.configuration.custom_config, job.configuration.use_rag);
    } catch (err) {
      if (err instanceof AppException) throw new PipelineError(`an upload this job uses is gone: ${err.message}`, 'ASSET_MISSING', false);
      throw err;
    }
  }

  /** Starting a render that would fill the disk helps nobody: fail the attempt early (it is retried later). */
  private async requireFreeDisk(): Promise<void> {
    const free = await this.storage.freeBytes();
    if (free < this.config.renderMinFreeDiskBytes) {
      throw new PipelineError(
        `only ${Math.floor(free / 1048576)} MiB free in storage; renders need ${Math.floor(this.config.renderMinFreeDiskBytes / 1048576)} MiB`,
        'INSUFFICIENT_DISK',
        true,
      );
    }
  }

  /** Safety net for failures outside the processor (a job that stalled too often): never stuck in processing. */
  private async onFailed(bullJob: BullJob<RenderJobData> | undefined, err: Error): Promise<void> {
    if (!bullJob) return;
    try {
      if ((await bullJob.getState()) !== 'failed') return;
      const outcome = await this.store.fail(bullJob.data.jobId, 'WORKER_LOST', err.message);
      if (outcome.ok) this.logger.warn({ jobId: bullJob.data.jobId }, `job failed outside the processor: ${err.message}`);
    } catch (e) {
      this.logger.warn(`could not record failure of ${bullJob.id}: ${(e as Error).message}`);
    }
  }
}

function videoInfo(job: Job, result: PipelineResult, startedAt: number): VideoInfo {
  const m = result.metadata;
  return {
    filename: 'video.mp4',
    file_size: m.fileSize,
    duration: Math.round(m.durationSeconds * 1000) / 1000,
    width: m.width,
    height: m.height,
    format: m.format,
    video_codec: m.videoCodec,
    audio_codec: m.audioCodec,
    fps: m.fps,
    checksum_sha256: m.checksumSha256,
    captions: result.captions !== undefined,
    created_at: new Date().toISOString(),
    performance: {
      queued_seconds: Math.max(0, (startedAt - Date.parse(job.createdAt)) / 1000),
      processing_seconds: (Date.now() - startedAt) / 1000,
      stages: result.stageSeconds,
    },
    ...(result.generation ? { generation: result.generation } : {}),
  };
}

/**
 * Writes one attempt's progress (coalesced) and logs (in order) to the store. A dropped progress write means
 * the job is no longer processing in this attempt (cancelled, deleted, taken over), so the render is aborted
 * even if the cancel signal was missed.
 */
class AttemptReporter {
  private lastWrite = 0;
  private lastStage = '';
  private readonly startedAt = Date.now();
  private stageStartedAt = Date.now();
  private logs: Promise<void> = Promise.resolve();
  private pending: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: JobStore,
    private readonly jobId: string,
    private readonly attempt: number,
    private readonly measured: RenderTimes,
    private readonly onDropped: () => void,
  ) {}

  readonly progress = (stage: string, percent: number): void => {
    const now = Date.now();
    if (stage === this.lastStage && now - this.lastWrite < PROGRESS_WRITE_INTERVAL_MS) return;
    if (stage !== this.lastStage) this.stageStartedAt = now;
    this.lastStage = stage;
    this.lastWrite = now;
    const eta = estimateWhileRunning(
      { stage, stageStartedAt: this.stageStartedAt, startedAt: this.startedAt, progress: percent, measured: this.measured },
      now,
    );
    this.pending = this.store
      .writeProgress(this.jobId, this.attempt, percent, stage, eta ?? undefined)
      .then((written) => (written ? undefined : this.onDropped()))
      .catch(() => undefined); // a Redis blip must not fail the render; the next write retries
  };

  readonly pipelineLog = (level: JobLogEntry['level'], message: string, stage?: string): void =>
    this.log(level, stage ?? null, message);

  log(level: JobLogEntry['level'], stage: string | null, message: string): void {
    const entry: JobLogEntry = { timestamp: new Date().toISOString(), level, stage, message: message.slice(0, 4000) };
    this.logs = this.logs.then(() => this.store.appendLogs(this.jobId, [entry])).catch(() => undefined);
  }

  async flush(): Promise<void> {
    await Promise.all([this.logs, this.pending]);
  }
}
