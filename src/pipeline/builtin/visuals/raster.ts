/** SVG to PNG with resvg, with the fonts given and no others (system fonts are slow to scan and vary by host). */
import { Resvg } from '@resvg/resvg-js';

export interface RasterFonts {
  files: readonly string[];
  /** Family used where the SVG names none that is loaded (else any loaded font that has the glyph). */
  defaultFamily?: string;
}

/** A transparent PNG of the SVG at its own pixel size (its width and height attributes). */
export function svgToPng(svg: string, fonts: RasterFonts): Buffer {
  return new Resvg(svg, {
    fitTo: { mode: 'original' },
    background: 'rgba(0,0,0,0)',
    font: { fontFiles: [...fonts.files], loadSystemFonts: false, defaultFontFamily: fonts.defaultFamily ?? '' },
  })
    .render()
    .asPng();
}
