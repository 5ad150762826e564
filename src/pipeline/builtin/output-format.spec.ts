import { QUALITIES } from '../video-pipeline';
import { ASPECT_RATIOS, frameSize, maxVideoKbps, videoEncodeArgs } from './output-format';

describe('frameSize', () => {
  it('places the quality’s short side by aspect ratio', () => {
    expect(frameSize('medium', '16:9')).toEqual({ width: 1280, height: 720 });
    expect(frameSize('medium', '9:16')).toEqual({ width: 720, height: 1280 });
    expect(frameSize('medium', '1:1')).toEqual({ width: 720, height: 720 });
    expect(frameSize('low', '9:16')).toEqual({ width: 480, height: 854 });
    expect(frameSize('ultra', '1:1')).toEqual({ width: 1440, height: 1440 });
  });

  it('gives even sizes (yuv420p) for every quality and ratio', () => {
    for (const quality of QUALITIES) {
      for (const ratio of ASPECT_RATIOS) {
        const { width, height } = frameSize(quality, ratio);
        expect(width % 2).toBe(0);
        expect(height % 2).toBe(0);
      }
    }
  });
});

describe('video bitrate cap', () => {
  it('scales with the pixel count', () => {
    expect(maxVideoKbps(frameSize('low', '16:9'))).toBe(1100);
    expect(maxVideoKbps(frameSize('medium', '16:9'))).toBe(2500);
    expect(maxVideoKbps(frameSize('high', '16:9'))).toBe(5600);
    expect(maxVideoKbps(frameSize('ultra', '16:9'))).toBe(9950);
    expect(maxVideoKbps(frameSize('medium', '1:1'))).toBe(1400);
  });

  it('is part of the H.264 settings, with a two-second buffer', () => {
    const args = videoEncodeArgs({ width: 1280, height: 720 });
    expect(args).toEqual(expect.arrayContaining(['libx264', 'yuv420p', '-crf', '21', '-maxrate', '2500k', '-bufsize', '5000k']));
    expect(args.slice(args.indexOf('-r'), args.indexOf('-r') + 2)).toEqual(['-r', '30']);
  });
});
