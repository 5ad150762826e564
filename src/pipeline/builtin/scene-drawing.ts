/**
 * The draw stage for one scene: its layout turned into what the render graph draws — text lines written to
 * files for drawtext, the formula and each page of code rasterised to PNGs at exactly their laid-out size,
 * and the scene's steps (bullets appearing as the narration reaches them, pages of code one after another).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CaptionCue } from './captions';
import { FontLibrary } from './font-set';
import { FrameSize } from './output-format';
import { CaptionDrawing, DrawnText, Graphic, RenderScene, SceneStep } from './render-graph';
import { Scene } from './scene';
import { TextLine, captionStyle, layoutCaption, layoutScene } from './scene-layout';
import { Theme, hexColor } from './theme';
import { bulletRevealFrames, pageStartFrames, stepFrame } from './timeline';
import { lineText, renderCodePages, tokenizeCode } from './visuals/code';
import { renderMath, typesetMath } from './visuals/math';

export interface SceneToDraw {
  scene: Scene;
  /** File name prefix in the work directory. */
  name: string;
  frames: number;
  /** Measured length of the scene's narration (0 when silent). */
  narrationSeconds: number;
}

export interface DrawContext {
  frame: FrameSize;
  fonts: FontLibrary;
  theme: Theme;
  workDir: string;
  /** Caption cues burned into this scene (empty when captions are off or the heading says it). */
  cues: CaptionCue[];
  picture?: { file: string; aspect: number };
  /** Share of the content shown, for content scenes' progress bar. */
  progress?: number;
}

export interface DrawnScene {
  render: RenderScene;
  /** Visible characters no installed font can draw (shown as boxes). */
  missingGlyphs: number;
}

export async function drawScene({ scene, name, frames, narrationSeconds }: SceneToDraw, ctx: DrawContext): Promise<DrawnScene> {
  const { fonts, theme, frame } = ctx;
  const heading = fonts.choose(scene.title, 'bold');
  const body = fonts.choose(scene.text, 'regular');
  const bulletFont = fonts.choose(scene.bullets.join(' '), 'regular');
  const math = scene.math === undefined ? undefined : { tex: scene.math, ...typesetMath(scene.math) };
  const code = scene.code && { ...scene.code, lines: tokenizeCode(scene.code) };
  const layout = layoutScene({
    kind: scene.kind,
    heading: heading.text,
    body: body.text,
    width: frame.width,
    height: frame.height,
    theme,
    measureHeading: heading.measure,
    measureBody: body.measure,
    progress: ctx.progress,
    imageAspect: ctx.picture?.aspect,
    captions: ctx.cues.length > 0,
    bullets: scene.bullets.map(bulletFont.clean),
    measureBullets: bulletFont.measure,
    math,
    code: code?.lines.map(lineText),
  });

  const file = (suffix: string): string => join(ctx.workDir, `${name}-${suffix}`);
  const fontOf: Record<TextLine['font'], string> = { heading: heading.file, body: body.file, bullet: bulletFont.file };
  /** Each line to a file for drawtext, drawn with `fontFile` or else the font chosen for its kind of text. */
  const writeLines = (lines: readonly TextLine[], prefix: string, fontFile?: string): Promise<DrawnText[]> =>
    Promise.all(
      lines.map(async (line, i) => {
        const path = file(`${prefix}-${i + 1}.txt`);
        await writeFile(path, line.text, 'utf8');
        return { line, file: path, fontFile: fontFile ?? fontOf[line.font] };
      }),
    );

  const graphics: Graphic[] = [];
  if (math && layout.math) {
    const png = file('math.png');
    // MathJax draws its own glyphs as paths; only \text{…} outside its fonts needs one of ours.
    const textFont = { files: [fonts.choose(math.tex, 'regular').file] };
    await writeFile(png, renderMath(math, layout.math, hexColor(theme.heading), textFont));
    graphics.push({ file: png, x: layout.math.x, y: layout.math.y });
  }
  let pages: Graphic[] = [];
  if (code && layout.code) {
    const { panel, pages: rows, fontSize } = layout.code;
    // Characters the monospaced font lacks (CJK in a comment…) come from the font the text would get.
    const fallbacks = [fonts.choose(code.source, 'regular').file];
    const size = { width: panel.width, height: panel.height, fontSize };
    const pngs = renderCodePages({ lines: code.lines, language: code.language, pages: rows }, size, theme, { ...fonts.mono, fallbacks });
    pages = await Promise.all(
      pngs.map(async (png, k) => {
        const path = file(`code-${k + 1}.png`);
        await writeFile(path, png);
        return { file: path, x: panel.x, y: panel.y };
      }),
    );
  }
  const bullets = await Promise.all(
    layout.bullets.map(async (bullet, k) => ({ marker: bullet.marker, texts: await writeLines(bullet.lines, `bullet-${k + 1}`) })),
  );

  // Bullets appear as the narration reaches them, pages follow one another; each change starts a step.
  const reveals = bulletRevealFrames(scene.bullets.slice(0, bullets.length), scene.narration, narrationSeconds).map((f) =>
    stepFrame(f, frames),
  );
  const pageStarts = pageStartFrames(layout.code?.pages.map((rows) => rows.length) ?? [], frames).map((f) => stepFrame(f, frames));
  // A single page is part of the scene's own still, drawn once.
  const paged = pages.length > 1;
  if (!paged) graphics.push(...pages);
  const starts = [...new Set([0, ...reveals, ...(paged ? pageStarts : [])])].sort((a, b) => a - b);
  const steps: SceneStep[] =
    bullets.length > 0 || paged
      ? starts.map((startFrame) => {
          const shown = bullets.filter((_, k) => reveals[k] <= startFrame);
          const page = paged ? pages.filter((_, k) => pageStarts[k] <= startFrame).pop() : undefined;
          return {
            startFrame,
            boxes: shown.map((bullet) => bullet.marker),
            graphics: page ? [page] : [],
            texts: shown.flatMap((bullet) => bullet.texts),
          };
        })
      : [];

  const captionFont = fonts.choose(scene.narration, 'regular');
  const style = captionStyle(frame);
  const captions: CaptionDrawing[] = await Promise.all(
    ctx.cues.map(async (cue, k) => {
      const drawn = layoutCaption(cue.lines, style, captionFont.measure, theme);
      return { start: cue.start, end: cue.end, box: drawn.box, texts: await writeLines(drawn.lines, `cue-${k + 1}`, captionFont.file) };
    }),
  );

  const render: RenderScene = { frames, boxes: layout.boxes, graphics, texts: await writeLines(layout.lines, 'line'), steps, captions };
  if (ctx.picture && layout.image) render.picture = { file: ctx.picture.file, rect: layout.image };
  return { render, missingGlyphs: heading.missingGlyphs + body.missingGlyphs + bulletFont.missingGlyphs };
}
