/**
 * TeX typesetting with MathJax (TeX input, SVG output, no DOM: the lite adaptor). One MathJax document per
 * process, built on first use.
 */
import { mathjax } from 'mathjax-full/js/mathjax.js';
import { TeX } from 'mathjax-full/js/input/tex.js';
import { SVG } from 'mathjax-full/js/output/svg.js';
import { liteAdaptor, LiteAdaptor } from 'mathjax-full/js/adaptors/liteAdaptor.js';
import { RegisterHTMLHandler } from 'mathjax-full/js/handlers/html.js';
import { AllPackages } from 'mathjax-full/js/input/tex/AllPackages.js';
import { LRUCache } from 'lru-cache';
import { RasterFonts, svgToPng } from './raster';

type Converter = { adaptor: LiteAdaptor; doc: ReturnType<typeof mathjax.document> };
let converter: Converter | undefined;

function mathDocument(): Converter {
  if (converter) return converter;
  const adaptor = liteAdaptor();
  RegisterHTMLHandler(adaptor);
  // Parse errors and undefined macros throw (instead of rendering red text): a bad formula is reported, not shown.
  const tex = new TeX({
    packages: AllPackages.filter((name) => name !== 'bussproofs' && name !== 'noundefined'),
    formatError: (_jax: unknown, error: Error) => {
      throw error;
    },
  });
  const doc = mathjax.document('', { InputJax: tex, OutputJax: new SVG({ fontCache: 'none' }) });
  converter = { adaptor, doc };
  return converter;
}

/**
 * Each formula is checked at submission, again by the planner and typeset once more to draw it: the outcome
 * (SVG or parse error) is remembered, so MathJax converts a formula once per process while it is in use.
 */
const typeset = new LRUCache<string, { svg: string } | { error: string }>({ max: 256 });

/** The formula as a standalone SVG document (glyphs drawn in currentColor). Throws on TeX MathJax cannot parse. */
function texToSvg(tex: string): string {
  let outcome = typeset.get(tex);
  if (!outcome) {
    const { adaptor, doc } = mathDocument();
    try {
      outcome = { svg: adaptor.innerHTML(doc.convert(tex, { display: true })) };
    } catch (error) {
      // MathJax throws TexError objects ({ id, message }), not Error instances.
      outcome = { error: typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error) };
    }
    typeset.set(tex, outcome);
  }
  if ('error' in outcome) throw new Error(outcome.error);
  return outcome.svg;
}

/** Why MathJax cannot typeset `tex`, or undefined when it can. */
export function texProblem(tex: string): string | undefined {
  try {
    texToSvg(tex);
    return undefined;
  } catch (error) {
    return `is not valid TeX: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** A typeset formula and its natural size in em (MathJax's SVG units are thousandths of an em). */
export interface TypesetMath {
  svg: string;
  widthEm: number;
  heightEm: number;
}

/** Typesets `tex` (display style); throws like texToSvg. */
export function typesetMath(tex: string): TypesetMath {
  const svg = texToSvg(tex);
  const viewBox = /<svg[^>]*\sviewBox="([-\d.]+) ([-\d.]+) ([\d.]+) ([\d.]+)"/u.exec(svg);
  if (!viewBox) throw new Error('MathJax returned an SVG without a viewBox');
  return { svg, widthEm: Number(viewBox[3]) / 1000, heightEm: Number(viewBox[4]) / 1000 };
}

/**
 * The formula as an SVG of exactly `width` × `height` pixels (its aspect ratio kept, centred), drawn in
 * `color` (#rrggbb) wherever MathJax used currentColor.
 */
export function sizedMathSvg(math: TypesetMath, width: number, height: number, color: string): string {
  const root = /^<svg[^>]*>/u.exec(math.svg)?.[0] ?? '<svg>';
  const sized = root
    .replace(/\s(width|height|style)="[^"]*"/gu, '')
    .replace(/^<svg/u, `<svg width="${width}" height="${height}" preserveAspectRatio="xMidYMid meet"`);
  return sized + math.svg.slice(root.length).replace(/currentColor/gu, color);
}

/** The formula as a transparent PNG of exactly `width` × `height` pixels, in `color` (#rrggbb). */
export function renderMath(math: TypesetMath, size: { width: number; height: number }, color: string, fonts: RasterFonts): Buffer {
  return svgToPng(sizedMathSvg(math, size.width, size.height, color), fonts);
}
