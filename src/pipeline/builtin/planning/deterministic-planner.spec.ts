import { sampleProse } from '../../../../test/support/sample-prose';
import { PipelineAbortedError } from '../../video-pipeline';
import { Passage, SceneSpec } from '../scene';
import { CHUNK_LIMITS } from './chunk-text';
import {
  DeterministicPlanner,
  FRAME_FROM_SCENES,
  OVERVIEW_TITLE,
  PASSAGE_BUDGET_CHARS,
  RECAP_TITLE,
  planFromContext,
} from './deterministic-planner';
import { defaultNarration } from './planner';
import { SCENE_LIMITS, checkPlan } from './scene-rules';

/** The content scenes without the overview and the recap. */
const body = (scenes: SceneSpec[]): SceneSpec[] => scenes.filter((s) => s.title !== OVERVIEW_TITLE && s.title !== RECAP_TITLE);
const plan = (context: string, passages: Passage[] = []): SceneSpec[] => planFromContext('Triangles', context, passages);

const RICH = [
  'The Pythagorean theorem relates the three sides of a right triangle.',
  'If the legs are $a$ and $b$, then $a^2 + b^2 = c^2$ always holds for the hypotenuse $c$.',
  '',
  'In symbols it reads:',
  '$$a^2 + b^2 = c^2$$',
  '',
  'There are three classic uses:',
  '- Finding a missing side',
  '* Checking that a corner is square',
  '- Measuring a distance $d = \\sqrt{x^2 + y^2}$ on a grid',
  '',
  'Here is how to compute the hypotenuse:',
  '```python',
  'import math',
  '',
  'def hypotenuse(a, b):',
  '    return math.sqrt(a * a + b * b)',
  '```',
  'A ruler costs $5 and a set square $10 at the shop.',
].join('\n');

describe('planFromContext', () => {
  describe('markup', () => {
    const scenes = body(plan(RICH));

    it('keeps the reading order: prose, formula, list, code, prose', () => {
      expect(scenes.map((s) => (s.math && !s.text ? 'math' : s.code ? 'code' : s.bullets ? 'list' : 'prose'))).toEqual([
        'prose',
        'math',
        'list',
        'code',
        'prose',
      ]);
    });

    it('reads inline math aloud inside its sentence and shows it typeset, leaving lone letters unset', () => {
      expect(scenes[0].text).toBe(
        'The Pythagorean theorem relates the three sides of a right triangle. If the legs are a and b, then a squared plus b squared equals c squared always holds for the hypotenuse c.',
      );
      expect(scenes[0].narration ?? scenes[0].text).toBe(scenes[0].text);
      expect(scenes[0].math).toBe('a^2 + b^2 = c^2');
    });

    it('gives display math a scene of its own, titled and introduced by its lead-in sentence', () => {
      expect(scenes[1]).toEqual({
        title: 'In symbols it reads',
        math: 'a^2 + b^2 = c^2',
        narration: 'In symbols it reads: a squared plus b squared equals c squared.',
      });
      // The lead-in moved to the formula's scene: it is not said twice.
      expect(scenes[0].text).not.toContain('In symbols');
    });

    it('turns a -/* list into bullets, with inline math read in words', () => {
      expect(scenes[2]).toEqual({
        title: 'There are three classic uses',
        bullets: [
          'Finding a missing side',
          'Checking that a corner is square',
          'Measuring a distance d equals the square root of x squared plus y squared on a grid',
        ],
        narration:
          'There are three classic uses. Finding a missing side. Checking that a corner is square. Measuring a distance d equals the square root of x squared plus y squared on a grid.',
      });
    });

    it('turns a fenced block into a code scene with its language', () => {
      expect(scenes[3]).toEqual({
        title: 'Here is how to compute the hypotenuse',
        narration: 'Here is how to compute the hypotenuse.',
        code: { language: 'python', source: 'import math\n\ndef hypotenuse(a, b):\n    return math.sqrt(a * a + b * b)' },
      });
    });

    it('leaves prices and escaped dollars alone', () => {
      expect(scenes[4]).toEqual({ title: 'A ruler costs $5 and a set…', text: 'A ruler costs $5 and a set square $10 at the shop.' });
      expect(body(plan('Both \\$x$ and \\$y$ are prices.'))[0].text).toBe('Both $x$ and $y$ are prices.');
    });

    it('reads numbered lists, names a code block without language "Example", and titles by Markdown headings', () => {
      const scenes = body(plan('# Steps\n1. Measure the legs\n2. Square them\n3) Add and take the root\n\n```\nsteps()\n```\n\n## Why\nBecause it works.'));
      expect(scenes).toEqual([
        { title: 'Steps', bullets: ['Measure the legs', 'Square them', 'Add and take the root'] },
        { title: 'Example', narration: 'Here is the code.', code: { language: 'text', source: 'steps()' } },
        { title: 'Why', text: 'Because it works.' },
      ]);
    });

    it('joins a list item with its indented continuation lines and keeps a loose list whole', () => {
      const [scene] = body(plan('- first item\n  goes on here\n\n- second item'));
      expect(scene.bullets).toEqual(['first item goes on here', 'second item']);
    });

    it('shows bad TeX as plain text instead of failing', () => {
      const [scene] = body(plan('Broken: $\\frac{1$ here.\n\n$$\\frac{a$$'));
      expect(scene.math).toBeUndefined();
      expect(scene.text).toContain('\\frac{1');
      expect(checkPlan({ scenes: plan('Broken: $\\frac{1$ here.\n\n$$\\frac{a$$') }, { allowImages: false }).problems).toEqual([]);
    });

    it('splits long lists into even groups of at most 6 bullets and long code into parts of at most 40 lines', () => {
      const list = Array.from({ length: 8 }, (_, i) => `- item ${i + 1}`).join('\n');
      const lists = body(plan(`Eight items:\n${list}`));
      expect(lists.map((s) => s.bullets?.length)).toEqual([4, 4]);
      expect(lists.map((s) => s.title)).toEqual(['Eight items', 'Eight items (continued)']);

      const code = Array.from({ length: 90 }, (_, i) => `print(${i})`).join('\n');
      const parts = body(plan(`\`\`\`py\n${code}\n\`\`\``));
      expect(parts.map((s) => s.code?.source.split('\n').length)).toEqual([30, 30, 30]);
      expect(parts.map((s) => s.title)).toEqual(['Example in Python', 'Example in Python (continued)', 'Example in Python (continued)']);
      expect(parts.flatMap((s) => s.code?.source.split('\n'))).toEqual(code.split('\n'));
    });
  });

  describe('prose', () => {
    it('keeps the scenes of a 2,000-character context to 5–12 s of speech each, losing no word', () => {
      const text = sampleProse(2000);
      const scenes = body(plan(text));
      expect(scenes.length).toBeGreaterThanOrEqual(2000 / CHUNK_LIMITS.max);
      for (const scene of scenes) {
        // espeak-ng at its default 165 words a minute speaks about 15 characters a second.
        expect(defaultNarration(scene).length / 15).toBeGreaterThanOrEqual(5);
        expect(defaultNarration(scene).length / 15).toBeLessThanOrEqual(12);
        expect(scene.text?.length).toBeLessThanOrEqual(SCENE_LIMITS.textChars);
      }
      expect(scenes.map((s) => s.text).join(' ')).toBe(text);
    });

    it('titles each chunk by its first clause, cut to a few words when long', () => {
      const titles = body(plan(sampleProse(2000))).map((s) => s.title);
      expect(titles[0]).toBe('The water cycle describes how water moves…');
      // Not "… water from…".
      expect(titles).toContain('Heat from the sun evaporates water…');
      for (const title of titles) expect(title.split(' ').length).toBeLessThanOrEqual(8);
    });

    it('is one untitled-free scene for a short context, with no overview or recap', () => {
      expect(plan('Photosynthesis turns light into chemical energy. Plants use it to grow.')).toEqual([
        { title: 'Photosynthesis turns light into chemical energy', text: 'Photosynthesis turns light into chemical energy. Plants use it to grow.' },
      ]);
    });

    it('plans nothing from an empty context', () => {
      expect(plan('  \n ')).toEqual([]);
    });
  });

  describe('overview and recap', () => {
    it(`frame plans of ${FRAME_FROM_SCENES} or more content scenes`, () => {
      const scenes = plan(RICH);
      const content = body(scenes);
      expect(scenes[0]).toEqual({
        title: OVERVIEW_TITLE,
        bullets: content.map((s) => s.title),
        // Headings cut short on screen are read whole.
        narration:
          'Here is what we will cover. The Pythagorean theorem relates the three sides of a right triangle. In symbols it reads. ' +
          'There are three classic uses. Here is how to compute the hypotenuse. A ruler costs $5 and a set square $10 at the shop.',
      });
      const recap = scenes[scenes.length - 1];
      expect(recap.title).toBe(RECAP_TITLE);
      expect(recap.bullets).toEqual([
        'The Pythagorean theorem relates the three sides of a right triangle',
        'A squared plus b squared equals c squared',
        'There are three classic uses',
        'Here is how to compute the hypotenuse',
        'A ruler costs $5 and a set square $10 at the shop',
      ]);
      expect(recap.narration).toMatch(/^To sum up\. The Pythagorean theorem/u);
    });

    it('read a heading shortened with an ellipsis as its whole clause', () => {
      const long = 'We see the bow when the sun is behind us and the rain is in front.';
      const scenes = plan(`Light bends in a drop. It reflects inside.\n\n- one\n- two\n\n${long}`);
      expect(scenes[0].bullets).toContain('We see the bow when the sun…');
      expect(scenes[0].narration).toContain(long);
      expect(scenes[0].narration).not.toContain('sun.');
    });

    it('keep to 6 bullets spread over the whole video', () => {
      const scenes = plan(sampleProse(2000));
      const content = body(scenes);
      expect(content.length).toBeGreaterThan(6);
      expect(scenes[0].bullets).toHaveLength(6);
      expect(scenes[0].bullets?.[0]).toBe(content[0].title);
      expect(scenes[0].bullets?.[5]).toBe(content[content.length - 1].title);
      expect(scenes[scenes.length - 1].bullets).toHaveLength(6);
    });

    it('are left out below 3 content scenes', () => {
      expect(plan('One idea. Then another.\n\n- a\n- b').map((s) => s.title)).not.toContain(OVERVIEW_TITLE);
    });
  });

  describe('document passages', () => {
    const passage = (text: string, score: number, source = 'notes.md'): Passage => ({ fileId: 'f-1', source, text, score });
    const chain = passage("# Chain rule\nTo differentiate a composition f(g(x)), multiply the outer derivative by the inner one.", 3);

    it('add scenes after the context when the context is short, citing each document once on screen', () => {
      const scenes = body(
        plan('The derivative is the slope of a curve.', [chain, passage('Product rule: differentiate each factor in turn and add the results.', 2.5)]),
      );
      expect(scenes.map((s) => s.title)).toEqual(['The derivative is the slope of a curve', 'Chain rule', 'Product rule']);
      expect(scenes[1]).toEqual({
        title: 'Chain rule',
        text: 'To differentiate a composition f(g(x)), multiply the outer derivative by the inner one. (source: notes.md)',
        narration: 'To differentiate a composition f(g(x)), multiply the outer derivative by the inner one.',
      });
      expect(scenes[2].text).not.toContain('source');
    });

    it('take the best passages first and leave out those far off the topic', () => {
      const bread = passage('Knead the dough for ten minutes and let it rise.', 0.5, 'bread.txt');
      const product = passage('The product rule: differentiate each factor in turn.', 2, 'rules.md');
      const scenes = body(plan('Derivatives.', [bread, product, chain]));
      expect(scenes.map((s) => s.title)).toEqual(['Derivatives', 'Chain rule', 'The product rule']);
      expect(JSON.stringify(scenes)).not.toContain('dough');
    });

    it('are not used with a context long enough on its own, nor when the context already holds them', () => {
      expect(plan(sampleProse(500), [chain])).toEqual(plan(sampleProse(500)));
      expect(body(plan('To differentiate a composition f(g(x)), multiply the outer derivative by the inner one.', [passage('To differentiate a composition f(g(x)), multiply the outer derivative by the inner one.', 1)]))).toHaveLength(1);
    });

    it('stop at about a full context of narration', () => {
      const many = Array.from({ length: 30 }, (_, i) => passage(`${sampleProse(200)} Passage ${i}.`, 1, `doc-${i}.md`));
      const added = body(plan('Water.', many)).slice(1);
      const spoken = added.reduce((sum, s) => sum + defaultNarration(s).length, 0);
      expect(spoken).toBeLessThanOrEqual(PASSAGE_BUDGET_CHARS);
      expect(spoken).toBeGreaterThan(PASSAGE_BUDGET_CHARS / 2);
    });
  });

  it('is deterministic', () => {
    const passages = [{ fileId: 'a', source: 'a.md', text: 'Alpha is first. It leads.', score: 1 }, { fileId: 'b', source: 'b.md', text: 'Beta is second.', score: 1 }];
    expect(plan(RICH, passages)).toEqual(plan(RICH, passages));
    expect(plan('Short.', passages)).toEqual(plan('Short.', [...passages]));
  });

  it('always produces a plan the scene rules accept, with at most 40 scenes', () => {
    const huge = Array.from({ length: 30 }, (_, i) => `Section ${i}:\n- a $x^${i}$\n- b\n\n${sampleProse(300)}`).join('\n\n');
    for (const context of [RICH, sampleProse(2000), huge, '$$\\sum_{i=1}^{n} i$$', '- only\n- a list']) {
      const scenes = plan(context);
      expect(scenes.length).toBeLessThanOrEqual(SCENE_LIMITS.scenes.max);
      expect(checkPlan({ scenes }, { allowImages: false }).problems).toEqual([]);
    }
  });
});

describe('DeterministicPlanner', () => {
  const request = (signal = new AbortController().signal) => ({
    topic: 'Triangles',
    context: RICH,
    passages: [],
    signal,
    log: jest.fn(),
  });

  it('answers the plan of the context and says in the logs that it planned offline', async () => {
    const req = request();
    const outcome = await new DeterministicPlanner().plan(req);
    expect(outcome).toEqual({ scenes: plan(RICH), planner: 'deterministic' });
    expect(req.log).toHaveBeenCalledWith('info', expect.stringMatching(/offline.*deterministic/u));
  });

  it('stops when the job is cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(new DeterministicPlanner().plan(request(controller.signal))).rejects.toBeInstanceOf(PipelineAbortedError);
  });
});
