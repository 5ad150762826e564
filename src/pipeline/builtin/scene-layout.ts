/**
 * Where everything goes on a scene's frame. Pure: sizes are proportions of the frame's short side, so every
 * quality looks the same and portrait frames get relatively larger text (and more lines) than landscape
 * ones; all text stays inside a safe area with 8% margins. When captions are burned in, a band above the
 * bottom margin is kept free for them.
 */
import { SceneKind } from './planner';
import { ASCENT_EM, DESCENT_EM, FitOptions, MeasureEm, TextBlock, fitText } from './text-layout';
import { Theme } from './theme';

export const SAFE_MARGIN = 0.08;
const PORTRAIT_TEXT_SCALE = 1.12;

export interface TextLine {
  text: string;
  font: 'heading' | 'body';
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

export interface SceneLayout {
  lines: TextLine[];
  boxes: Box[];
  /** Where the scene's picture goes: its aspect ratio kept, even sizes (yuv420p). */
  image?: Rect;
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
}

export function layoutScene(input: SceneLayoutInput): SceneLayout {
  return input.kind === 'content' ? contentLayout(input) : cardLayout(input);
}

interface Frame {
  left: number;
  top: number;
  width: number;
  /** Bottom edge of the space the layout may use. */
  bottom: number;
  /** 1% of the frame's short side (a little more in portrait, where phones show it small): sizes scale with the quality. */
  unit: number;
  portrait: boolean;
}

function safeArea(input: { width: number; height: number }): Frame {
  const left = Math.round(input.width * SAFE_MARGIN);
  const top = Math.round(input.height * SAFE_MARGIN);
  return {
    left,
    top,
    width: input.width - 2 * left,
    bottom: input.height - top,
    unit: (Math.min(input.width, input.height) / 100) * (input.height > input.width ? PORTRAIT_TEXT_SCALE : 1),
    portrait: input.height > input.width,
  };
}

/** Content: heading top-left, an accent rule, the body (and picture) below it, a thin progress bar in the bottom margin. */
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
  const { body, bodyTop, image } = placeBodyAndImage(input, room, area);

  const boxes = [rule];
  if (image) {
    // A thin mat sets the picture off from the background.
    const mat = Math.max(2, Math.round(0.6 * unit));
    boxes.push({ x: image.x - mat, y: image.y - mat, width: image.width + 2 * mat, height: image.height + 2 * mat, color: theme.track });
  }
  if (input.progress !== undefined) {
    const barHeight = Math.max(2, Math.round(0.5 * unit));
    const y = Math.round(input.height - area.top / 2 - barHeight / 2);
    boxes.push({ x: area.left, y, width: area.width, height: barHeight, color: theme.track });
    const filled = Math.round(area.width * Math.min(1, Math.max(0, input.progress)));
    if (filled > 0) boxes.push({ x: area.left, y, width: filled, height: barHeight, color: theme.accent });
  }
  const layout: SceneLayout = {
    lines: [
      ...place(heading, 'heading', area.left, 'left', area.top, theme.heading, theme.textShadow),
      ...place(body, 'body', area.left, 'left', bodyTop, theme.body, theme.textShadow),
    ],
    boxes,
  };
  if (image) layout.image = image;
  return layout;
}

/**
 * The body text and the picture share the room below the heading: side by side in landscape and square
 * frames (text 54%, picture 42%), stacked in portrait ones (text first, the picture in the space left).
 */
function placeBodyAndImage(
  input: SceneLayoutInput,
  room: Rect,
  area: Frame,
): { body: TextBlock; bodyTop: number; image?: Rect } {
  const { unit } = area;
  // A narrow column (beside a picture in a square frame) gets a smaller preferred size: about 25 characters a line.
  const fitBody = (width: number, maxHeight: number): TextBlock =>
    fitText(
      input.body,
      { ...sizes(width, unit, Math.min(5.8, width / 11 / unit), 3, 1.5), maxHeight },
      input.measureBody,
    );
  // Short bodies sit a little above the middle of the free space rather than hugging the heading.
  const settle = (block: TextBlock, space: number): number => room.y + Math.round(Math.max(0, space - block.height) * 0.3);

  if (input.imageAspect === undefined) {
    const body = fitBody(room.width, room.height);
    return { body, bodyTop: settle(body, room.height) };
  }
  if (!input.body) {
    return { body: fitBody(room.width, 0), bodyTop: room.y, image: fitInside(input.imageAspect, room) };
  }
  if (area.portrait) {
    const body = fitBody(room.width, room.height * 0.5);
    const gap = Math.round(4 * unit);
    const below: Rect = { x: room.x, y: room.y + body.height + gap, width: room.width, height: room.height - body.height - gap };
    return { body, bodyTop: room.y, image: fitInside(input.imageAspect, below) };
  }
  const textWidth = Math.round(room.width * 0.54);
  const pictureWidth = Math.round(room.width * 0.42);
  const body = fitBody(textWidth, room.height);
  const beside: Rect = { x: room.x + room.width - pictureWidth, y: room.y, width: pictureWidth, height: room.height };
  return { body, bodyTop: settle(body, room.height), image: fitInside(input.imageAspect, beside) };
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
  const gap = Math.round(4 * unit);
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
