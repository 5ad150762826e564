import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFrameRate, probeDurationSeconds, probeVideo, sha256File } from './media-probe';
import { PipelineAbortedError, PipelineError } from './video-pipeline';

const signal = new AbortController().signal;

describe('parseFrameRate', () => {
  it.each([
    ['30/1', 30],
    ['30000/1001', 29.97],
    ['25', 25],
    ['0/0', 0],
    [undefined, 0],
    ['garbage', 0],
  ])('%s → %s', (rate, fps) => expect(parseFrameRate(rate)).toBe(fps));
});

describe('probing files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'media-probe-'));
    const ffmpeg = (...args: string[]): void => {
      execFileSync('ffmpeg', ['-nostdin', '-loglevel', 'error', '-y', ...args]);
    };
    ffmpeg('-f', 'lavfi', '-i', 'testsrc=s=160x90:r=25:d=1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', join(dir, 'v.mp4'));
    ffmpeg('-f', 'lavfi', '-i', 'anullsrc=r=22050:cl=mono', '-t', '0.5', join(dir, 'a.wav'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('describes a video as ffprobe measures it', async () => {
    const file = join(dir, 'v.mp4');
    const probed = await probeVideo(file, signal);
    expect(probed).toEqual({
      durationSeconds: 1,
      width: 160,
      height: 90,
      videoCodec: 'h264',
      audioCodec: null,
      fps: 25,
      format: 'mp4',
      fileSize: readFileSync(file).length,
      checksumSha256: createHash('sha256').update(readFileSync(file)).digest('hex'),
    });
  });

  it('rejects a file without a video stream as INVALID_OUTPUT', async () => {
    const error = await probeVideo(join(dir, 'a.wav'), signal).catch((e) => e);
    expect(error).toBeInstanceOf(PipelineError);
    expect(error).toMatchObject({ code: 'INVALID_OUTPUT', retryable: false });
  });

  it('reads the duration of audio', async () => {
    expect(await probeDurationSeconds(join(dir, 'a.wav'), signal)).toBeCloseTo(0.5, 2);
  });

  it('reports an unreadable file as a tool failure', async () => {
    const file = join(dir, 'junk.mp4');
    writeFileSync(file, 'not a video');
    await expect(probeVideo(file, signal)).rejects.toMatchObject({ code: 'TOOL_FAILED' });
  });

  it('stops hashing when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(sha256File(join(dir, 'v.mp4'), controller.signal)).rejects.toBeInstanceOf(PipelineAbortedError);
  });
});
