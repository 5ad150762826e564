/**
 * Where everything goes on a scene's frame. Pure: sizes are proportions of the frame's short side, so every
 * quality looks the same and portrait frames get relatively larger text (and more lines) than landscape
 * ones; everything stays inside a safe area with 8% margins. When captions are burned in, a band above the
 * bottom margin is kept free for them.
 *
 * A content scene is a heading over a room shared by its parts: prose (body text, then bullets) and figures
 * (a formula, code, a picture). Landscape and square frames put the picture beside the rest, and wide frames
 * put code beside the prose (bullets explain the code next to it); everything else is stacked in reading
 * order, the figures getting the larger share. Formulas and code are laid out here and drawn to exactly the
 * sizes given (see visuals/).
 */
import { SceneKind } from './scene';
import { ASCENT_EM, DESCENT_EM, FitOptions, ListBlock, MeasureEm, TextBlock, fitList, fitText, listHeight } from './text-layout';
import { Theme } from './theme';
import { CodeRowRef, codeColumns, codeMetrics, codePanelHeight, codeRows, columnsOf } from './visuals/code';

export const SAFE_MARGIN = 0.08;
const PORTRAIT_TEXT_SCALE = 1.12;
/** A formula's em at most this many hundredths of the short side: large, like a slide's key equation… */
const MATH_EM_UNITS = 7.5;
/** …and, before other parts give up room for it, at least this many (a little above body text). */
const MATH_LEAST_EM_UNITS = 4;
/** Code's preferred and least font sizes, in hundredths of the short side. */
const CODE_FONT_UNITS = { preferred: 3.8, minimum: 2.4 };
/** Prose stacked above figures takes at most this share of the room's height (unless the figures are small)… */
const PROSE_SHARE_WITH_FIGURES = 0.36;
/** Code keeps room for this many rows a page, unless the prose needs it at its least sizes (up to a share of the room). */
const MIN_CODE_ROWS = 12;
const MAX_RESERVED_PROSE_SHARE = 0.5;
/** Rows a page of code keeps however crowded its scene. */
const LEAST_CODE_ROWS = 5;
/** Body text and bullet sizes in hundredths of the short side: preferred and least. */
const BODY_UNITS = { preferred: 5.8, minimum: 3 };
const BULLET_UNITS = { preferred: 5, minimum: 2.8 };
const BODY_LINE_HEIGHT = 1.5;
const BULLET_LINE_HEIGHT = 1.3;
const BULLET_INDENT_EM = 1.1;
const BULLET_GAP_EM = 0.45;

export interface TextLine {
  text: string;
  font: 'heading' | 'body' | 'bullet';
  fontSize: number;
  /** Left edge for 'left', centre for 'center'. */
  x: number;
  align: 'left' | 'center';
  baseline: number;
  color: string;
  /** Drop shadow colour, if any. */
  shadow?: string;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
  color: string;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One bullet: its marker and its lines, shown together when the narration reaches it. */
export interface BulletLayout {
  marker: Box;
  lines: TextLine[];
}

/** A code panel: its font size, its columns, and the rows of each page (one page unless the code is long). */
export interface CodeLayout {
  panel: Rect;
  fontSize: number;
  columns: number;
  pages: CodeRowRef[][];
}

export interface SceneLayout {
  /** Text shown for the whole scene. */
  lines: TextLine[];
  boxes: Box[];
  /** Revealed one by one, in order; each keeps its place from the start. */
  bullets: BulletLayout[];
  /** Where the scene's picture goes: its aspect ratio kept, even sizes (yuv420p). */
  image?: Rect;
  /** Where the formula goes, its aspect ratio kept. */
  math?: Rect;
  code?: CodeLayout;
}

/** A formula's natural size in em. */
export interface MathSize {
  widthEm: number;
  heightEm: number;
}

export interface SceneLayoutInput {
  kind: SceneKind;
  heading: string;
  body: string;
  width: number;
  height: number;
  theme: Theme;
  measureHeading: MeasureEm;
  measureBody: MeasureEm;
  /** Share of the content already shown, for the progress bar of content scenes (0–1). */
  progress?: number;
  /** Width / height of the scene's picture, when it has one. */
  imageAspect?: number;
  /** Keep the caption band free: captions are burned into this scene. */
  captions: boolean;
  bullets?: readonly string[];
  measureBullets?: MeasureEm;
  /** The formula's natural size in em, when the scene has one. */
  math?: MathSize;
  /** The code's lines (tabs expanded), when the scene has code. */
  code?: readonly string[];
}

/** Cards are for headings alone: a title or outro with bullets, a formula or code is laid out like content. */
export function layoutScene(input: SceneLayoutInput): SceneLayout {
  const rich = (input.bullets?.length ?? 0) > 0 || input.math !== undefined || input.code !== undefined;
  return input.kind === 'content' || rich ? contentLayout(input) : cardLayout(input);
}

interface Frame {
  left: number;
  top: number;
  width: number;
  /** Bottom edge of the space the layout may use. */
  bottom: number;
  /** 1% of the frame's short side (a little more in portrait, where phones show it small): sizes scale with the quality. */
  unit: number;
  /** Space between the parts of a layout (text, list, figures): 4 units. */
  gap: number;
  portrait: boolean;
}

function safeArea(input: { width: number; height: number }): Frame {
  const left = Math.round(input.width * SAFE_MARGIN);
  const top = Math.round(input.height * SAFE_MARGIN);
  const unit = (Math.min(input.width, input.height) / 100) * (input.height > input.width ? PORTRAIT_TEXT_SCALE : 1);
  return {
    left,
    top,
    width: input.width - 2 * left,
    bottom: input.height - top,
    unit,
    gap: Math.round(4 * unit),
    portrait: input.height > input.width,
  };
}

/** Content: heading top-left, an accent rule, the scene's parts below it, a thin progress bar in the bottom margin. */
function contentLayout(input: SceneLayoutInput): SceneLayout {
  const area = safeArea(input);
  const { unit } = area;
  const { theme } = input;
  const bottom = input.captions ? captionStyle(input).bandTop - Math.round(3 * unit) : area.bottom;
  const heading = fitText(
    input.heading,
    { ...sizes(area.width, unit, 6.2, 4.6, 1.2), maxHeight: (bottom - area.top) * 0.3, maxLines: area.portrait ? 3 : 2 },
    input.measureHeading,
  );
  const rule: Box = {
    x: area.left,
    y: Math.round(area.top + heading.height + 2 * unit),
    width: Math.round(9 * unit),
    height: Math.max(3, Math.round(0.7 * unit)),
    color: theme.accent,
  };
  const top = rule.y + rule.height + Math.round(5 * unit);
  const room: Rect = { x: area.left, y: top, width: area.width, height: bottom - top };
  const parts = placeParts(input, room, area);

  const boxes = [rule];
  if (parts.image) {
    // A thin mat sets the picture off from the background.
    const mat = Math.max(2, Math.round(0.6 * unit));
    const { x, y, width, height } = parts.image;
    boxes.push({ x: x - mat, y: y - mat, width: width + 2 * mat, height: height + 2 * mat, color: theme.track });
  }
  if (input.progress !== undefined) {
    const barHeight = Math.max(2, Math.round(0.5 * unit));
    const y = Math.round(input.height - area.top / 2 - barHeight / 2);
    boxes.push({ x: area.left, y, width: area.width, height: barHeight, color: theme.track });
    const filled = Math.round(area.width * Math.min(1, Math.max(0, input.progress)));
    if (filled > 0) boxes.push({ x: area.left, y, width: filled, height: barHeight, color: theme.accent });
  }
  const layout: SceneLayout = {
    lines: [...place(heading, 'heading', area.left, 'left', area.top, theme.heading, theme.textShadow), ...parts.lines],
    boxes,
    bullets: parts.bullets,
  };
  if (parts.image) layout.image = parts.image;
  if (parts.math) layout.math = parts.math;
  if (parts.code) layout.code = parts.code;
  return layout;
}

/** What a content scene shows besides its prose, with what its layout needs to know of it. */
type Figure =
  | { kind: 'math'; size: MathSize }
  | { kind: 'code'; lines: readonly string[] }
  | { kind: 'picture'; aspect: number };

interface Parts {
  lines: TextLine[];
  bullets: BulletLayout[];
  image?: Rect;
  math?: Rect;
  code?: CodeLayout;
}

/**
 * The parts of a content scene in the room below its heading. A picture goes beside the rest in landscape
 * and square frames (text 54%, picture 42%, as it always has); code goes beside the prose in wide frames
 * (prose 38%, code 58%); the rest is stacked in one column.
 */
function placeParts(input: SceneLayoutInput, room: Rect, area: Frame): Parts {
  const bullets = input.bullets ?? [];
  const hasProse = input.body !== '' || bullets.length > 0;
  const figures: Figure[] = [];
  if (input.math) figures.push({ kind: 'math', size: input.math });
  if (input.code) figures.push({ kind: 'code', lines: input.code });
  if (input.imageAspect !== undefined) figures.push({ kind: 'picture', aspect: input.imageAspect });
  const wide = input.width > input.height * 1.2;
  const picture = figures.find((f) => f.kind === 'picture');
  const code = figures.find((f) => f.kind === 'code');
  let side: Figure | undefined;
  if (picture && !area.portrait && figures.length + (hasProse ? 1 : 0) > 1) side = picture;
  else if (code && wide && hasProse) side = code;
  if (side === undefined) return stack(input, room, area, figures);

  const [mainShare, sideShare] = side.kind === 'picture' ? [0.54, 0.42] : [0.38, 0.58];
  const main: Rect = { ...room, width: Math.round(room.width * mainShare) };
  const sideWidth = Math.round(room.width * sideShare);
  const beside: Rect = { ...room, x: room.x + room.width - sideWidth, width: sideWidth };
  const parts = stack(input, main, area, figures.filter((f) => f !== side));
  if (side.kind === 'picture') parts.image = fitInside(side.aspect, beside);
  else if (side.kind === 'code') parts.code = placeCode(side.lines, beside, area, 0.3);
  return parts;
}

/**
 * Prose then figures in one column. Prose takes what it needs: when figures follow, at most what they leave
 * at their natural sizes (or PROSE_SHARE_WITH_FIGURES of the height if that is more) and never what they
 * need to stay readable, unless the prose needs it at its least sizes. The figures share the rest, none
 * getting more than it can use, and the whole stack sits a little above the middle of the column.
 */
function stack(input: SceneLayoutInput, column: Rect, area: Frame, figures: readonly Figure[]): Parts {
  const { gap } = area;
  const { theme } = input;
  const natural = figures.map((figure) => naturalHeight(figure, column.width, area));
  const least = figures.map((figure, i) => Math.min(natural[i], leastHeight(figure, column.width, area, MIN_CODE_ROWS)));
  const floor = figures.map((figure, i) => Math.min(least[i], leastHeight(figure, column.width, area, LEAST_CODE_ROWS)));
  const figureGaps = gap * figures.length;
  const sum = (heights: readonly number[]): number => heights.reduce((total, h) => total + h, 0);
  let proseCap = figures.length > 0 ? Math.max(Math.round(column.height * PROSE_SHARE_WITH_FIGURES), column.height - figureGaps - sum(natural)) : column.height;
  if (figures.length > 0) {
    proseCap = Math.min(proseCap, column.height - figureGaps - sum(least));
    const reserved = Math.min(proseMinimum(input, area), Math.round(column.height * MAX_RESERVED_PROSE_SHARE), column.height - figureGaps - sum(floor));
    proseCap = Math.max(proseCap, reserved);
  }

  const { text, list } = fitProse(input, column, area, proseCap);
  const prose = proseHeight(text, list, gap);

  const figureRoom = column.height - prose - (prose > 0 ? gap : 0) - gap * Math.max(0, figures.length - 1);
  const heights = shareHeight(figureRoom, natural, least);

  // Figures are drawn at their fitted sizes, which may be smaller than their share.
  const drawn = figures.map((figure, i) => fitFigure(figure, { ...column, height: heights[i] }, area));
  const used = prose + sum(drawn.map((d) => d.rect.height)) + gap * (drawn.length + (prose > 0 ? 1 : 0) - 1);
  let y = column.y + Math.round(Math.max(0, column.height - used) * 0.3);

  const parts: Parts = { lines: place(text, 'body', column.x, 'left', y, theme.body, theme.textShadow), bullets: [] };
  if (text.height > 0) y += text.height + gap;
  parts.bullets = placeList(list, column.x, y, theme);
  if (list.height > 0) y += list.height + gap;
  for (const fitted of drawn) {
    const rect = { ...fitted.rect, y };
    y += rect.height + gap;
    switch (fitted.kind) {
      case 'math':
        parts.math = rect;
        break;
      case 'code':
        parts.code = { ...fitted.code, panel: rect };
        break;
      case 'picture':
        parts.image = rect;
        break;
    }
  }
  return parts;
}

/**
 * The body text above the bullets within `maxHeight`, both shrunk together so that their sizes stay in
 * proportion. When even their least sizes are too large, the bullets come first (shortened with "…" only
 * as far as needed) and the text gets what is left: at least one line, or none when the bullets would
 * otherwise be squeezed below their least size.
 */
function fitProse(input: SceneLayoutInput, column: Rect, area: Frame, maxHeight: number): { text: TextBlock; list: ListBlock } {
  const bullets = input.bullets ?? [];
  const { unit, gap } = area;
  // A narrow column (beside a picture in a square frame) gets a smaller preferred size: about 25 characters a line.
  const preferred = (size: number): number => Math.min(size, column.width / 11 / unit);
  const [textUnits, listUnits] = [preferred(BODY_UNITS.preferred), preferred(BULLET_UNITS.preferred)];
  const fitBody = (body: string, units: number, minimum: number, room: number): TextBlock =>
    fitText(body, { ...sizes(column.width, unit, units, minimum, BODY_LINE_HEIGHT), maxHeight: room }, input.measureBody);
  const fitBullets = (units: number, minimum: number, room: number): ListBlock =>
    fitList(
      bullets,
      { ...sizes(column.width, unit, units, minimum, BULLET_LINE_HEIGHT), maxHeight: room, indentEm: BULLET_INDENT_EM, gapEm: BULLET_GAP_EM },
      input.measureBullets ?? input.measureBody,
    );
  const below = (block: { height: number }): number => (block.height > 0 ? block.height + gap : 0);

  for (let scale = 1; textUnits * scale >= BODY_UNITS.minimum && listUnits * scale >= BULLET_UNITS.minimum; scale *= 0.92) {
    const [t, l] = [textUnits * scale, listUnits * scale];
    const text = fitBody(input.body, t, t, Number.MAX_SAFE_INTEGER);
    const list = fitBullets(l, l, Number.MAX_SAFE_INTEGER);
    if (proseHeight(text, list, gap) <= maxHeight) return { text, list };
  }
  const oneLine = linesHeight(1, BODY_UNITS.minimum * unit, BODY_LINE_HEIGHT);
  const withText = fitBullets(listUnits, BULLET_UNITS.minimum, maxHeight - (input.body ? oneLine + gap : 0));
  // Bullets below their least size, or left out, to make room for a line of text: no text then (the
  // narration and captions still say it).
  const squeezed = withText.items.length < bullets.length || withText.fontSize < Math.floor(BULLET_UNITS.minimum * unit);
  const first = squeezed ? fitBullets(listUnits, BULLET_UNITS.minimum, maxHeight) : withText;
  const textRoom = maxHeight - below(first);
  const text = fitBody(textRoom >= oneLine ? input.body : '', textUnits, BODY_UNITS.minimum, textRoom);
  return { text, list: fitBullets(listUnits, BULLET_UNITS.minimum, maxHeight - below(text)) };
}

function proseHeight(text: TextBlock, list: ListBlock, gap: number): number {
  return text.height + (text.height > 0 && list.height > 0 ? gap : 0) + list.height;
}

/** The least height the prose needs: two lines of text and one line a bullet, at their least sizes. */
function proseMinimum(input: SceneLayoutInput, area: Frame): number {
  const oneLineEach = (input.bullets ?? []).map(() => 1);
  const text = input.body ? linesHeight(2, BODY_UNITS.minimum * area.unit, BODY_LINE_HEIGHT) : 0;
  const list = listHeight(oneLineEach, Math.floor(BULLET_UNITS.minimum * area.unit), { lineHeight: BULLET_LINE_HEIGHT, gapEm: BULLET_GAP_EM });
  return text + list + (text > 0 && list > 0 ? area.gap : 0);
}

/** Height of `lines` lines of text at `fontSize` (as fitText counts it). */
function linesHeight(lines: number, fontSize: number, lineHeight: number): number {
  const size = Math.floor(fontSize);
  return textHeight(lines, size, Math.round(size * lineHeight));
}

type FittedFigure = { kind: 'math' | 'picture'; rect: Rect } | { kind: 'code'; rect: Rect; code: CodeLayout };

/** A figure at the size it takes inside `slot`, centred across it (its y is the slot's). */
function fitFigure(figure: Figure, slot: Rect, area: Frame): FittedFigure {
  switch (figure.kind) {
    case 'math':
      return { kind: 'math', rect: fitMath(figure.size, slot, area) };
    case 'code': {
      const code = placeCode(figure.lines, slot, area, 0);
      return { kind: 'code', rect: code.panel, code };
    }
    case 'picture':
      return { kind: 'picture', rect: { ...fitInside(figure.aspect, slot), y: slot.y } };
  }
}

/** Height a figure would take across `width` with all the height it wants. */
function naturalHeight(figure: Figure, width: number, area: Frame): number {
  const unbounded = { x: 0, y: 0, width, height: Number.MAX_SAFE_INTEGER };
  switch (figure.kind) {
    case 'math':
      return fitMath(figure.size, unbounded, area).height;
    case 'code':
      return fitCode(figure.lines, unbounded, area).height;
    case 'picture':
      return width / figure.aspect;
  }
}

/**
 * Splits `room` between items wanting `wanted` each: each gets its `least` first (all of them cut in proportion
 * when the room is smaller), then the rest is shared evenly, none getting more than it wants.
 */
function shareHeight(room: number, wanted: readonly number[], least: readonly number[]): number[] {
  const leastTotal = least.reduce((sum, h) => sum + h, 0);
  if (room <= leastTotal) return least.map((h) => Math.floor((h * Math.max(0, room)) / (leastTotal || 1)));
  const shares = [...least];
  let left = room - leastTotal;
  const more = wanted.map((w, i) => w - least[i]);
  const order = more.map((_, i) => i).sort((a, b) => more[a] - more[b]);
  order.forEach((i, k) => {
    const extra = Math.floor(Math.min(more[i], left / (order.length - k)));
    shares[i] += extra;
    left -= extra;
  });
  return shares;
}

/**
 * The height below which a figure stops being readable: a formula at MATH_LEAST_EM_UNITS an em, code at its
 * least size showing `codeRowCount` rows (or all of them if fewer), a picture at a third of the column's width.
 */
function leastHeight(figure: Figure, width: number, area: Frame, codeRowCount: number): number {
  switch (figure.kind) {
    case 'math': {
      const { widthEm, heightEm } = figure.size;
      return Math.floor(heightEm * Math.min(MATH_LEAST_EM_UNITS * area.unit, width / widthEm));
    }
    case 'code':
      return minimumCodeHeight(figure.lines, width, area, codeRowCount);
    case 'picture':
      return Math.floor(width / 3 / figure.aspect);
  }
}

/** The formula as large as MATH_EM_UNITS allows, scaled down to fit `slot`, centred in it. */
function fitMath(math: MathSize, slot: Rect, area: Frame): Rect {
  const em = Math.min(MATH_EM_UNITS * area.unit, slot.width / math.widthEm, slot.height / math.heightEm);
  const width = Math.max(1, Math.floor(math.widthEm * em));
  const height = Math.max(1, Math.floor(math.heightEm * em));
  return {
    x: slot.x + Math.floor((slot.width - width) / 2),
    y: slot.y + Math.floor(Math.max(0, slot.height - height) / 2),
    width,
    height,
  };
}

/** The code panel fitted to `slot`, centred across it, placed `align` of the way down its free height (0 top, 0.5 middle). */
function placeCode(lines: readonly string[], slot: Rect, area: Frame, align: number): CodeLayout {
  const { width, height, ...code } = fitCode(lines, slot, area);
  const panel = { x: slot.x + Math.floor((slot.width - width) / 2), y: slot.y + Math.floor((slot.height - height) * align), width, height };
  return { panel, ...code };
}

/** Height of a code panel of `rows` rows (fewer if the code has fewer) at the least font size. */
function minimumCodeHeight(lines: readonly string[], width: number, area: Frame, rows: number): number {
  const metrics = codeMetrics(minimumCodeFontSize(area));
  return codePanelHeight(metrics, Math.min(rows, codeRows(lines, codeColumns(metrics, width)).length));
}

function minimumCodeFontSize(area: Frame): number {
  return Math.max(6, Math.floor(CODE_FONT_UNITS.minimum * area.unit));
}

/** Code panel content no narrower than this many columns, so the title bar (dots, language, page) has room. */
const MIN_CODE_COLUMNS = 22;

/**
 * The largest font size (from CODE_FONT_UNITS.preferred down) at which every line fits unwrapped on one
 * page; failing that, the least size, with long lines wrapped and the rows split into even pages. Only a slot
 * too small for a single row at that size gets smaller text.
 */
function fitCode(
  lines: readonly string[],
  slot: { width: number; height: number },
  area: Frame,
): { width: number; height: number; fontSize: number; columns: number; pages: CodeRowRef[][] } {
  const longest = Math.max(1, ...lines.map(columnsOf));
  const minSize = minimumCodeFontSize(area);
  const rowsPerPage = (size: number): number => {
    const m = codeMetrics(size);
    return Math.floor((slot.height - codePanelHeight(m, 0)) / m.pitch);
  };
  let size = Math.max(minSize, Math.floor(CODE_FONT_UNITS.preferred * area.unit));
  while (size > minSize && (longest > codeColumns(codeMetrics(size), slot.width) || lines.length > rowsPerPage(size))) {
    size = Math.max(minSize, Math.floor(size * 0.92));
  }
  while (size > 4 && (rowsPerPage(size) < 1 || codeColumns(codeMetrics(size), slot.width) < 8)) size--;
  const metrics = codeMetrics(size);
  const columns = codeColumns(metrics, slot.width);
  const rows = codeRows(lines, columns);
  const perPage = Math.max(1, rowsPerPage(size));
  const pageCount = Math.ceil(rows.length / perPage);
  const rowsEach = Math.ceil(rows.length / pageCount);
  const pages = Array.from({ length: pageCount }, (_, k) => rows.slice(k * rowsEach, (k + 1) * rowsEach));
  const shown = Math.max(MIN_CODE_COLUMNS, Math.min(longest, columns));
  return {
    width: Math.min(slot.width, Math.ceil(shown * metrics.advance) + 2 * metrics.padX),
    height: codePanelHeight(metrics, rowsEach),
    fontSize: size,
    columns,
    pages,
  };
}

/** The list's items at (x, y): an accent square beside each item's first line. */
function placeList(list: ListBlock, x: number, y: number, theme: Theme): BulletLayout[] {
  const side = Math.max(2, Math.round(list.fontSize * 0.3));
  return list.items.map((item) => ({
    marker: {
      x: x + Math.round(list.fontSize * 0.12),
      // Centred on the x-height of the first line.
      y: y + item.baselines[0] - Math.round(list.fontSize * 0.27) - Math.round(side / 2),
      width: side,
      height: side,
      color: theme.accent,
    },
    lines: item.lines.map((text, i) => ({
      text,
      font: 'bullet',
      fontSize: list.fontSize,
      x: x + list.indent,
      align: 'left',
      baseline: y + item.baselines[i],
      color: theme.body,
      shadow: theme.textShadow,
    })),
  }));
}

/** The largest rectangle of `aspect` (width / height) inside `box`, centred, with even sizes (yuv420p). */
export function fitInside(aspect: number, box: Rect): Rect {
  const even = (n: number): number => Math.max(2, 2 * Math.floor(n / 2));
  const width = even(Math.min(box.width, box.height * aspect));
  const height = even(Math.min(box.height, width / aspect));
  return {
    x: Math.round(box.x + (box.width - width) / 2),
    y: Math.round(box.y + (box.height - height) / 2),
    width,
    height,
  };
}

/** Title and outro: a large centred heading, an accent rule and an optional subtitle, centred vertically. */
function cardLayout(input: SceneLayoutInput): SceneLayout {
  const area = safeArea(input);
  const { unit } = area;
  const bottom = input.captions ? captionStyle(input).bandTop - Math.round(3 * unit) : area.bottom;
  const height = bottom - area.top;
  const heading = fitText(
    input.heading,
    { ...sizes(area.width, unit, 9.5, 5, 1.15), maxHeight: height * 0.6, maxLines: area.portrait ? 5 : 4 },
    input.measureHeading,
  );
  const subtitle = fitText(
    input.body,
    { ...sizes(area.width, unit, 4.6, 3, 1.35), maxHeight: height * 0.25, maxLines: 3 },
    input.measureBody,
  );
  const { gap } = area;
  const ruleHeight = Math.max(3, Math.round(0.7 * unit));
  const total = heading.height + gap + ruleHeight + (subtitle.height > 0 ? gap + subtitle.height : 0);
  const top = Math.round(area.top + (height - total) / 2);
  const centre = Math.round(input.width / 2);
  const ruleWidth = Math.round(12 * unit);
  const rule: Box = {
    x: centre - Math.round(ruleWidth / 2),
    y: top + heading.height + gap,
    width: ruleWidth,
    height: ruleHeight,
    color: input.theme.accent,
  };
  return {
    lines: [
      ...place(heading, 'heading', centre, 'center', top, input.theme.heading, input.theme.textShadow),
      ...place(subtitle, 'body', centre, 'center', rule.y + ruleHeight + gap, input.theme.muted, input.theme.textShadow),
    ],
    boxes: [rule],
    bullets: [],
  };
}

/** Where burned-in captions go: centred, their box's bottom edge fixed, at most two lines. */
export interface CaptionStyle {
  fontSize: number;
  /** Distance between baselines. */
  pitch: number;
  /** Widest a caption line may be, in pixels. */
  maxWidth: number;
  centre: number;
  /** Bottom edge of the caption box. */
  bottom: number;
  padX: number;
  padY: number;
  /** Top of the band a two-line caption occupies: layouts keep clear of it. */
  bandTop: number;
}

/**
 * Lower third, just above the bottom margin; in portrait frames higher up (82% of the height), clear of the
 * controls that phone apps overlay at the bottom.
 */
export function captionStyle({ width, height }: { width: number; height: number }): CaptionStyle {
  const unit = Math.min(width, height) / 100;
  const fontSize = Math.round(4.4 * unit);
  const pitch = Math.round(fontSize * 1.3);
  const padX = Math.round(fontSize * 0.6);
  const padY = Math.round(fontSize * 0.35);
  const bottom = height > width ? Math.round(height * 0.82) : height - Math.round(height * SAFE_MARGIN);
  const maxWidth = Math.round(width * (height > width ? 0.88 : 0.8)) - 2 * padX;
  const twoLines = textHeight(2, fontSize, pitch) + 2 * padY;
  return { fontSize, pitch, maxWidth, centre: Math.round(width / 2), bottom, padX, padY, bandTop: bottom - twoLines };
}

/** One cue's lines centred above style.bottom on a box fitted to its widest line. */
export function layoutCaption(
  lines: readonly string[],
  style: CaptionStyle,
  measure: MeasureEm,
  theme: Theme,
): { box: Box; lines: TextLine[] } {
  const widest = Math.max(...lines.map((line) => measure(line) * style.fontSize));
  // Even sizes: the box is drawn on a yuv420p canvas of its own.
  const even = (n: number): number => 2 * Math.ceil(n / 2);
  const boxWidth = even(Math.min(Math.round(widest) + 2 * style.padX, style.maxWidth + 2 * style.padX));
  const boxHeight = even(textHeight(lines.length, style.fontSize, style.pitch) + 2 * style.padY);
  const box: Box = {
    x: style.centre - Math.round(boxWidth / 2),
    y: style.bottom - boxHeight,
    width: boxWidth,
    height: boxHeight,
    color: theme.captionBox,
  };
  const firstBaseline = box.y + style.padY + Math.round(ASCENT_EM * style.fontSize);
  return {
    box,
    lines: lines.map((text, i) => ({
      text,
      font: 'body',
      fontSize: style.fontSize,
      x: style.centre,
      align: 'center',
      baseline: firstBaseline + i * style.pitch,
      color: theme.captionText,
    })),
  };
}

function textHeight(lineCount: number, fontSize: number, pitch: number): number {
  return Math.round(ASCENT_EM * fontSize) + (lineCount - 1) * pitch + Math.round(DESCENT_EM * fontSize);
}

/** Text sizes in hundredths of the frame's short side. */
function sizes(
  maxWidth: number,
  unit: number,
  preferred: number,
  minimum: number,
  lineHeight: number,
): Pick<FitOptions, 'maxWidth' | 'fontSize' | 'minFontSize' | 'lineHeight'> {
  return { maxWidth, fontSize: preferred * unit, minFontSize: minimum * unit, lineHeight };
}

function place(
  block: TextBlock,
  font: TextLine['font'],
  x: number,
  align: TextLine['align'],
  top: number,
  color: string,
  shadow: string,
): TextLine[] {
  return block.lines.map((text, i) => ({
    text,
    font,
    fontSize: block.fontSize,
    x,
    align,
    baseline: top + block.baselines[i],
    color,
    shadow,
  }));
}
