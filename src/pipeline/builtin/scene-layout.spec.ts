import { QUALITIES } from '../video-pipeline';
import { ASPECT_RATIOS, frameSize } from './output-format';
import { SceneKind } from './planner';
import { Rect, SAFE_MARGIN, SceneLayout, SceneLayoutInput, captionStyle, fitInside, layoutCaption, layoutScene } from './scene-layout';
import { ASCENT_EM, DESCENT_EM, estimateWidthEm } from './text-layout';
import { PRESET_COLORS, resolveTheme } from './theme';

const LONG = 'An extraordinarily long sentence about the water cycle, with clauses, asides and details, '.repeat(12);
const theme = resolveTheme(PRESET_COLORS.midnight);

function input(overrides: Partial<SceneLayoutInput>): SceneLayoutInput {
  return {
    kind: 'content',
    heading: 'Water',
    body: 'Heat from the sun evaporates water from seas and lakes.',
    width: 1280,
    height: 720,
    theme,
    measureHeading: estimateWidthEm,
    measureBody: estimateWidthEm,
    captions: false,
    ...overrides,
  };
}

/** Rectangle a text line occupies (measured with the same estimate the layout used). */
function lineRect(line: SceneLayout['lines'][number]): Rect {
  const width = estimateWidthEm(line.text) * line.fontSize;
  const x = line.align === 'center' ? line.x - width / 2 : line.x;
  const y = line.baseline - ASCENT_EM * line.fontSize;
  return { x, y, width, height: (ASCENT_EM + DESCENT_EM) * line.fontSize };
}

const overlaps = (a: Rect, b: Rect): boolean =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** Every line lies inside the safe area (and above the caption band when it is kept free); boxes inside the frame. */
function expectWellPlaced(layout: SceneLayout, { width, height, captions }: SceneLayoutInput): void {
  const left = Math.round(width * SAFE_MARGIN);
  const top = Math.round(height * SAFE_MARGIN);
  const bottom = captions ? captionStyle({ width, height }).bandTop : height - top;
  for (const line of layout.lines) {
    const rect = lineRect(line);
    expect(rect.x).toBeGreaterThanOrEqual(left);
    expect(rect.x + rect.width).toBeLessThanOrEqual(width - left);
    expect(rect.y).toBeGreaterThanOrEqual(top - 1);
    expect(rect.y + rect.height).toBeLessThanOrEqual(bottom + 1);
  }
  for (const box of layout.boxes) {
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(width);
    expect(box.y + box.height).toBeLessThanOrEqual(height);
  }
  if (layout.image) {
    const image = layout.image;
    expect(image.x).toBeGreaterThanOrEqual(left);
    expect(image.x + image.width).toBeLessThanOrEqual(width - left);
    expect(image.y + image.height).toBeLessThanOrEqual(bottom);
    for (const line of layout.lines) expect(overlaps(lineRect(line), image)).toBe(false);
  }
}

describe('layoutScene', () => {
  const cases: Array<[string, SceneKind, string, string]> = [
    ['a short title', 'title', 'Photosynthesis', ''],
    ['a long title', 'title', LONG, ''],
    ['a short content', 'content', 'Water (2/5)', 'Heat from the sun evaporates water from seas and lakes.'],
    ['a long content', 'content', LONG, LONG],
    ['a long outro', 'outro', 'Thanks for watching', LONG],
  ];

  for (const quality of QUALITIES) {
    for (const ratio of ASPECT_RATIOS) {
      const { width, height } = frameSize(quality, ratio);
      it.each(cases)(`places %s scene well at ${quality} ${ratio}, with and without captions`, (_label, kind, heading, body) => {
        for (const captions of [false, true]) {
          const scene = input({ kind, heading, body, width, height, captions, progress: kind === 'content' ? 0.4 : undefined });
          const layout = layoutScene(scene);
          expect(layout.lines.length).toBeGreaterThan(0);
          expectWellPlaced(layout, scene);
        }
      });

      it.each([0.5, 1, 16 / 9, 3])(`fits a picture of aspect %p beside or under the text at ${quality} ${ratio}`, (aspect) => {
        for (const body of ['', 'A short body.', LONG]) {
          const scene = input({ width, height, body, imageAspect: aspect, captions: true, progress: 0.5 });
          const layout = layoutScene(scene);
          expect(layout.image).toBeDefined();
          const image = layout.image as Rect;
          expect(image.width % 2).toBe(0);
          expect(image.height % 2).toBe(0);
          expect(Math.abs(image.width / image.height - aspect) / aspect).toBeLessThan(0.05); // no distortion
          expectWellPlaced(layout, scene);
        }
      });
    }
  }

  it('puts the picture beside the text in landscape and square frames, under it in portrait ones', () => {
    const beside = layoutScene(input({ imageAspect: 4 / 3 }));
    const bodyLine = beside.lines[beside.lines.length - 1];
    expect(beside.image?.x).toBeGreaterThan(lineRect(bodyLine).x + lineRect(bodyLine).width);
    const square = layoutScene(input({ width: 720, height: 720, imageAspect: 4 / 3 }));
    expect(square.image?.x).toBeGreaterThan(360);
    const under = layoutScene(input({ width: 720, height: 1280, imageAspect: 4 / 3 }));
    const last = under.lines[under.lines.length - 1];
    expect(under.image?.y).toBeGreaterThan(lineRect(last).y + lineRect(last).height);
  });

  it('sets text relatively larger in portrait frames than in landscape ones', () => {
    const landscape = layoutScene(input({}));
    const portrait = layoutScene(input({ width: 720, height: 1280 }));
    expect(portrait.lines[0].fontSize / 720).toBeGreaterThan(landscape.lines[0].fontSize / 1280);
  });

  it('gives the heading a larger size than the body and places the body below it', () => {
    const [heading, body] = layoutScene(input({ body: 'Short body.' })).lines;
    expect(heading.font).toBe('heading');
    expect(body.font).toBe('body');
    expect(heading.fontSize).toBeGreaterThan(body.fontSize);
    expect(body.baseline).toBeGreaterThan(heading.baseline);
  });

  it('colours text from the theme', () => {
    const daylight = resolveTheme(PRESET_COLORS.daylight);
    const layout = layoutScene(input({ theme: daylight }));
    expect(layout.lines[0]).toMatchObject({ color: daylight.heading, shadow: daylight.textShadow });
    expect(layout.boxes[0].color).toBe(daylight.accent);
  });

  it('draws a progress bar proportional to the content shown', () => {
    const bar = (progress: number): number[] => layoutScene(input({ body: 'Body.', progress })).boxes.map((b) => b.width);
    const [, track, half] = bar(0.5);
    expect(half).toBe(Math.round(track / 2));
  });
});

describe('captions', () => {
  it.each(ASPECT_RATIOS)('sits in the lower part of a %s frame, centred, inside it', (ratio) => {
    const frame = frameSize('medium', ratio);
    const style = captionStyle(frame);
    const { box, lines } = layoutCaption(['A single hive can hold tens', 'of thousands of workers,'], style, estimateWidthEm, theme);
    expect(box.y).toBeGreaterThan(frame.height * 0.6);
    expect(box.y + box.height).toBe(style.bottom);
    expect(box.y).toBeGreaterThanOrEqual(style.bandTop);
    expect(box.x + box.width / 2).toBeCloseTo(frame.width / 2, -1);
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(frame.width);
    for (const line of lines) {
      const rect = lineRect(line);
      expect(rect.x).toBeGreaterThanOrEqual(box.x);
      expect(rect.x + rect.width).toBeLessThanOrEqual(box.x + box.width);
      expect(rect.y).toBeGreaterThanOrEqual(box.y);
      expect(rect.y + rect.height).toBeLessThanOrEqual(box.y + box.height + 1);
      expect(line.color).toBe(theme.captionText);
    }
    expect(box.color).toBe(theme.captionBox);
  });

  it('fits the box to one line when the cue has one', () => {
    const style = captionStyle({ width: 1280, height: 720 });
    const one = layoutCaption(['Short.'], style, estimateWidthEm, theme).box;
    const two = layoutCaption(['Short.', 'Lines.'], style, estimateWidthEm, theme).box;
    expect(one.height).toBeLessThan(two.height);
    expect(one.y + one.height).toBe(two.y + two.height);
  });
});

describe('fitInside', () => {
  it('keeps the aspect ratio, centres, and uses even sizes', () => {
    expect(fitInside(2, { x: 11, y: 20, width: 400, height: 400 })).toEqual({ x: 11, y: 120, width: 400, height: 200 });
    expect(fitInside(0.5, { x: 0, y: 0, width: 401, height: 301 })).toEqual({ x: 126, y: 1, width: 150, height: 300 });
  });
});
