/** Facts about a media file as ffprobe reports them: the metadata we store is measured, never assumed. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { runProcess } from './process-runner';
import { PipelineAbortedError, PipelineError, ProbedVideo } from './video-pipeline';

const PROBE_TIMEOUT_MS = 60_000;

interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  r_frame_rate?: string;
  avg_frame_rate?: string;
}

interface FfprobeOutput {
  streams?: FfprobeStream[];
  format?: { duration?: string; format_name?: string };
}

export async function probeVideo(file: string, signal: AbortSignal): Promise<ProbedVideo> {
  // The checksum is read while ffprobe runs: both only read the file.
  const [probe, info, checksumSha256] = await Promise.all([ffprobe(file, ['-show_format', '-show_streams'], signal), stat(file), sha256File(file, signal)]);
  const video = probe.streams?.find((s) => s.codec_type === 'video');
  if (!video) throw new PipelineError(`${file} has no video stream`, 'INVALID_OUTPUT', false);
  const audio = probe.streams?.find((s) => s.codec_type === 'audio');
  return {
    durationSeconds: parseDuration(probe.format?.duration, file),
    width: video.width ?? 0,
    height: video.height ?? 0,
    videoCodec: video.codec_name ?? 'unknown',
    audioCodec: audio?.codec_name ?? null,
    fps: parseFrameRate(video.r_frame_rate) || parseFrameRate(video.avg_frame_rate),
    format: 'mp4',
    fileSize: info.size,
    checksumSha256,
  };
}

/** Duration in seconds of any media file (used for the narration WAVs). */
export async function probeDurationSeconds(file: string, signal: AbortSignal): Promise<number> {
  const probe = await ffprobe(file, ['-show_format'], signal);
  return parseDuration(probe.format?.duration, file);
}

/** Width and height of an image (or of a video's first video stream). */
export async function probeDimensions(file: string, signal: AbortSignal): Promise<{ width: number; height: number }> {
  const probe = await ffprobe(file, ['-show_streams'], signal);
  const stream = probe.streams?.find((s) => s.codec_type === 'video');
  if (!stream?.width || !stream.height) {
    throw new PipelineError(`${file} has no picture ffprobe can measure`, 'INVALID_OUTPUT', false);
  }
  return { width: stream.width, height: stream.height };
}

/** ffprobe's container names for a file, e.g. ["mov", "mp4", "m4a", "3gp", "3g2", "mj2"] for an MP4. */
export async function probeFormatNames(file: string, signal: AbortSignal): Promise<string[]> {
  const probe = await ffprobe(file, ['-show_format'], signal);
  return (probe.format?.format_name ?? '').split(',').filter(Boolean);
}

/** "30/1" → 30, "30000/1001" → 29.97; 0 when ffprobe does not know ("0/0"). */
export function parseFrameRate(rate: string | undefined): number {
  const [num, den = '1'] = (rate ?? '').split('/');
  const value = Number(num) / Number(den);
  return Number.isFinite(value) && value > 0 ? Math.round(value * 1000) / 1000 : 0;
}

export async function sha256File(file: string, signal: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file, { signal })) hash.update(chunk as Buffer);
  } catch (error) {
    if (signal.aborted) throw new PipelineAbortedError();
    throw error;
  }
  return hash.digest('hex');
}

async function ffprobe(file: string, show: string[], signal: AbortSignal): Promise<FfprobeOutput> {
  const { stdout } = await runProcess('ffprobe', ['-v', 'error', '-print_format', 'json', ...show, file], {
    signal,
    timeoutMs: PROBE_TIMEOUT_MS,
  });
  try {
    return JSON.parse(stdout) as FfprobeOutput;
  } catch {
    throw new PipelineError(`ffprobe printed unreadable output for ${file}`, 'INVALID_OUTPUT', false);
  }
}

function parseDuration(value: string | undefined, file: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new PipelineError(`ffprobe reports no duration for ${file}`, 'INVALID_OUTPUT', false);
  }
  return seconds;
}
