import { PNG_SIGNATURE, pngSize } from '../../../../test/support/png';
import { PRESET_COLORS, resolveTheme } from '../theme';
import {
  DARK_CODE_PALETTE,
  LIGHT_CODE_PALETTE,
  codeLabel,
  codeMetrics,
  codePageSvg,
  codePaletteFor,
  codeRows,
  columnsOf,
  lineText,
  renderCodePages,
  tokenizeCode,
} from './code';

const MONO = { file: '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf', family: 'DejaVu Sans Mono', fallbacks: [] };

describe('tokenizeCode', () => {
  it('splits highlighted source into lines of tokens, by kind', () => {
    const lines = tokenizeCode({ language: 'python', source: 'def area(r):\n    return 3.14 * r ** 2  # circle\n' });
    expect(lines.map(lineText)).toEqual(['def area(r):', '    return 3.14 * r ** 2  # circle']);
    expect(lines[0]).toEqual(
      expect.arrayContaining([
        { text: 'def', kind: 'keyword' },
        { text: 'area', kind: 'function' },
      ]),
    );
    expect(lines[1]).toEqual(
      expect.arrayContaining([
        { text: 'return', kind: 'keyword' },
        { text: '3.14', kind: 'number' },
        { text: '# circle', kind: 'comment' },
      ]),
    );
  });

  it('decodes the entities highlight.js escapes', () => {
    const [line] = tokenizeCode({ language: 'js', source: `if (a < b && c > "d") x = 'e';` });
    expect(lineText(line)).toBe(`if (a < b && c > "d") x = 'e';`);
    expect(line).toContainEqual({ text: '"d"', kind: 'string' });
  });

  it('colours nested scopes by the innermost one that has a colour', () => {
    const [line] = tokenizeCode({ language: 'javascript', source: 'const s = `sum ${a + 1} done`;' });
    expect(line).toContainEqual({ text: '`sum ', kind: 'string' });
    expect(line).toContainEqual({ text: '${a + ', kind: 'plain' }); // inside ${…}: not a string
    expect(line).toContainEqual({ text: '1', kind: 'number' });
  });

  it('shows a language highlight.js does not know as plain text, and knows aliases', () => {
    expect(tokenizeCode({ language: 'no-such-language', source: 'if x then y' })).toEqual([[{ text: 'if x then y', kind: 'plain' }]]);
    expect(tokenizeCode({ language: 'ts', source: 'let x: number' })[0]).toContainEqual({ text: 'let', kind: 'keyword' });
    expect(codeLabel('py')).toBe('Python');
    expect(codeLabel('no-such-language')).toBe('no-such-language');
  });

  it('expands tabs to stops of four, drops carriage returns, control characters and blank edges', () => {
    const lines = tokenizeCode({ language: 'text', source: '\n\r\nab\tc\r\n\td\u0007e  \n\n' });
    expect(lines.map(lineText)).toEqual(['ab  c', '    de']);
  });
});

describe('codeRows', () => {
  it('keeps lines that fit whole, one row each', () => {
    expect(codeRows(['abc', '', 'de'], 10)).toEqual([
      { line: 0, start: 0, end: 3, indent: 0 },
      { line: 1, start: 0, end: 0, indent: 0 },
      { line: 2, start: 0, end: 2, indent: 0 },
    ]);
  });

  it('wraps a long line at a space, continuing two columns past its indent', () => {
    const rows = codeRows(['  call(alpha, beta, gamma)'], 16);
    expect(rows.map((r) => [r.start, r.end, r.indent])).toEqual([
      [0, 14, 0], // "  call(alpha, " — broken after the space
      [14, 26, 4],
    ]);
    for (const row of rows) expect(row.indent + (row.end - row.start)).toBeLessThanOrEqual(16);
  });

  it('breaks a word longer than a row, and counts wide characters as two columns', () => {
    expect(codeRows(['abcdefghij'], 4).map((r) => [r.start, r.end])).toEqual([
      [0, 4],
      [4, 6],
      [6, 8],
      [8, 10],
    ]);
    expect(columnsOf('漢字ab')).toBe(6);
    expect(codeRows(['漢字漢字'], 5).map((r) => [r.start, r.end])).toEqual([
      [0, 2],
      [2, 3],
      [3, 4],
    ]);
  });
});

describe('codePageSvg', () => {
  const lines = tokenizeCode({ language: 'python', source: 'x = "<&>"\nprint(x)' });
  const page = {
    lines,
    rows: codeRows(lines.map(lineText), 40),
    width: 400,
    height: 120,
    metrics: codeMetrics(16),
    label: 'Python',
    page: { index: 1, count: 3 },
    palette: DARK_CODE_PALETTE,
    fontFamily: 'DejaVu Sans Mono',
  };

  it('places every token at its column in its colour, escaping markup', () => {
    const svg = codePageSvg(page);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="400" height="120"/u);
    expect(svg).toContain(`fill="${DARK_CODE_PALETTE.tokens.string}">&quot;&lt;&amp;&gt;&quot;</tspan>`);
    const column = codeMetrics(16).advance;
    expect(svg).toContain(`<tspan x="${Math.round((codeMetrics(16).padX + 4 * column) * 100) / 100}"`); // the string at column 4
    expect(svg).toContain('Python  ·  2/3');
  });

  it('picks the panel that reads well on the theme', () => {
    expect(codePaletteFor(resolveTheme(PRESET_COLORS.midnight))).toBe(DARK_CODE_PALETTE);
    expect(codePaletteFor(resolveTheme(PRESET_COLORS.daylight))).toBe(LIGHT_CODE_PALETTE);
  });

  it('rasterises each page to a PNG of exactly the panel size', () => {
    const pages = [page.rows.slice(0, 1), page.rows.slice(1)];
    const pngs = renderCodePages({ lines, language: 'python', pages }, { width: 333, height: 101, fontSize: 16 }, resolveTheme(PRESET_COLORS.forest), MONO);
    expect(pngs).toHaveLength(2);
    for (const png of pngs) {
      expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
      expect(pngSize(png)).toEqual({ width: 333, height: 101 });
    }
    expect(pngs[0].equals(pngs[1])).toBe(false);
  });
});
