/**
 * The "command" pipeline: runs an external generator (e.g. an LLM + Manim program) as a child process,
 * without a shell, in the job's work directory, and speaks the JSON-lines protocol of
 * examples/generator/README.md. The generator gets the request as one JSON line on stdin and an empty
 * output directory; it reports progress, logs and finally the file it made, which we check (inside its
 * output directory, a real video) and finalize ourselves (probe, checksum, thumbnail).
 */
import { mkdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, sep } from 'node:path';
import { renderThumbnail } from '../ffmpeg';
import { probeFormatNames, probeVideo } from '../media-probe';
import { runProcess } from '../process-runner';
import {
  CustomConfigProblem,
  PipelineAbortedError,
  PipelineContext,
  PipelineError,
  PipelineLogLevel,
  PipelineResult,
  ProbedVideo,
  VideoPipeline,
  VideoRequest,
} from '../video-pipeline';

export interface CommandPipelineOptions {
  /** Program and arguments (argv, no shell), e.g. parseCommandLine(PIPELINE_COMMAND). Relative paths resolve against the job's work directory. */
  command: string[];
  /** Longest a run may take; then it is stopped (SIGTERM, SIGKILL after the grace) and fails with a retryable GENERATOR_TIMEOUT. */
  timeoutSeconds: number;
  /** Between SIGTERM and SIGKILL when a run is cancelled or times out (default 5000 ms). */
  killGraceMs?: number;
  /**
   * The generator's whole environment; when omitted it inherits the worker's. The service passes an allow-list
   * (AppConfig.pipelineEnv): the generator runs someone else's code, which must not see the service's secrets.
   */
  env?: Readonly<Record<string, string>>;
}

export const DEFAULT_KILL_GRACE_MS = 5000;
/** Overall progress the generator's own progress maps onto; finalize takes the rest. */
const GENERATOR_SHARE = 95;
const STDERR_TAIL_LINES = 40;
const MAX_LOG_CHARS = 2000;
const MAX_STRAY_LINE_CHARS = 500;
const MAX_STAGE_CHARS = 64;
const LOG_LEVELS: readonly PipelineLogLevel[] = ['debug', 'info', 'warn', 'error'];

export class CommandVideoPipeline implements VideoPipeline {
  readonly name = 'command';
  private readonly killGraceMs: number;

  /** Throws on a misconfiguration, so that it shows at startup rather than in every job. */
  constructor(private readonly options: CommandPipelineOptions) {
    const [program] = options.command;
    if (!program) {
      throw new Error('command pipeline: the command is empty (set PIPELINE_COMMAND)');
    }
    if (!(Number.isFinite(options.timeoutSeconds) && options.timeoutSeconds > 0)) {
      throw new Error(`command pipeline: timeoutSeconds must be a positive number, got ${options.timeoutSeconds}`);
    }
    this.killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    if (!(Number.isInteger(this.killGraceMs) && this.killGraceMs >= 0)) {
      throw new Error(`command pipeline: killGraceMs must be a whole number ≥ 0, got ${this.killGraceMs}`);
    }
  }

  /** The generator itself, and ffprobe / ffmpeg for the finalize stage (probe, thumbnail). */
  requiredTools(): string[] {
    return [this.options.command[0], 'ffprobe', 'ffmpeg'];
  }

  /** custom_config is the generator's business: passed through unchecked. */
  checkCustomConfig(): CustomConfigProblem[] {
    return [];
  }

  async run(request: VideoRequest, ctx: PipelineContext): Promise<PipelineResult> {
    if (ctx.signal.aborted) throw new PipelineAbortedError();
    const outputDir = join(ctx.workDir, 'output');
    await mkdir(outputDir);
    const protocol = new ProtocolReader(ctx);
    const [program, ...args] = this.options.command;
    const input = {
      job_id: request.jobId,
      topic: request.topic,
      context: request.context,
      model: request.model ?? null,
      quality: request.quality,
      use_rag: request.useRag,
      custom_config: request.customConfig,
      output_dir: outputDir,
    };
    ctx.log('info', `starting generator ${program}`, protocol.stage);
    let stderrTail: string;
    try {
      ({ stderrTail } = await runProcess(program, args, {
        cwd: ctx.workDir,
        env: this.options.env,
        signal: ctx.signal,
        stdin: `${JSON.stringify(input)}\n`,
        timeoutMs: this.options.timeoutSeconds * 1000,
        killGraceMs: this.killGraceMs,
        stderrTailLines: STDERR_TAIL_LINES,
        onStdoutLine: (line) => protocol.read(line),
        onStderrLine: (line) => ctx.log('debug', line.slice(0, MAX_LOG_CHARS), protocol.stage),
      }));
    } catch (error) {
      throw generatorError(error, this.options.timeoutSeconds, protocol.stage);
    }
    const stageSeconds = protocol.finish();

    const finalizeStarted = performance.now();
    protocol.report('finalize', GENERATOR_SHARE);
    if (protocol.result === undefined) {
      throw new PipelineError(withTail('generator exited without printing a result line', stderrTail), 'GENERATOR_NO_RESULT', false);
    }
    const file = await checkedResult(protocol.result, outputDir);
    const metadata = await probeResult(file, ctx.signal);
    const thumbnail = join(ctx.workDir, 'thumbnail.jpg');
    await renderThumbnail(file, Math.min(1, metadata.durationSeconds / 2), thumbnail, { signal: ctx.signal, cwd: ctx.workDir });
    ctx.log('info', `${metadata.width}x${metadata.height}, ${metadata.durationSeconds}s, ${metadata.fileSize} bytes`, 'finalize');
    protocol.report('finalize', 100);
    stageSeconds.finalize = Math.round(performance.now() - finalizeStarted) / 1000;
    return { file, thumbnail, metadata, stageSeconds };
  }
}

/**
 * Reads the generator's stdout, one line at a time: progress (mapped onto 0–95% overall, never backwards),
 * logs, the result, and anything else kept as an info log line. Also times the generator's stages by the
 * wall time between stage changes.
 */
class ProtocolReader {
  stage = 'generate';
  result: unknown;
  private percent = 0;
  private readonly stageSeconds: Record<string, number> = {};
  private stageStarted = performance.now();
  private stageNamed = false;

  constructor(private readonly ctx: PipelineContext) {}

  read(line: string): void {
    if (!line.trim()) return;
    const message = parseJsonObject(line);
    if (message?.type === 'progress' && typeof message.progress === 'number' && Number.isFinite(message.progress)) {
      if (typeof message.stage === 'string' && message.stage.trim()) this.enterStage(message.stage.trim().slice(0, MAX_STAGE_CHARS));
      this.report(this.stage, (Math.min(100, Math.max(0, message.progress)) * GENERATOR_SHARE) / 100);
    } else if (message?.type === 'log' && typeof message.message === 'string') {
      const level = LOG_LEVELS.find((l) => l === message.level) ?? 'info';
      this.ctx.log(level, message.message.slice(0, MAX_LOG_CHARS), this.stage);
    } else if (message?.type === 'result' && typeof message.file === 'string') {
      this.result = message.file;
    } else {
      this.ctx.log('info', `generator: ${line.slice(0, MAX_STRAY_LINE_CHARS)}`, this.stage);
    }
  }

  report(stage: string, percent: number): void {
    this.percent = Math.max(this.percent, Math.round(percent * 10) / 10);
    this.ctx.progress(stage, this.percent);
  }

  /** Seconds per generator stage, including the one running when it exited. */
  finish(): Record<string, number> {
    this.closeStage();
    return { ...this.stageSeconds };
  }

  /** The time before the first named stage counts towards that stage (it is the generator starting up). */
  private enterStage(name: string): void {
    if (!this.stageNamed) {
      this.stageNamed = true;
      this.stage = name;
      return;
    }
    if (name === this.stage) return;
    this.closeStage();
    this.stage = name;
  }

  private closeStage(): void {
    const now = performance.now();
    const seconds = (this.stageSeconds[this.stage] ?? 0) + (now - this.stageStarted) / 1000;
    this.stageSeconds[this.stage] = Math.round(seconds * 1000) / 1000;
    this.stageStarted = now;
  }
}

function parseJsonObject(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function generatorError(error: unknown, timeoutSeconds: number, stage: string): unknown {
  if (!(error instanceof PipelineError)) return error;
  switch (error.code) {
    case 'TOOL_TIMEOUT':
      return new PipelineError(`generator did not finish within ${timeoutSeconds} s (last stage: ${stage})`, 'GENERATOR_TIMEOUT', true);
    case 'TOOL_FAILED':
      // runProcess's message: how it ended ("… exited with code 3", "… was killed by SIGSEGV") and the stderr tail.
      return new PipelineError(`generator failed: ${error.message}`, 'GENERATOR_FAILED', true);
    default:
      return error;
  }
}

/** The result must be an existing regular file inside output_dir once every symlink and ".." is resolved. */
async function checkedResult(result: unknown, outputDir: string): Promise<string> {
  const bad = (why: string): PipelineError => new PipelineError(`generator result ${JSON.stringify(result)} ${why}`, 'GENERATOR_BAD_RESULT', false);
  if (typeof result !== 'string' || !isAbsolute(result)) throw bad('is not an absolute path');
  const [real, realOutput] = await Promise.all([realpath(result).catch(() => undefined), realpath(outputDir)]);
  if (real === undefined) throw bad('does not exist');
  if (!real.startsWith(realOutput + sep)) throw bad(`is not inside the output directory ${outputDir}`);
  if (!(await stat(real)).isFile()) throw bad('is not a regular file');
  return real;
}

/** Metadata of the result, which must be an MP4 with a video stream (what the service stores and serves). */
async function probeResult(file: string, signal: AbortSignal): Promise<ProbedVideo> {
  const invalid = (why: string): PipelineError => new PipelineError(`generator result is not a usable video: ${why}`, 'INVALID_OUTPUT', false);
  try {
    const formats = await probeFormatNames(file, signal);
    if (!formats.includes('mp4')) throw invalid(`an MP4 file is expected, ffprobe reads ${formats.join(',') || 'nothing'}`);
    return await probeVideo(file, signal);
  } catch (error) {
    // ffprobe failing on the file is a fault of the file, not of the machine: retrying would not help.
    if (error instanceof PipelineError && error.code === 'TOOL_FAILED') throw invalid(error.message);
    throw error;
  }
}

function withTail(message: string, stderrTail: string): string {
  return stderrTail ? `${message}; stderr tail:\n${stderrTail}` : message;
}
