import { QUALITY_RESOLUTION } from '../video-pipeline';
import { SAFE_MARGIN, SceneLayout, layoutScene } from './scene-layout';
import { ASCENT_EM, DESCENT_EM, estimateWidthEm } from './text-layout';
import { SceneKind } from './planner';

const LONG = 'An extraordinarily long sentence about the water cycle, with clauses, asides and details, '.repeat(12);

/** Every line (measured with the same estimate the layout used) and every box lies inside the frame's safe area. */
function expectInsideSafeArea(layout: SceneLayout, width: number, height: number): void {
  const left = Math.round(width * SAFE_MARGIN);
  const top = Math.round(height * SAFE_MARGIN);
  for (const line of layout.lines) {
    const lineWidth = estimateWidthEm(line.text) * line.fontSize;
    const x0 = line.align === 'center' ? line.x - lineWidth / 2 : line.x;
    expect(x0).toBeGreaterThanOrEqual(left);
    expect(x0 + lineWidth).toBeLessThanOrEqual(width - left);
    expect(line.baseline - ASCENT_EM * line.fontSize).toBeGreaterThanOrEqual(top - 1);
    expect(line.baseline + DESCENT_EM * line.fontSize).toBeLessThanOrEqual(height - top + 1);
  }
  for (const box of layout.boxes) {
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(width);
    expect(box.y + box.height).toBeLessThanOrEqual(height);
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

  for (const [quality, { width, height }] of Object.entries(QUALITY_RESOLUTION)) {
    it.each(cases)(`keeps %s scene inside the safe area at ${quality} quality`, (_label, kind, heading, body) => {
      const layout = layoutScene({
        kind,
        heading,
        body,
        width,
        height,
        measureHeading: estimateWidthEm,
        measureBody: estimateWidthEm,
        progress: kind === 'content' ? 0.4 : undefined,
      });
      expect(layout.lines.length).toBeGreaterThan(0);
      expectInsideSafeArea(layout, width, height);
    });
  }

  it('gives the heading a larger size than the body and places the body below it', () => {
    const layout = layoutScene({
      kind: 'content',
      heading: 'Water',
      body: 'Short body.',
      width: 1280,
      height: 720,
      measureHeading: estimateWidthEm,
      measureBody: estimateWidthEm,
    });
    const [heading, body] = layout.lines;
    expect(heading.font).toBe('heading');
    expect(body.font).toBe('body');
    expect(heading.fontSize).toBeGreaterThan(body.fontSize);
    expect(body.baseline).toBeGreaterThan(heading.baseline);
  });

  it('draws a progress bar proportional to the content shown', () => {
    const bar = (progress: number): number[] =>
      layoutScene({
        kind: 'content',
        heading: 'Water',
        body: 'Body.',
        width: 1280,
        height: 720,
        measureHeading: estimateWidthEm,
        measureBody: estimateWidthEm,
        progress,
      }).boxes.map((b) => b.width);
    const [, track, half] = bar(0.5);
    expect(half).toBe(Math.round(track / 2));
  });
});
