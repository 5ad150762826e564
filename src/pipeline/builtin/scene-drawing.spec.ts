import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pngSize } from '../../../test/support/png';
import { FontLibrary } from './font-set';
import { frameSize } from './output-format';
import { Scene } from './scene';
import { DrawContext, drawScene } from './scene-drawing';
import { PRESET_COLORS, resolveTheme } from './theme';
import { TRANSITION_FRAMES, bulletRevealFrames } from './timeline';

// Real fonts, MathJax and resvg; the files land in a temporary work directory.
describe('drawScene', () => {
  let dir: string;
  let context: DrawContext;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scene-drawing-'));
    const fonts = await FontLibrary.load(undefined, new AbortController().signal);
    context = { frame: frameSize('medium', '16:9'), fonts, theme: resolveTheme(PRESET_COLORS.midnight), workDir: dir, cues: [], progress: 0.5 };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const scene = (overrides: Partial<Scene>): Scene => ({ kind: 'content', title: 'Heading', text: '', narration: '', bullets: [], ...overrides });

  it('bakes a formula into the scene’s still as a PNG of its laid-out size', async () => {
    const { render } = await drawScene(
      { scene: scene({ text: 'The solutions:', math: 'x = \\frac{-b \\pm \\sqrt{b^2-4ac}}{2a}' }), name: 'math', frames: 120, narrationSeconds: 2 },
      context,
    );
    expect(render.steps).toEqual([]);
    expect(render.graphics).toHaveLength(1);
    const [formula] = render.graphics;
    expect(formula.file).toBe(join(dir, 'math-math.png'));
    const { width, height } = pngSize(readFileSync(formula.file));
    expect(formula.x + width / 2).toBeCloseTo(640, -1); // centred
    expect(height).toBeGreaterThan(80); // large: about 7.5% of the short side per em
    expect(render.texts.map((t) => readFileSync(t.file, 'utf8'))).toEqual(['Heading', 'The solutions:']);
  });

  it('reveals bullets as the narration reaches them and turns the pages of long code, one step per change', async () => {
    const bullets = ['Define the function', 'Call it in a loop'];
    const narration = 'First we define the function. Much later, we call it in a loop.';
    const source = Array.from({ length: 40 }, (_, i) => `value_${i} = compute(${i})  # step ${i}`).join('\n');
    const frames = 600;
    const { render } = await drawScene(
      { scene: scene({ bullets, narration, code: { language: 'python', source } }), name: 'code', frames, narrationSeconds: 8 },
      context,
    );
    const pages = [...new Set(render.steps.flatMap((step) => step.graphics.map((g) => g.file)))];
    expect(pages.length).toBeGreaterThan(1);
    expect(pages[0]).toBe(join(dir, 'code-code-1.png'));
    const sizes = pages.map((file) => pngSize(readFileSync(file)));
    expect(new Set(sizes.map((s) => `${s.width}x${s.height}`)).size).toBe(1); // every page the same panel

    const starts = render.steps.map((step) => step.startFrame);
    expect(starts[0]).toBe(0);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    for (const start of starts.slice(1)) {
      expect(start).toBeGreaterThan(TRANSITION_FRAMES);
      expect(start).toBeLessThan(frames - TRANSITION_FRAMES);
    }
    // Each bullet (its marker and text) shows from its reveal frame on, and stays.
    const reveals = bulletRevealFrames(bullets, narration, 8);
    const shownAt = (frame: number): number => [...render.steps].reverse().find((s) => s.startFrame <= frame)?.boxes.length ?? 0;
    expect(shownAt(reveals[0] - 1)).toBe(0);
    expect(shownAt(reveals[0])).toBe(1);
    expect(shownAt(reveals[1])).toBe(2);
    expect(shownAt(frames - 1)).toBe(2);
    for (const step of render.steps) expect(step.texts.length).toBe(step.boxes.length);
    // The pages follow one another: the last step shows the last page.
    expect(render.steps[render.steps.length - 1].graphics[0].file).toBe(pages[pages.length - 1]);
    expect(render.graphics).toEqual([]);
  });

  it('counts characters no font can draw', async () => {
    const { missingGlyphs } = await drawScene(
      { scene: scene({ title: 'Plain', bullets: ['\u{10FFFD} private use'] }), name: 'glyphs', frames: 90, narrationSeconds: 0 },
      context,
    );
    expect(missingGlyphs).toBe(1);
  });
});
