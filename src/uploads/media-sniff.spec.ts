import { sniffMediaType } from './media-sniff';

const bytes = (...parts: Array<string | number[]>) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

describe('sniffMediaType', () => {
  test.each([
    ['PNG', bytes([0x89], 'PNG\r\n\x1a\n', [0, 0, 0, 13]), 'image', 'image/png'],
    ['JPEG', bytes([0xff, 0xd8, 0xff, 0xe0]), 'image', 'image/jpeg'],
    ['WebP', bytes('RIFF', [1, 2, 3, 4], 'WEBPVP8 '), 'image', 'image/webp'],
    ['WAV', bytes('RIFF', [1, 2, 3, 4], 'WAVEfmt '), 'audio', 'audio/wav'],
    ['OGG', bytes('OggS', [0, 2]), 'audio', 'audio/ogg'],
    ['MP3 with an ID3 tag', bytes('ID3', [4, 0, 0]), 'audio', 'audio/mpeg'],
    ['MP3 frame (MPEG-1 layer III, 128 kbit/s, 44.1 kHz)', bytes([0xff, 0xfb, 0x90, 0x64]), 'audio', 'audio/mpeg'],
    ['MP3 frame (MPEG-2 layer III)', bytes([0xff, 0xf3, 0x40, 0xc4]), 'audio', 'audio/mpeg'],
  ])('%s', (_name, head, kind, contentType) => {
    expect(sniffMediaType(head)).toEqual(expect.objectContaining({ kind, contentType }));
  });

  test.each([
    ['text', bytes('hello, this is not an image')],
    ['empty', Buffer.alloc(0)],
    ['a truncated PNG signature', bytes([0x89], 'PNG')],
    ['another RIFF type (AVI)', bytes('RIFF', [1, 2, 3, 4], 'AVI LIST')],
    ['AAC in ADTS (layer bits 00)', bytes([0xff, 0xf1, 0x50, 0x80])],
    ['an MPEG frame with the bad bitrate index', bytes([0xff, 0xfb, 0xf0, 0x64])],
    ['an MPEG frame with the reserved sample rate', bytes([0xff, 0xfb, 0x9c, 0x64])],
    ['MPEG layer II', bytes([0xff, 0xfd, 0x90, 0x64])],
    ['GIF', bytes('GIF89a')],
    ['SVG', bytes('<svg xmlns="http://www.w3.org/2000/svg"/>')],
  ])('refuses %s', (_name, head) => {
    expect(sniffMediaType(head)).toBeNull();
  });
});
