/**
 * Where everything goes on a scene's frame. Pure: sizes are proportions of the frame height so every
 * quality looks the same, and all text stays inside a safe area with 8% margins.
 */
import { SceneKind } from './planner';
import { FitOptions, MeasureEm, TextBlock, fitText } from './text-layout';

export const SAFE_MARGIN = 0.08;

/** Colours as ffmpeg colour strings. */
export const THEME = {
  backgroundFrom: '0x0b1120',
  backgroundTo: '0x1e1b4b',
  heading: '0xf8fafc',
  body: '0xe2e8f0',
  muted: '0x94a3b8',
  accent: '0x38bdf8',
  track: '0xffffff@0.12',
};

export interface TextLine {
  text: string;
  font: 'heading' | 'body';
  fontSize: number;
  /** Left edge for 'left', centre for 'center'. */
  x: number;
  align: 'left' | 'center';
  baseline: number;
  color: string;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
  color: string;
}

export interface SceneLayout {
  lines: TextLine[];
  boxes: Box[];
}

export interface SceneLayoutInput {
  kind: SceneKind;
  heading: string;
  body: string;
  width: number;
  height: number;
  measureHeading: MeasureEm;
  measureBody: MeasureEm;
  /** Share of the content already shown, for the progress bar of content scenes (0–1). */
  progress?: number;
}

export function layoutScene(input: SceneLayoutInput): SceneLayout {
  return input.kind === 'content' ? contentLayout(input) : cardLayout(input);
}

interface Frame {
  left: number;
  top: number;
  width: number;
  height: number;
  /** 1% of the frame height: sizes scale with the quality. */
  unit: number;
}

function safeArea(input: SceneLayoutInput): Frame {
  const left = Math.round(input.width * SAFE_MARGIN);
  const top = Math.round(input.height * SAFE_MARGIN);
  return { left, top, width: input.width - 2 * left, height: input.height - 2 * top, unit: input.height / 100 };
}

/** Content: heading top-left, an accent rule, the body below it, a thin progress bar in the bottom margin. */
function contentLayout(input: SceneLayoutInput): SceneLayout {
  const area = safeArea(input);
  const { unit } = area;
  const heading = fitText(
    input.heading,
    { ...sizes(area, 6.2, 4.6, 1.2), maxHeight: area.height * 0.3, maxLines: 2 },
    input.measureHeading,
  );
  const rule: Box = {
    x: area.left,
    y: Math.round(area.top + heading.height + 2 * unit),
    width: Math.round(9 * unit),
    height: Math.max(3, Math.round(0.7 * unit)),
    color: THEME.accent,
  };
  const bodyArea = { top: rule.y + rule.height + Math.round(5 * unit), bottom: area.top + area.height };
  const body = fitText(
    input.body,
    { ...sizes(area, 5.8, 3, 1.5), maxHeight: bodyArea.bottom - bodyArea.top },
    input.measureBody,
  );
  // Short bodies sit a little above the middle of the free space rather than hugging the heading.
  const bodyTop = bodyArea.top + Math.round(Math.max(0, bodyArea.bottom - bodyArea.top - body.height) * 0.3);

  const boxes = [rule];
  if (input.progress !== undefined) {
    const barHeight = Math.max(2, Math.round(0.5 * unit));
    const y = Math.round(input.height - area.top / 2 - barHeight / 2);
    boxes.push({ x: area.left, y, width: area.width, height: barHeight, color: THEME.track });
    const filled = Math.round(area.width * Math.min(1, Math.max(0, input.progress)));
    if (filled > 0) boxes.push({ x: area.left, y, width: filled, height: barHeight, color: THEME.accent });
  }
  return {
    lines: [
      ...place(heading, 'heading', area.left, 'left', area.top, THEME.heading),
      ...place(body, 'body', area.left, 'left', bodyTop, THEME.body),
    ],
    boxes,
  };
}

/** Title and outro: a large centred heading, an accent rule and an optional subtitle, centred vertically. */
function cardLayout(input: SceneLayoutInput): SceneLayout {
  const area = safeArea(input);
  const { unit } = area;
  const heading = fitText(
    input.heading,
    { ...sizes(area, 9.5, 5, 1.15), maxHeight: area.height * 0.6, maxLines: 4 },
    input.measureHeading,
  );
  const subtitle = fitText(
    input.body,
    { ...sizes(area, 4.6, 3, 1.35), maxHeight: area.height * 0.25, maxLines: 3 },
    input.measureBody,
  );
  const gap = Math.round(4 * unit);
  const ruleHeight = Math.max(3, Math.round(0.7 * unit));
  const total = heading.height + gap + ruleHeight + (subtitle.height > 0 ? gap + subtitle.height : 0);
  const top = Math.round(area.top + (area.height - total) / 2);
  const centre = Math.round(input.width / 2);
  const ruleWidth = Math.round(12 * unit);
  const rule: Box = {
    x: centre - Math.round(ruleWidth / 2),
    y: top + heading.height + gap,
    width: ruleWidth,
    height: ruleHeight,
    color: THEME.accent,
  };
  return {
    lines: [
      ...place(heading, 'heading', centre, 'center', top, THEME.heading),
      ...place(subtitle, 'body', centre, 'center', rule.y + ruleHeight + gap, THEME.muted),
    ],
    boxes: [rule],
  };
}

/** Full-width text sizes, in hundredths of the frame height. */
function sizes(
  area: Frame,
  preferred: number,
  minimum: number,
  lineHeight: number,
): Pick<FitOptions, 'maxWidth' | 'fontSize' | 'minFontSize' | 'lineHeight'> {
  return { maxWidth: area.width, fontSize: preferred * area.unit, minFontSize: minimum * area.unit, lineHeight };
}

function place(
  block: TextBlock,
  font: TextLine['font'],
  x: number,
  align: TextLine['align'],
  top: number,
  color: string,
): TextLine[] {
  return block.lines.map((text, i) => ({
    text,
    font,
    fontSize: block.fontSize,
    x,
    align,
    baseline: top + block.baselines[i],
    color,
  }));
}
