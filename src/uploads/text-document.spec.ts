import { looksLikeMarkdown, sniffTextDocument } from './text-document';

const utf8 = (text: string) => Buffer.from(text, 'utf8');

describe('sniffTextDocument', () => {
  test('plain UTF-8 text is text/plain, counted in code points', () => {
    const doc = sniffTextDocument(utf8('Les abeilles dansent. 🐝\n'), 'notes.txt');
    expect(doc).toEqual({ format: 'text', contentType: 'text/plain', ext: 'txt', text: 'Les abeilles dansent. 🐝\n', characters: 24 });
  });

  test('the byte order mark goes and CRLF or a lone CR become LF', () => {
    const doc = sniffTextDocument(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8('one\r\ntwo\rthree\n')]), 'x.txt');
    expect(doc?.text).toBe('one\ntwo\nthree\n');
    expect(doc?.characters).toBe(14);
  });

  test('tabs and form feeds are text', () => {
    expect(sniffTextDocument(utf8('a\tb\fc\n'), 'x')?.format).toBe('text');
  });

  test('Markdown by its syntax, whatever the name; or by the name alone', () => {
    expect(sniffTextDocument(utf8('# Hives\n\nBees live in hives.\n'), 'hives.txt')?.contentType).toBe('text/markdown');
    expect(sniffTextDocument(utf8('Bees live in hives.\n'), 'Hives.MD')).toMatchObject({ contentType: 'text/markdown', ext: 'md' });
    expect(sniffTextDocument(utf8('Bees live in hives.\n'), 'hives.md.txt')?.contentType).toBe('text/plain');
  });

  test.each([
    ['bad UTF-8 (a lone continuation byte)', Buffer.from([0x68, 0x69, 0x80, 0x0a])],
    ['Latin-1 text', Buffer.from('caf\xe9\n', 'latin1')],
    ['UTF-16 with its BOM', Buffer.from('\ufeffhello', 'utf16le')],
    ['a NUL byte', utf8('hello\0world')],
    ['an escape sequence', utf8('\x1b[31mred\x1b[0m')],
    ['a C1 control', utf8('a\u0085b')],
    ['DEL', utf8('a\x7fb')],
    ['an ASCII PDF', utf8('%PDF-1.4\n1 0 obj << >> endobj\n')],
    ['RTF', utf8('{\\rtf1\\ansi Hello}')],
    ['nothing', Buffer.alloc(0)],
  ])('refuses %s', (_name, bytes) => {
    expect(sniffTextDocument(bytes, 'file.txt')).toBeNull();
  });
});

describe('looksLikeMarkdown', () => {
  test.each([
    ['an ATX heading', '## Setup\ntext'],
    ['a fenced block', 'Run:\n```sh\nnpm test\n```\n'],
    ['a link', 'See [the docs](https://example.com/docs).'],
    ['three list items', '- one\n- two\n* three\n'],
    ['a numbered list', '1. one\n2. two\n3. three\n'],
  ])('%s', (_name, text) => {
    expect(looksLikeMarkdown(text)).toBe(true);
  });

  test.each([
    ['prose', 'Bees dance to tell each other where flowers are.'],
    ['a hashtag', '#bees are great'],
    ['two dashes', 'Shopping:\n- milk\n- bread\n'],
    ['brackets without a target', 'an array [1, 2] (of two)'],
  ])('not %s', (_name, text) => {
    expect(looksLikeMarkdown(text)).toBe(false);
  });
});
