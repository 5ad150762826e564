import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Job as BullJob, UnrecoverableError, Worker } from 'bullmq';
import { AppConfig } from '../config/app-config';
import { StorageService, SweepJob } from '../files/storage.service';
import { estimateWhileRunning, RenderTimes } from '../jobs/eta';
import { Job, JobLogEntry, JobStatus, TERMINAL_STATUSES, VideoInfo } from '../jobs/job.model';
import { JobLogStore } from '../jobs/job-log.store';
import { JobStore } from '../jobs/job.store';
import { RenderStatsStore } from '../jobs/render-stats.store';
import {
  PipelineAbortedError,
  PipelineContext,
  PipelineError,
  PipelineResult,
  VIDEO_PIPELINE,
  VideoAssets,
  VideoPipeline,
} from '../pipeline/video-pipeline';
import { bullConnection } from '../queue/bullmq-connection';
import { RENDER_QUEUE, RenderJobData } from '../queue/queue.constants';
import { RenderQueue } from '../queue/render-queue.service';
import { redisReachable } from '../queue/worker-shutdown';
import { ServiceMetrics } from '../system/service-metrics';
import { UploadAssets } from '../uploads/upload-assets';

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
    private readonly logStore: JobLogStore,
    private readonly renderStats: RenderStatsStore,
    private readonly storage: StorageService,
    private readonly queue: RenderQueue,
    private readonly uploadAssets: UploadAssets,
    @Inject(VIDEO_PIPELINE) private readonly pipeline: VideoPipeline,
    private readonly metrics: ServiceMetrics,
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
    void this.sweepStorage();
  }

  /** Clears what crashed or stale attempts left in storage; in the background, so the worker starts at once. */
  private async sweepStorage(): Promise<void> {
    try {
      // Locks are renewed within the stalled interval: anything touched more recently may belong to a live attempt.
      const swept = await this.storage.sweep((ids) => this.sweepFacts(ids), this.config.stalledIntervalMs);
      if (swept.workDirs + swept.attemptDirs > 0) {
        this.logger.log(`storage sweep removed work dirs: ${swept.workDirs}, attempt folders: ${swept.attemptDirs}`);
      }
    } catch (err) {
      this.logger.warn(`storage sweep failed: ${(err as Error).message}`);
    }
  }

  private async sweepFacts(ids: string[]): Promise<Map<string, SweepJob>> {
    const jobs = await this.store.getMany(ids);
    const facts = (job: Job): SweepJob => ({
      processing: job.status === 'processing',
      terminal: TERMINAL_STATUSES.has(job.status),
      storageDir: job.video?.storage_dir,
    });
    return new Map(jobs.map((job) => [job.id, facts(job)]));
  }

  /** Lets running renders finish within the grace period, then aborts them so they retry elsewhere. */
  async onApplicationShutdown(): Promise<void> {
    this.stopCancelSignals?.();
    const worker = this.worker;
    if (!worker) return;
    if (!(await redisReachable(worker))) {
      // Redis is gone: no render could record its outcome, and a graceful close would wait for it forever.
      this.logger.warn('Redis is unreachable: interrupting running renders');
      worker.cancelAllJobs('shutdown');
      await worker.close(true);
      return;
    }
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
    const job = attempt === null ? null : await this.store.get(jobId);
    if (attempt === null || !job) {
      this.metrics.renderFinished('skipped'); // cancelled or deleted before a worker reached it
      return 'skipped';
    }

    const abort = new AbortController();
    const onAbort = () => abort.abort(signal?.reason);
    // Cancelled while the attempt was being set up: an already-aborted signal never fires again.
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    const measured = await this.renderStats.renderTimes(job.configuration.quality);
    const reporter = new AttemptReporter(this.store, this.logStore, jobId, attempt, measured, () => abort.abort('job left processing'));
    const startedAt = Date.now();
    let workDir: string | undefined;
    // The scratch goes before the job reads completed or failed: a client that sees either may count on the disk
    // being free, and the next attempt may start on this worker at once.
    const removeScratch = async (): Promise<void> => {
      const dir = workDir;
      workDir = undefined;
      if (dir) await this.storage.removeWorkDir(dir);
    };
    reporter.log('info', 'setup', `attempt ${attempt} started on worker ${this.config.workerName} (${this.pipeline.name} pipeline)`);
    try {
      await this.requireFreeDisk();
      workDir = await this.storage.createWorkDir(jobId, attempt);
      const assets = await this.resolveAssets(job, workDir);
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
      const storageDir = await this.storage.keepOutputs(jobId, attempt, { video: result.file, thumbnail: result.thumbnail, captions: result.captions });
      await removeScratch();
      const info = videoInfo(job, result, startedAt, storageDir);
      const outcome = await this.store.complete(jobId, attempt, info);
      if (!outcome.ok) {
        await this.discard(jobId, attempt, storageDir, outcome.current, reporter);
        this.metrics.renderFinished('discarded');
        return 'discarded';
      }
      this.metrics.renderCompleted(info.duration, info.performance.processing_seconds);
      await this.renderStats.record(job.configuration.quality, { ...result.stageSeconds, total: info.performance.processing_seconds });
      reporter.log('info', 'completed', `video ready: ${result.metadata.width}x${result.metadata.height}, ${result.metadata.durationSeconds.toFixed(1)} s`);
      return 'completed';
    } catch (err) {
      await removeScratch();
      return await this.handleFailure(bullJob, job, attempt, err, abort.signal, reporter);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      await reporter.flush();
      await removeScratch();
    }
  }

  /**
   * This attempt lost (cancelled, deleted, or a newer attempt took over after it stalled): its state stands and
   * only what this attempt wrote goes, never a winner's files. A deleted job has no winner: all of it goes.
   */
  private async discard(jobId: string, attempt: number, storageDir: string, current: JobStatus | null, reporter: AttemptReporter): Promise<void> {
    if (current === null) {
      await this.storage.removeJobFiles(jobId);
      return;
    }
    await this.storage.removeAttemptFiles(jobId, storageDir);
    const why = current === 'processing' ? 'taken over by a newer attempt' : current;
    reporter.log('warn', 'discarded', `attempt ${attempt} finished late (job ${why}); its files were discarded`);
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
      if (!current || current.status !== 'processing') {
        this.metrics.renderFinished('cancelled');
        return 'cancelled';
      }
      reporter.log('warn', 'interrupted', 'render interrupted (worker shutting down); it will be retried');
      this.metrics.renderFinished('interrupted');
      throw new Error('render interrupted by worker shutdown');
    }
    const code = err instanceof PipelineError ? err.code : 'INTERNAL_ERROR';
    const message = err instanceof Error ? err.message : String(err);
    const retryable = !(err instanceof PipelineError) || err.retryable;
    const lastAttempt = bullJob.attemptsMade + 1 >= (bullJob.opts.attempts ?? 1);
    reporter.log('error', 'failed', `attempt ${attempt} failed (${code}): ${message}`);
    if (retryable && !lastAttempt) {
      await this.store.requeue(job.id, attempt, code, message);
      this.metrics.renderFinished('retried');
      throw err;
    }
    this.metrics.renderFinished('failed');
    if ((await this.store.fail(job.id, code, message, attempt)).ok) this.metrics.jobFailed(code);
    throw retryable ? err : new UnrecoverableError(message);
  }

  /**
   * The uploads the job refers to, as files on this machine (fetched into the work directory from a bucket); one
   * deleted since submission fails the job for good (retrying cannot help).
   */
  private async resolveAssets(job: Job, workDir: string): Promise<VideoAssets> {
    const resolution = await this.uploadAssets.resolve(job.userId, job.configuration.custom_config, job.configuration.use_rag, workDir);
    if (resolution.ok) return resolution.assets;
    const gone = [...resolution.missing, ...resolution.wrongKind].map((w) => `${w.field} (${w.fileId.slice(0, 100)})`);
    throw new PipelineError(`an upload this job uses is gone: ${gone.join(', ')}`, 'ASSET_MISSING', false);
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
      if (outcome.ok) {
        this.metrics.jobFailed('WORKER_LOST');
        this.logger.warn({ jobId: bullJob.data.jobId }, `job failed outside the processor: ${err.message}`);
      }
    } catch (e) {
      this.logger.warn(`could not record failure of ${bullJob.id}: ${(e as Error).message}`);
    }
  }
}

function videoInfo(job: Job, result: PipelineResult, startedAt: number, storageDir: string): VideoInfo {
  const m = result.metadata;
  return {
    filename: 'video.mp4',
    storage_dir: storageDir,
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
    private readonly logStore: JobLogStore,
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
    this.logs = this.logs.then(() => this.logStore.append(this.jobId, [entry])).catch(() => undefined);
  }

  async flush(): Promise<void> {
    await Promise.all([this.logs, this.pending]);
  }
}
