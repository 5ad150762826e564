import { QUALITIES } from '../video-pipeline';
import { ASPECT_RATIOS, frameSize } from './output-format';
import { SceneKind } from './scene';
import { Rect, SAFE_MARGIN, SceneLayout, SceneLayoutInput, captionStyle, fitInside, layoutCaption, layoutScene } from './scene-layout';
import { ASCENT_EM, DESCENT_EM, estimateWidthEm } from './text-layout';
import { PRESET_COLORS, resolveTheme } from './theme';
import { codeColumns, codeMetrics, codePanelHeight, columnsOf } from './visuals/code';

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

describe('layoutScene with bullets, formulas and code', () => {
  const longBullets = Array.from({ length: 6 }, (_, i) => `Point ${i + 1}: ${LONG.slice(0, 128)}`);
  const code = Array.from({ length: 40 }, (_, i) =>
    i % 7 === 3 ? `    result_${i} = compute(alpha, beta, gamma) + transform(delta, epsilon) * scale_factor_${i} - offset` : `    x${i} = f(x${i - 1})`,
  );
  const wideFormula = { widthEm: 48, heightEm: 2.6 };
  const tallFormula = { widthEm: 7, heightEm: 14 };
  const variants: Array<[string, Partial<SceneLayoutInput>]> = [
    ['text above a long formula', { body: LONG.slice(0, 300), math: wideFormula }],
    ['a tall formula alone', { body: '', math: tallFormula }],
    ['six long bullets beside 40 lines of code', { body: '', bullets: longBullets, code }],
    ['six long bullets alone', { body: '', bullets: longBullets }],
    ['everything at once', { body: LONG.slice(0, 600), bullets: longBullets, math: wideFormula, code }],
  ];

  /** Every part inside the safe area (above the caption band when kept free), none overlapping another. */
  function expectReadable(layout: SceneLayout, scene: SceneLayoutInput): void {
    expectWellPlaced(layout, scene);
    const { width, height, captions } = scene;
    const left = Math.round(width * SAFE_MARGIN);
    const top = Math.round(height * SAFE_MARGIN);
    const bottom = captions ? captionStyle({ width, height }).bandTop : height - top;
    const inside = (rect: Rect): void => {
      expect(rect.x).toBeGreaterThanOrEqual(left);
      expect(rect.x + rect.width).toBeLessThanOrEqual(width - left);
      expect(rect.y).toBeGreaterThanOrEqual(top);
      expect(rect.y + rect.height).toBeLessThanOrEqual(bottom);
      expect(rect.width).toBeGreaterThan(0);
      expect(rect.height).toBeGreaterThan(0);
    };
    const bulletLines = layout.bullets.flatMap((bullet) => bullet.lines);
    for (const line of bulletLines) inside(lineRect(line));
    for (const bullet of layout.bullets) inside(bullet.marker);
    const figures = [layout.math, layout.code?.panel, layout.image].filter((rect): rect is Rect => rect !== undefined);
    figures.forEach(inside);
    const texts = [...layout.lines, ...bulletLines].map(lineRect);
    for (const [i, figure] of figures.entries()) {
      for (const text of texts) expect(overlaps(text, figure)).toBe(false);
      for (const other of figures.slice(i + 1)) expect(overlaps(figure, other)).toBe(false);
    }
    // Consecutive lines' estimated boxes may touch by a fraction of a pixel (1.3 em tall at a 1.3 pitch, rounded).
    const inset = (rect: Rect): Rect => ({ x: rect.x, y: rect.y + 0.5, width: rect.width, height: rect.height - 1 });
    for (const [i, text] of texts.entries()) {
      for (const other of texts.slice(i + 1)) expect(overlaps(inset(text), inset(other))).toBe(false);
    }
  }

  for (const quality of QUALITIES) {
    for (const ratio of ASPECT_RATIOS) {
      const { width, height } = frameSize(quality, ratio);
      it.each(variants)(`places %s inside the safe area at ${quality} ${ratio}, with and without a picture and captions`, (label, parts) => {
        for (const captions of [false, true]) {
          for (const imageAspect of [undefined, 4 / 3]) {
            const scene = input({ ...parts, width, height, captions, imageAspect, progress: 0.5 });
            const layout = layoutScene(scene);
            expectReadable(layout, scene);
            // Only a scene crowded beyond reason (600 characters of text, six long bullets, a wide formula and
            // 40 lines of code beside a picture above captions) may leave its last bullet out.
            const bullets = parts.bullets?.length ?? 0;
            expect(layout.bullets.length).toBeGreaterThanOrEqual(label === 'everything at once' ? bullets - 2 : bullets);
            expect(layout.math !== undefined).toBe(parts.math !== undefined);
            expect(layout.code !== undefined).toBe(parts.code !== undefined);
            if (layout.math && parts.math) {
              const aspect = parts.math.widthEm / parts.math.heightEm;
              expect(Math.abs(layout.math.width / layout.math.height - aspect) / aspect).toBeLessThan(0.1);
            }
            if (layout.code) {
              // Every page fits its panel; the rows cover the source in order, each within the columns.
              const metrics = codeMetrics(layout.code.fontSize);
              expect(layout.code.fontSize).toBeGreaterThanOrEqual(Math.floor(Math.min(width, height) * 0.024));
              expect(codeColumns(metrics, layout.code.panel.width)).toBeLessThanOrEqual(layout.code.columns);
              const rowsEach = Math.max(...layout.code.pages.map((page) => page.length));
              expect(layout.code.panel.height).toBe(codePanelHeight(metrics, rowsEach));
              const rows = layout.code.pages.flat();
              expect(rows.map((row) => row.line)).toEqual([...rows.map((row) => row.line)].sort((a, b) => a - b));
              expect(new Set(rows.map((row) => row.line)).size).toBe(code.length);
              for (const row of rows) {
                expect(row.indent + columnsOf(Array.from(code[row.line]).slice(row.start, row.end).join(''))).toBeLessThanOrEqual(
                  layout.code.columns,
                );
              }
            }
          }
        }
      });
    }
  }

  it('sets a short formula large, and scales a wide one down to the width it has', () => {
    const short = layoutScene(input({ body: '', math: { widthEm: 4, heightEm: 1.2 } })).math as Rect;
    expect(Math.abs(short.height / 1.2 - 7.5 * 7.2)).toBeLessThan(1); // 7.5% of the short side per em
    expect(short.x + short.width / 2).toBeCloseTo(640, -1); // centred
    const wide = layoutScene(input({ body: '', math: { widthEm: 60, heightEm: 2 } })).math as Rect;
    expect(wide.width).toBeLessThanOrEqual(1280 - 2 * Math.round(1280 * SAFE_MARGIN));
    expect(wide.width).toBeGreaterThan(1000);
  });

  it('puts text above a formula, and bullets beside code in landscape frames but above it in portrait and square ones', () => {
    const math = layoutScene(input({ body: 'Every quadratic equation has two solutions:', math: { widthEm: 8, heightEm: 2.5 } }));
    const lastLine = lineRect(math.lines[math.lines.length - 1]);
    expect(math.math?.y).toBeGreaterThan(lastLine.y + lastLine.height);

    const bullets = ['Compare every pair', 'Keep the smallest'];
    const landscape = layoutScene(input({ body: '', bullets, code: ['def f(x):', '    return x * x'] }));
    const firstBullet = lineRect(landscape.bullets[0].lines[0]);
    expect(landscape.code?.panel.x).toBeGreaterThan(firstBullet.x + firstBullet.width);
    for (const [width, height] of [
      [720, 1280],
      [720, 720],
    ]) {
      const stacked = layoutScene(input({ width, height, body: '', bullets, code: ['def f(x):', '    return x * x'] }));
      const lastBullet = stacked.bullets[stacked.bullets.length - 1].lines;
      const rect = lineRect(lastBullet[lastBullet.length - 1]);
      expect(stacked.code?.panel.y).toBeGreaterThan(rect.y + rect.height);
    }
  });

  it('marks each bullet with an accent square beside its first line, in reading order', () => {
    const layout = layoutScene(input({ body: '', bullets: ['One', 'Two', 'Three'] }));
    expect(layout.bullets.map((b) => b.lines[0].text)).toEqual(['One', 'Two', 'Three']);
    for (const bullet of layout.bullets) {
      expect(bullet.marker.color).toBe(theme.accent);
      expect(bullet.marker.x + bullet.marker.width).toBeLessThan(bullet.lines[0].x);
      expect(bullet.marker.y).toBeLessThan(bullet.lines[0].baseline);
      expect(bullet.marker.y).toBeGreaterThan(bullet.lines[0].baseline - bullet.lines[0].fontSize);
      expect(bullet.lines[0].font).toBe('bullet');
    }
    expect(layout.bullets[1].lines[0].baseline).toBeGreaterThan(layout.bullets[0].lines[0].baseline);
  });

  it('shows short code on one page, unwrapped, and long code on several pages of the least size', () => {
    const short = layoutScene(input({ body: '', code: ['def square(x):', '    return x * x'] })).code;
    expect(short?.pages).toEqual([
      [
        { line: 0, start: 0, end: 14, indent: 0 },
        { line: 1, start: 0, end: 16, indent: 0 },
      ],
    ]);
    const long = layoutScene(input({ body: '', code: Array.from({ length: 40 }, (_, i) => `line_${i} = ${i}`) })).code;
    expect(long?.pages.length).toBeGreaterThan(1);
    expect(long?.fontSize).toBe(Math.floor(720 * 0.024));
  });

  it('lays out a title card with bullets like a content scene', () => {
    const card = layoutScene(input({ kind: 'title', body: '', bullets: ['One', 'Two'] }));
    expect(card.bullets).toHaveLength(2);
    expect(card.lines[0].align).toBe('left');
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
