/**
 * Turns an uploaded file into the file we keep, with ffmpeg (never a shell) and measured with ffprobe.
 *
 * Images are decoded and re-encoded (one frame, no metadata, at most 3840x3840): what is kept holds only
 * pixels, whatever was hidden in the upload (EXIF with GPS, comments, bytes after the image data). JPEG
 * stays JPEG so photos do not balloon; PNG and WebP become PNG (lossless, keeps transparency).
 *
 * Audio is remuxed, not transcoded: the first audio stream is copied bit for bit into a fresh container of
 * the same format, without tags, cover art, other streams or trailing bytes. That keeps the sound exactly
 * as uploaded, costs no decoding time (30 minutes of audio remux in well under a second), and the kept file
 * is one ffmpeg itself wrote.
 *
 * Each input is read from stdin with its demuxer forced to the sniffed format, so ffmpeg never probes the
 * content for another format.
 */
import { stat } from 'node:fs/promises';
import { AppException } from '../common/error-codes';
import { runProcess } from '../pipeline/process-runner';
import { PipelineAbortedError, PipelineError } from '../pipeline/video-pipeline';
import { imageDimensions } from './image-header';
import { MediaKind, SniffedFormat, SniffedType } from './media-sniff';

/** Largest frame kept; bigger images are scaled down to fit, keeping their aspect ratio. */
export const MAX_IMAGE_SIDE = 3840;
/**
 * Largest source, in pixels: 4096x4096, room to spare over the largest frame a scene shows (2560x1440). A tiny
 * file can declare a gigantic canvas, so the header is checked before decoding, and ffmpeg holds to it too.
 */
export const MAX_SOURCE_PIXELS = 4096 * 4096;
const PIXEL_LIMIT = `image must have at most ${(MAX_SOURCE_PIXELS / 1_000_000).toFixed(1)} megapixels (4096x4096)`;
export const MAX_AUDIO_SECONDS = 30 * 60;

interface StoredFormat {
  ext: string;
  contentType: string;
  /** ffmpeg muxer writing the kept file, and the demuxer that reads it back. */
  muxer: string;
  demuxer: string;
  codecArgs: string[];
}

const PNG_OUT: StoredFormat = { ext: 'png', contentType: 'image/png', muxer: 'image2pipe', demuxer: 'png_pipe', codecArgs: ['-c:v', 'png'] };
const STORED: Record<SniffedFormat, StoredFormat> = {
  png: PNG_OUT,
  webp: PNG_OUT,
  jpeg: { ext: 'jpg', contentType: 'image/jpeg', muxer: 'image2pipe', demuxer: 'jpeg_pipe', codecArgs: ['-c:v', 'mjpeg', '-q:v', '2'] },
  wav: { ext: 'wav', contentType: 'audio/wav', muxer: 'wav', demuxer: 'wav', codecArgs: ['-c', 'copy'] },
  mp3: { ext: 'mp3', contentType: 'audio/mpeg', muxer: 'mp3', demuxer: 'mp3', codecArgs: ['-c', 'copy'] },
  ogg: { ext: 'ogg', contentType: 'audio/ogg', muxer: 'ogg', demuxer: 'ogg', codecArgs: ['-c', 'copy'] },
};

/** File extensions of kept files (the only ones storage paths may end with). */
export const STORED_EXTENSIONS: readonly string[] = [...new Set(Object.values(STORED).map((f) => f.ext))];

/** The format an upload of this type is kept in. */
export function storedFormatOf(type: SniffedType): { ext: string; contentType: string } {
  const { ext, contentType } = STORED[type.format];
  return { ext, contentType };
}

export interface ProcessedMedia {
  size: number;
  width: number | null;
  height: number | null;
  duration: number | null;
}

const FIT = `scale=w='min(${MAX_IMAGE_SIDE},iw)':h='min(${MAX_IMAGE_SIDE},ih)':force_original_aspect_ratio=decrease`;

/** Refuses an image whose header declares more than MAX_SOURCE_PIXELS, before anything decodes it. */
export function refuseOversizedImage(bytes: Buffer, type: SniffedType): void {
  if (type.kind !== 'image') return;
  const size = imageDimensions(bytes, type.format);
  if (size && size.width * size.height > MAX_SOURCE_PIXELS) throw fileProblem(`${PIXEL_LIMIT}; this one is ${size.width}x${size.height}`);
}

/** Writes the kept form of `bytes` to `outFile` and measures it; throws AppException for unusable input. */
export async function processUpload(bytes: Buffer, type: SniffedType, outFile: string, signal: AbortSignal): Promise<ProcessedMedia> {
  const out = STORED[type.format];
  const common = ['-hide_banner', '-v', 'error', '-f', type.demuxer];
  // bitexact: no encoder or version strings in what we write either.
  const args =
    type.kind === 'image'
      ? [...common, '-max_pixels', String(MAX_SOURCE_PIXELS), '-i', 'pipe:0', '-map', '0:v:0', '-frames:v', '1', '-vf', FIT, '-flags:v', '+bitexact']
      : [...common, '-i', 'pipe:0', '-map', '0:a:0', '-map_chapters', '-1'];
  args.push('-map_metadata', '-1', '-fflags', '+bitexact', ...out.codecArgs, '-f', out.muxer, '-y', outFile);
  try {
    await runProcess('ffmpeg', args, { signal, stdin: bytes });
  } catch (error) {
    throw rejection(error, type);
  }
  const probe = await ffprobe(outFile, out.demuxer, signal).catch((error: unknown) => {
    throw rejection(error, type);
  });
  const { size } = await stat(outFile);
  return { size, ...(type.kind === 'image' ? measureImage(probe, type) : measureAudio(probe, type)) };
}

interface ProbeOutput {
  streams?: Array<{ codec_type?: string; width?: number; height?: number }>;
  format?: { duration?: string };
}

async function ffprobe(file: string, demuxer: string, signal: AbortSignal): Promise<ProbeOutput> {
  const { stdout } = await runProcess(
    'ffprobe',
    ['-v', 'error', '-f', demuxer, '-print_format', 'json', '-show_format', '-show_streams', file],
    { signal },
  );
  return JSON.parse(stdout) as ProbeOutput;
}

type Measured = Omit<ProcessedMedia, 'size'>;

function measureImage(probe: ProbeOutput, type: SniffedType): Measured {
  const video = probe.streams?.find((s) => s.codec_type === 'video');
  if (!video?.width || !video.height) throw undecodable(type);
  return { width: video.width, height: video.height, duration: null };
}

function measureAudio(probe: ProbeOutput, type: SniffedType): Measured {
  if (!probe.streams?.some((s) => s.codec_type === 'audio')) throw undecodable(type);
  const duration = Number(probe.format?.duration);
  if (!Number.isFinite(duration) || duration <= 0) throw fileProblem('audio must have a duration greater than 0');
  if (duration > MAX_AUDIO_SECONDS) throw fileProblem(`audio must be at most ${MAX_AUDIO_SECONDS / 60} minutes long`);
  return { width: null, height: null, duration: Math.round(duration * 1000) / 1000 };
}

function rejection(error: unknown, type: SniffedType): Error {
  if (error instanceof PipelineAbortedError || (error instanceof PipelineError && error.code === 'TOOL_TIMEOUT')) {
    return fileProblem('file took too long to process');
  }
  // A missing ffmpeg is our fault, not the upload's: let it surface as a server error.
  if (!(error instanceof PipelineError) || error.code === 'TOOL_MISSING') return error as Error;
  if (/max pixel count/.test(error.message)) return fileProblem(PIXEL_LIMIT);
  return undecodable(type);
}

const KIND_WORDS: Record<MediaKind, string> = { image: 'an image', audio: 'audio with an audio stream' };

function undecodable(type: SniffedType): AppException {
  return new AppException(
    'UNSUPPORTED_MEDIA_TYPE',
    `The file starts like ${type.contentType} but could not be decoded as ${KIND_WORDS[type.kind]}`,
    { detected_type: type.contentType },
  );
}

export function fileProblem(message: string): AppException {
  return new AppException('VALIDATION_ERROR', `Validation failed: ${message}`, { fields: [{ field: 'file', errors: [message] }] });
}
