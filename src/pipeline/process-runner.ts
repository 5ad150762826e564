/**
 * Runs an external tool without a shell and ties its lifetime to an AbortSignal. The child gets its own
 * process group so that cancelling kills everything it started (ffmpeg helpers, wrapper scripts' children),
 * not just the direct child. Tools we own (ffmpeg, espeak-ng) are SIGKILLed at once; an external program
 * may be given a grace period between SIGTERM and SIGKILL to stop its own work cleanly.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { PipelineAbortedError, PipelineError } from './video-pipeline';

export interface RunProcessOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Aborting stops the whole process group (see killGraceMs) and rejects with PipelineAbortedError. */
  signal: AbortSignal;
  /** Written to the child's stdin, which is then closed (at once when there is nothing to write). */
  stdin?: string | Buffer;
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  /** Stops the process group and rejects with a retryable TOOL_TIMEOUT after this many milliseconds. */
  timeoutMs?: number;
  /**
   * How a cancelled or timed-out group is stopped. Unset: SIGKILL at once, and the promise rejects at once.
   * Set: SIGTERM, then SIGKILL after this many milliseconds if the tool is still running; the promise rejects
   * when it has exited, so that its work directory is not removed under a tool still cleaning up.
   */
  killGraceMs?: number;
  /** Lines of stderr kept for error messages (default 20). */
  stderrTailLines?: number;
}

export interface RunProcessResult {
  /** Everything written to stdout (kept up to MAX_STDOUT_CHARS). */
  stdout: string;
  /** The last lines of stderr (RunProcessOptions.stderrTailLines). */
  stderrTail: string;
}

const DEFAULT_STDERR_TAIL_LINES = 20;
const MAX_STDOUT_CHARS = 16 * 1024 * 1024;
/** A tool printing one endless line must not exhaust memory: longer lines are cut. */
const MAX_LINE_CHARS = 8 * 1024;

export function runProcess(
  command: string,
  args: readonly string[],
  options: RunProcessOptions,
): Promise<RunProcessResult> {
  const { signal } = options;
  if (signal.aborted) return Promise.reject(new PipelineAbortedError());

  return new Promise<RunProcessResult>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });

    let settled = false;
    /** Why the group is being stopped (graceful mode only): the error to reject with once it has exited. */
    let stopping: Error | undefined;
    let stdout = '';
    const tailLines = options.stderrTailLines ?? DEFAULT_STDERR_TAIL_LINES;
    const stderrTail: string[] = [];
    const stdoutLines = new LineSplitter(options.onStdoutLine);
    const stderrLines = new LineSplitter((line) => {
      stderrTail.push(line);
      if (stderrTail.length > tailLines) stderrTail.shift();
      options.onStderrLine?.(line);
    });

    const signalGroup = (name: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, name);
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    let timer: NodeJS.Timeout | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    const settle = (error: Error | undefined): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      clearTimeout(timer);
      clearTimeout(graceTimer);
      if (error) reject(error);
      else resolve({ stdout, stderrTail: stderrTail.join('\n') });
    };
    const stop = (error: Error): void => {
      if (settled || stopping) return;
      if (options.killGraceMs === undefined || child.pid === undefined) {
        signalGroup('SIGKILL');
        settle(error);
        return;
      }
      stopping = error;
      signalGroup('SIGTERM');
      graceTimer = setTimeout(() => signalGroup('SIGKILL'), options.killGraceMs);
    };
    const onAbort = (): void => stop(new PipelineAbortedError());
    signal.addEventListener('abort', onAbort, { once: true });
    if (options.timeoutMs !== undefined) {
      timer = setTimeout(
        () => stop(new PipelineError(`${command} timed out after ${options.timeoutMs} ms`, 'TOOL_TIMEOUT', true)),
        options.timeoutMs,
      );
    }

    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (stdout.length < MAX_STDOUT_CHARS) stdout += chunk.slice(0, MAX_STDOUT_CHARS - stdout.length);
      stdoutLines.push(chunk);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => stderrLines.push(chunk));

    // The child may exit without reading its input (EPIPE); its exit status tells what happened.
    child.stdin.on('error', () => undefined);
    if (options.stdin === undefined) child.stdin.end();
    else child.stdin.end(options.stdin);

    child.on('error', (error: NodeJS.ErrnoException) => settle(spawnError(command, error, options.cwd)));
    // When the leader exits, stragglers it left in its group (which would also hold our pipes open) are killed.
    child.on('exit', () => {
      signalGroup('SIGKILL');
      if (stopping) settle(stopping);
    });
    child.on('close', (code, exitSignal) => {
      stdoutLines.end();
      stderrLines.end();
      if (stopping) return settle(stopping);
      if (code === 0) return settle(undefined);
      const how = code === null ? `was killed by ${exitSignal}` : `exited with code ${code}`;
      const tail = stderrTail.length > 0 ? `:\n${stderrTail.join('\n')}` : '';
      settle(new PipelineError(`${command} ${how}${tail}`, 'TOOL_FAILED', true));
    });
  });
}

function spawnError(command: string, error: NodeJS.ErrnoException, cwd: string | undefined): PipelineError {
  // spawn reports a missing working directory as ENOENT too.
  if (cwd !== undefined && !existsSync(cwd)) {
    return new PipelineError(`${command} could not start: working directory ${cwd} does not exist`, 'TOOL_FAILED', true);
  }
  if (error.code === 'ENOENT') {
    return new PipelineError(`${command} is not installed (not found on PATH)`, 'TOOL_MISSING', false);
  }
  return new PipelineError(`${command} could not be started: ${error.message}`, 'TOOL_FAILED', true);
}

/** Reassembles lines from stream chunks (\n, \r\n or a bare \r as ffmpeg uses for progress). */
class LineSplitter {
  private partial = '';

  constructor(private readonly onLine: ((line: string) => void) | undefined) {}

  push(chunk: string): void {
    let text = this.partial + chunk;
    // A trailing \r may be the first half of a \r\n split across chunks: decide when the next chunk arrives.
    const pendingCr = text.endsWith('\r');
    if (pendingCr) text = text.slice(0, -1);
    const pieces = text.split(/\r\n|\n|\r/u);
    this.partial = (pieces.pop() ?? '').slice(0, MAX_LINE_CHARS) + (pendingCr ? '\r' : '');
    for (const line of pieces) this.onLine?.(line.slice(0, MAX_LINE_CHARS));
  }

  end(): void {
    const rest = this.partial.replace(/\r$/u, '');
    if (rest) this.onLine?.(rest);
    this.partial = '';
  }
}
