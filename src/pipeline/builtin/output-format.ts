/** Frame sizes per aspect ratio and the encoder settings of the builtin pipeline's output. */
import { QUALITY_RESOLUTION, Quality } from '../video-pipeline';

export const ASPECT_RATIOS = ['16:9', '9:16', '1:1'] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];

export const FPS = 30;

export interface FrameSize {
  width: number;
  height: number;
}

/**
 * The quality fixes the short side (480, 720, 1080, 1440); the aspect ratio places it. The 16:9 sizes are
 * the port's QUALITY_RESOLUTION, whose long sides are already even.
 */
export function frameSize(quality: Quality, aspectRatio: AspectRatio): FrameSize {
  const { width: long, height: short } = QUALITY_RESOLUTION[quality];
  switch (aspectRatio) {
    case '16:9':
      return { width: long, height: short };
    case '9:16':
      return { width: short, height: long };
    case '1:1':
      return { width: short, height: short };
  }
}

/**
 * Peak video bitrate in kbit/s: 0.09 bit per pixel per frame, rounded to 50 kbit/s — 1,100 at 854x480,
 * 2,500 at 1280x720, 5,600 at 1920x1080, 9,950 at 2560x1440. Static slides stay far below it at CRF 21;
 * the cap only bites on motion (crossfades, pictures zooming).
 */
export function maxVideoKbps({ width, height }: FrameSize): number {
  return Math.round((width * height * FPS * 0.09) / 1000 / 50) * 50;
}

/** H.264 (yuv420p, CRF 21 capped by maxVideoKbps with a two-second buffer) at 30 fps. */
export function videoEncodeArgs(frame: FrameSize): string[] {
  const kbps = maxVideoKbps(frame);
  return [
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '21', '-pix_fmt', 'yuv420p', '-r', String(FPS)],
    ...['-maxrate', `${kbps}k`, '-bufsize', `${2 * kbps}k`],
  ];
}

export const AUDIO_SAMPLE_RATE = 44100;
export const AUDIO_ENCODE_ARGS = ['-c:a', 'aac', '-b:a', '128k', '-ar', String(AUDIO_SAMPLE_RATE), '-ac', '2'];
