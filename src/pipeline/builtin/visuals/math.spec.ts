import { PNG_SIGNATURE, pngSize, rgbaPixels } from '../../../../test/support/png';
import { renderMath, sizedMathSvg, texProblem, typesetMath } from './math';

const FONTS = { files: ['/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf'] };

describe('typesetMath', () => {
  it('measures the formula in em', () => {
    const small = typesetMath('x');
    const fraction = typesetMath('\\frac{a^2 + b^2}{c^2}');
    expect(small.widthEm).toBeGreaterThan(0.4);
    expect(small.widthEm).toBeLessThan(1);
    expect(fraction.widthEm).toBeGreaterThan(small.widthEm);
    expect(fraction.heightEm).toBeGreaterThan(small.heightEm * 1.5);
  });

  it('throws on TeX it cannot typeset, as texProblem reports', () => {
    expect(() => typesetMath('\\frac{1}{')).toThrow();
    expect(texProblem('\\notamacro{x}')).toMatch(/is not valid TeX/u);
  });
});

describe('renderMath', () => {
  const math = typesetMath('x = \\frac{-b \\pm \\sqrt{b^2 - 4ac}}{2a}');

  it('sizes the SVG exactly and paints its glyphs in the colour given', () => {
    const svg = sizedMathSvg(math, 300, 80, '#38bdf8');
    expect(svg).toMatch(/^<svg width="300" height="80" preserveAspectRatio="xMidYMid meet"/u);
    expect(svg).not.toContain('currentColor');
    expect(svg).toContain('fill="#38bdf8"');
  });

  it('rasterises at exactly the pixel size asked for, transparent around coloured glyphs', () => {
    const width = 412;
    const height = Math.round((width * math.heightEm) / math.widthEm);
    const png = renderMath(math, { width, height }, '#ff8000', FONTS);
    expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect(pngSize(png)).toEqual({ width, height });
    const pixels = rgbaPixels(png);
    let opaque = 0;
    let transparent = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      if (pixels[i + 3] === 255) {
        opaque++;
        expect([pixels[i], pixels[i + 1], pixels[i + 2]]).toEqual([0xff, 0x80, 0x00]);
      } else if (pixels[i + 3] === 0) transparent++;
    }
    const total = width * height;
    expect(opaque / total).toBeGreaterThan(0.03); // ink
    expect(transparent / total).toBeGreaterThan(0.5); // background left clear
  });

  it('keeps the formula inside a box of another shape, centred', () => {
    const png = renderMath(typesetMath('x'), { width: 200, height: 50 }, '#ffffff', FONTS);
    expect(pngSize(png)).toEqual({ width: 200, height: 50 });
    const pixels = rgbaPixels(png);
    const inkColumns = new Set<number>();
    for (let i = 0; i < pixels.length; i += 4) if (pixels[i + 3] > 0) inkColumns.add((i / 4) % 200);
    const columns = [...inkColumns];
    expect(Math.min(...columns)).toBeGreaterThan(50);
    expect(Math.max(...columns)).toBeLessThan(150);
  });
});
