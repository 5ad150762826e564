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

/** The formula as a standalone SVG document (glyphs drawn in currentColor). Throws on TeX MathJax cannot parse. */
export function texToSvg(tex: string): string {
  const { adaptor, doc } = mathDocument();
  try {
    return adaptor.innerHTML(doc.convert(tex, { display: true }));
  } catch (error) {
    // MathJax throws TexError objects ({ id, message }), not Error instances.
    const message = typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error);
    throw new Error(message);
  }
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
