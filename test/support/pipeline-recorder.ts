import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PipelineContext, PipelineLogLevel } from '../../src/pipeline/video-pipeline';

/** A pipeline context that records what a run reports, with a fresh work directory (pipeline specs). */
export interface PipelineRecorder {
  ctx: PipelineContext;
  progress: Array<{ stage: string; percent: number }>;
  logs: Array<{ level: PipelineLogLevel; message: string; stage?: string }>;
}

const dirs: string[] = [];

export function pipelineRecorder(prefix: string, signal = new AbortController().signal): PipelineRecorder {
  const workDir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  dirs.push(workDir);
  const progress: PipelineRecorder['progress'] = [];
  const logs: PipelineRecorder['logs'] = [];
  return {
    progress,
    logs,
    ctx: {
      workDir,
      signal,
      progress: (stage, percent) => progress.push({ stage, percent }),
      log: (level, message, stage) => logs.push({ level, message, stage }),
    },
  };
}

/** Removes every work directory handed out so far (call from afterAll). */
export function removeRecorderDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
