/**
 * Runs an external tool without a shell and ties its lifetime to an AbortSignal. The child gets its own
 * process group so that cancelling kills everything it started (ffmpeg helpers, wrapper scripts' children),
 * not just the direct child.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { PipelineAbortedError, PipelineError } from './video-pipeline';

export interface RunProcessOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Aborting kills the whole process group at once and rejects with PipelineAbortedError. */
  signal: AbortSignal;
  /** Written to the child's stdin, which is then closed (at once when there is nothing to write). */
  stdin?: string | Buffer;
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  /** Kills the process group and rejects with a retryable TOOL_TIMEOUT after this many milliseconds. */
  timeoutMs?: number;
}

export interface RunProcessResult {
  /** Everything written to stdout (kept up to MAX_STDOUT_CHARS). */
  stdout: string;
  /** The last STDERR_TAIL_LINES lines of stderr. */
  stderrTail: string;
}

const STDERR_TAIL_LINES = 20;
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
    let stdout = '';
    const stderrTail: string[] = [];
    const stdoutLines = new LineSplitter(options.onStdoutLine);
    const stderrLines = new LineSplitter((line) => {
      stderrTail.push(line);
      if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
      options.onStderrLine?.(line);
    });

    const killGroup = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    let timer: NodeJS.Timeout | undefined;
    const settle = (error: Error | undefined): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (timer) clearTimeout(timer);
      if (error) reject(error);
      else resolve({ stdout, stderrTail: stderrTail.join('\n') });
    };
    const onAbort = (): void => {
      killGroup();
      settle(new PipelineAbortedError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    if (options.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        killGroup();
        settle(new PipelineError(`${command} timed out after ${options.timeoutMs} ms`, 'TOOL_TIMEOUT', true));
      }, options.timeoutMs);
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
    child.on('exit', killGroup);
    child.on('close', (code, exitSignal) => {
      stdoutLines.end();
      stderrLines.end();
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
