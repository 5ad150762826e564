/**
 * Which font draws which text. ffmpeg's drawtext takes one font file per text block and has no fallback,
 * so we choose, per block, the installed font that covers most of its characters: Noto Sans first (it looks
 * best), DejaVu Sans next (it also has Arabic, Hebrew, arrows and monochrome emoji), then script-specific
 * fonts when installed (CJK needs fonts-noto-cjk or similar).
 */
import { access } from 'node:fs/promises';
import { FontMetrics, loadFontMetrics } from './font-metrics';
import { MeasureEm, estimateWidthEm } from './text-layout';
import { runProcess } from '../process-runner';
import { PipelineError } from '../video-pipeline';

export type FontWeight = 'regular' | 'bold';

interface FontFamily {
  regular: string;
  bold: string;
}

const NOTO = '/usr/share/fonts/truetype/noto';
const DEJAVU = '/usr/share/fonts/truetype/dejavu';
const noto = (name: string): FontFamily => ({
  regular: `${NOTO}/${name}-Regular.ttf`,
  bold: `${NOTO}/${name}-Bold.ttf`,
});

const DEFAULT_FAMILIES: FontFamily[] = [
  noto('NotoSans'),
  { regular: `${DEJAVU}/DejaVuSans.ttf`, bold: `${DEJAVU}/DejaVuSans-Bold.ttf` },
  noto('NotoSansArabic'),
  noto('NotoSansHebrew'),
  noto('NotoSansDevanagari'),
  noto('NotoSansBengali'),
  noto('NotoSansThai'),
  noto('NotoSansEthiopic'),
  {
    regular: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
    bold: '/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc',
  },
  { regular: '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc', bold: '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc' },
  noto('NotoSansSymbols2'),
];

/** Monospaced faces for code, by preference, with the family names the SVG renderer knows them by. */
const MONO_FONTS: MonoFont[] = [
  { file: `${DEJAVU}/DejaVuSansMono.ttf`, family: 'DejaVu Sans Mono' },
  { file: `${NOTO}/NotoSansMono-Regular.ttf`, family: 'Noto Sans Mono' },
];

export interface MonoFont {
  file: string;
  family: string;
}

/** Zero-width format characters (variation selectors, joiners…): rendered as boxes by fonts that lack them. */
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/u;
/**
 * Characters dropped from the screen when the chosen font cannot draw them: invisible ones, and emoji, which
 * are decoration (the narration still has them) and would otherwise show as boxes.
 */
const DROPPABLE = /[\p{Default_Ignorable_Code_Point}\p{Extended_Pictographic}\p{Emoji_Modifier}]/gu;

export interface FontChoice {
  file: string;
  /** The text without the invisible characters and emoji that the font cannot draw. */
  text: string;
  /** The same cleaning for other text drawn with this font (the items of a list chosen for together). */
  clean(text: string): string;
  measure: MeasureEm;
  /** Visible characters the font has no glyph for (shown as boxes, or dropped if they are emoji). */
  missingGlyphs: number;
}

interface LoadedFace {
  file: string;
  /** Undefined when the file could not be parsed: assume it covers everything and estimate widths. */
  metrics?: FontMetrics;
}

interface LoadedFamily {
  regular: LoadedFace;
  bold: LoadedFace;
}

export class FontLibrary {
  private constructor(
    private readonly families: LoadedFamily[],
    /** For code; without a monospaced face installed, the first family's regular face (columns still align). */
    readonly mono: MonoFont,
  ) {}

  /**
   * Installed default families, with `preferredFile` (if any) first; when none of the defaults exists,
   * whatever `fc-match sans` returns.
   */
  static async load(preferredFile: string | undefined, signal: AbortSignal): Promise<FontLibrary> {
    const preferred = preferredFile ? [{ regular: preferredFile, bold: preferredFile }] : [];
    const candidates = [...preferred, ...DEFAULT_FAMILIES];
    const families: LoadedFamily[] = [];
    for (const family of candidates) {
      if (!(await exists(family.regular))) continue;
      const regular = await loadFace(family.regular);
      const hasBold = family.bold !== family.regular && (await exists(family.bold));
      const bold = hasBold ? await loadFace(family.bold) : regular;
      families.push({ regular, bold });
    }
    if (families.length === 0) {
      const face = await loadFace(await fcMatchSans(signal));
      families.push({ regular: face, bold: face });
    }
    let mono: MonoFont = { file: families[0].regular.file, family: 'sans-serif' };
    for (const candidate of MONO_FONTS) {
      if (await exists(candidate.file)) {
        mono = candidate;
        break;
      }
    }
    return new FontLibrary(families, mono);
  }

  choose(text: string, weight: FontWeight): FontChoice {
    const visible = Array.from(text).filter((ch) => ch.trim() !== '' && !INVISIBLE.test(ch));
    let best = this.families[0];
    let bestCovered = -1;
    for (const family of this.families) {
      const covered = visible.filter((ch) => hasGlyph(family.regular, ch)).length;
      if (covered > bestCovered) {
        best = family;
        bestCovered = covered;
      }
      if (covered === visible.length) break;
    }
    const face = best[weight];
    const clean = (raw: string): string =>
      raw
        .replace(DROPPABLE, (ch) => (hasGlyph(face, ch) ? ch : ''))
        .replace(/\s{2,}/gu, ' ')
        .trim();
    return {
      file: face.file,
      text: clean(text),
      clean,
      measure: face.metrics ? measureWith(face.metrics) : estimateWidthEm,
      missingGlyphs: visible.length - bestCovered,
    };
  }
}

function hasGlyph(face: LoadedFace, ch: string): boolean {
  return face.metrics ? face.metrics.hasGlyph(ch.codePointAt(0) ?? 0) : true;
}

function measureWith(metrics: FontMetrics): MeasureEm {
  return (text) => {
    let width = 0;
    for (const ch of text) width += metrics.advanceEm(ch.codePointAt(0) ?? 0);
    return width;
  };
}

async function loadFace(file: string): Promise<LoadedFace> {
  try {
    return { file, metrics: await loadFontMetrics(file) };
  } catch {
    return { file };
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

async function fcMatchSans(signal: AbortSignal): Promise<string> {
  const missing = (why: string): PipelineError => new PipelineError(`no usable font found (${why})`, 'FONT_MISSING', false);
  const { stdout } = await runProcess('fc-match', ['-f', '%{file}', 'sans'], { signal, timeoutMs: 10_000 }).catch(
    (error: unknown) => {
      throw error instanceof PipelineError && error.code !== 'TOOL_TIMEOUT' ? missing(error.message) : error;
    },
  );
  const file = stdout.trim();
  if (!file || !(await exists(file))) throw missing('fc-match sans');
  return file;
}
