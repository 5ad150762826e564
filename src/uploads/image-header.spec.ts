import { execFileSync } from 'node:child_process';
import { pngDeclaring } from '../../test/support/png';
import { imageDimensions } from './image-header';

/** One frame of `size` in the given codec, written by the real ffmpeg. */
const encode = (size: string, ...codec: string[]) =>
  execFileSync('ffmpeg', ['-hide_banner', '-v', 'error', '-f', 'lavfi', '-i', `testsrc=size=${size}`, '-frames:v', '1', ...codec, 'pipe:1']);

describe('imageDimensions', () => {
  test('PNG, JPEG and WebP (lossy and lossless) as ffmpeg wrote them', () => {
    expect(imageDimensions(encode('321x203', '-c:v', 'png', '-f', 'image2pipe'), 'png')).toEqual({ width: 321, height: 203 });
    expect(imageDimensions(encode('322x202', '-c:v', 'mjpeg', '-f', 'image2pipe'), 'jpeg')).toEqual({ width: 322, height: 202 });
    expect(imageDimensions(encode('320x200', '-c:v', 'libwebp', '-f', 'webp'), 'webp')).toEqual({ width: 320, height: 200 });
    expect(imageDimensions(encode('319x201', '-c:v', 'libwebp', '-lossless', '1', '-f', 'webp'), 'webp')).toEqual({ width: 319, height: 201 });
  });

  test('a JPEG whose frame header comes after EXIF and comment segments', () => {
    const jpeg = encode('64x48', '-c:v', 'mjpeg', '-f', 'image2pipe');
    const segment = (marker: number, body: Buffer) => Buffer.concat([Buffer.from([0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff]), body]);
    const tainted = Buffer.concat([jpeg.subarray(0, 2), segment(0xe1, Buffer.alloc(300, 1)), segment(0xfe, Buffer.from('comment')), jpeg.subarray(2)]);
    expect(imageDimensions(tainted, 'jpeg')).toEqual({ width: 64, height: 48 });
  });

  test('a header declaring a huge canvas is read as declared, without any image data', () => {
    expect(imageDimensions(pngDeclaring(20_000, 15_000), 'png')).toEqual({ width: 20_000, height: 15_000 });
  });

  test('unreadable headers are null (left to the decoder)', () => {
    expect(imageDimensions(Buffer.from([0x89, 0x50, 0x4e, 0x47]), 'png')).toBeNull();
    expect(imageDimensions(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0, 2]), 'jpeg')).toBeNull(); // scan before any frame
    expect(imageDimensions(Buffer.from([0xff, 0xd8, 0x00, 0x00, 0x00, 0x00]), 'jpeg')).toBeNull();
    expect(imageDimensions(Buffer.concat([Buffer.from('RIFF\0\0\0\0WEBPJUNK', 'latin1'), Buffer.alloc(20)]), 'webp')).toBeNull();
    expect(imageDimensions(Buffer.alloc(64), 'wav')).toBeNull();
  });
});
