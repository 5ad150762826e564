import { readFileSync } from 'node:fs';
import { getEventListeners } from 'node:events';
import { runProcess } from './process-runner';
import { PipelineAbortedError, PipelineError } from './video-pipeline';

const node = process.execPath;

/** Script that starts `sleep 30` in its own process group, prints its pid, then keeps running or exits. */
const spawnSleeper = (thenExit: boolean): string =>
  `const c = require('child_process').spawn('sleep', ['30'], { stdio: 'ignore' });
   console.log(c.pid);
   ${thenExit ? 'c.unref(); process.exit(0);' : 'setInterval(() => {}, 1000);'}`;

/** Dead or a zombie waiting for its (re)parent to reap it: either way it no longer runs. */
function isGone(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? true;
  } catch {
    return true;
  }
}

async function waitUntil(predicate: () => boolean, ms = 2000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

describe('runProcess', () => {
  it('passes stdin through and reports stdout both whole and line by line', async () => {
    const lines: string[] = [];
    const { stdout } = await runProcess(node, ['-e', 'process.stdin.pipe(process.stdout)'], {
      signal: new AbortController().signal,
      stdin: 'a\nb\r\nc',
      onStdoutLine: (line) => lines.push(line),
    });
    expect(stdout).toBe('a\nb\r\nc');
    expect(lines).toEqual(['a', 'b', 'c']);
  });

  it('passes arguments verbatim, without a shell', async () => {
    const tricky = ['$(touch /tmp/nope)', '; ls', "it's", '%{pts}', 'a b'];
    const { stdout } = await runProcess(node, ['-e', 'console.log(JSON.stringify(process.argv.slice(1)))', ...tricky], {
      signal: new AbortController().signal,
    });
    expect(JSON.parse(stdout)).toEqual(tricky);
  });

  it('rejects a non-zero exit with a retryable TOOL_FAILED carrying the stderr tail', async () => {
    const script = 'for (let i = 0; i < 50; i++) console.error("line" + i); process.exit(3)';
    const error = await runProcess(node, ['-e', script], { signal: new AbortController().signal }).catch((e) => e);
    expect(error).toBeInstanceOf(PipelineError);
    expect(error).toMatchObject({ code: 'TOOL_FAILED', retryable: true });
    expect(error.message).toContain('exited with code 3');
    expect(error.message).toContain('line49');
    expect(error.message).toContain('line30');
    expect(error.message).not.toContain('line29');
  });

  it('reports a missing binary as a non-retryable TOOL_MISSING', async () => {
    const error = await runProcess('no-such-tool-xyz', [], { signal: new AbortController().signal }).catch((e) => e);
    expect(error).toBeInstanceOf(PipelineError);
    expect(error).toMatchObject({ code: 'TOOL_MISSING', retryable: false });
  });

  it('does not spawn when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    // A missing binary would be TOOL_MISSING if it had been spawned.
    await expect(runProcess('no-such-tool-xyz', [], { signal: controller.signal })).rejects.toBeInstanceOf(
      PipelineAbortedError,
    );
  });

  it('kills the whole process group at once on abort', async () => {
    const controller = new AbortController();
    let grandchild = 0;
    const started = Date.now();
    const run = runProcess(node, ['-e', spawnSleeper(false)], {
      signal: controller.signal,
      onStdoutLine: (line) => {
        grandchild = Number(line);
        controller.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(PipelineAbortedError);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(grandchild).toBeGreaterThan(0);
    expect(await waitUntil(() => isGone(grandchild))).toBe(true);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('kills stragglers left in the group when the leader exits', async () => {
    const { stdout } = await runProcess(node, ['-e', spawnSleeper(true)], { signal: new AbortController().signal });
    const grandchild = Number(stdout.trim());
    expect(await waitUntil(() => isGone(grandchild))).toBe(true);
  });

  it('times out with a retryable TOOL_TIMEOUT', async () => {
    const error = await runProcess('sleep', ['10'], { signal: new AbortController().signal, timeoutMs: 200 }).catch(
      (e) => e,
    );
    expect(error).toMatchObject({ code: 'TOOL_TIMEOUT', retryable: true });
  });

  it('keeps as many stderr lines as asked for', async () => {
    const script = 'for (let i = 0; i < 50; i++) console.error("line" + i); process.exit(1)';
    const error = await runProcess(node, ['-e', script], { signal: new AbortController().signal, stderrTailLines: 40 }).catch(
      (e) => e,
    );
    expect(error.message).toContain('line10\n');
    expect(error.message).not.toContain('line9\n');
  });

  describe('with a kill grace period', () => {
    /** Prints its pid, then its child's; optionally ignores SIGTERM (both of them). */
    const stubborn = (ignoreTerm: boolean): string =>
      `const trap = ${ignoreTerm ? "\"process.on('SIGTERM', () => {});\"" : "''"};
       ${ignoreTerm ? "process.on('SIGTERM', () => {});" : ''}
       const c = require('child_process').spawn(process.execPath, ['-e', trap + 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
       console.log(process.pid + ' ' + c.pid);
       setInterval(() => {}, 1000);`;

    async function stopped(ignoreTerm: boolean, how: 'abort' | 'timeout'): Promise<{ error: unknown; ms: number; pids: number[] }> {
      const controller = new AbortController();
      let pids: number[] = [];
      let stopAt = Date.now();
      const run = runProcess(node, ['-e', stubborn(ignoreTerm)], {
        signal: controller.signal,
        killGraceMs: 600,
        timeoutMs: how === 'timeout' ? 800 : undefined,
        onStdoutLine: (line) => {
          pids = line.split(' ').map(Number);
          // Give the child a moment to install its handler before it is signalled.
          if (how === 'abort') setTimeout(() => ((stopAt = Date.now()), controller.abort()), 200);
        },
      });
      if (how === 'timeout') stopAt = Date.now() + 800;
      const error = await run.catch((e: unknown) => e);
      // The promise settles only once the leader is gone: nothing is left writing into the work directory.
      expect(isGone(pids[0])).toBe(true);
      return { error, ms: Date.now() - stopAt, pids };
    }

    it('stops a tool that honours SIGTERM without waiting for the grace period', async () => {
      const { error, ms, pids } = await stopped(false, 'abort');
      expect(error).toBeInstanceOf(PipelineAbortedError);
      expect(ms).toBeLessThan(500);
      expect(await waitUntil(() => isGone(pids[1]))).toBe(true);
    });

    it('SIGKILLs the group when SIGTERM is ignored, after the grace period', async () => {
      const { error, ms, pids } = await stopped(true, 'abort');
      expect(error).toBeInstanceOf(PipelineAbortedError);
      expect(ms).toBeGreaterThanOrEqual(550);
      expect(ms).toBeLessThan(2000);
      expect(await waitUntil(() => isGone(pids[1]))).toBe(true);
    });

    it('times out the same way, with a retryable TOOL_TIMEOUT', async () => {
      const { error, ms, pids } = await stopped(true, 'timeout');
      expect(error).toMatchObject({ code: 'TOOL_TIMEOUT', retryable: true });
      expect(ms).toBeGreaterThanOrEqual(550);
      expect(await waitUntil(() => isGone(pids[1]))).toBe(true);
    });
  });

  it('leaves no abort listener behind', async () => {
    const { signal } = new AbortController();
    await runProcess(node, ['-e', '0'], { signal });
    await runProcess(node, ['-e', 'process.exit(1)'], { signal }).catch(() => undefined);
    await runProcess('no-such-tool-xyz', [], { signal }).catch(() => undefined);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });
});
