import { escapeFilterValue, filter } from './ffmpeg';

describe('escapeFilterValue', () => {
  it('leaves plain values alone', () => {
    expect(escapeFilterValue('/usr/share/fonts/a-b_c.ttf')).toBe('/usr/share/fonts/a-b_c.ttf');
    expect(escapeFilterValue('100-text_w/2')).toBe('100-text_w/2');
  });

  it('escapes for the option parser and then for the graph parser', () => {
    expect(escapeFilterValue('a:b')).toBe('a\\\\:b');
    expect(escapeFilterValue("it's")).toBe("it\\\\\\'s");
    expect(escapeFilterValue('a\\b')).toBe('a\\\\\\\\b');
    expect(escapeFilterValue('min(640,iw)')).toBe('min(640\\,iw)');
    expect(escapeFilterValue('[x];y')).toBe('\\[x\\]\\;y');
  });
});

describe('filter', () => {
  it('joins escaped options', () => {
    expect(filter('scale', { w: 'min(640,iw)', h: -2 })).toBe('scale=w=min(640\\,iw):h=-2');
    expect(filter('null', {})).toBe('null');
  });
});
