import { JsonSchema, SCENE_LIMITS, SceneRuleOptions, checkPlan, checkScenes, planJsonSchema } from './scene-rules';

const ID = '3f0e8c52-9d4b-4e8f-a1c2-0b5e6d7f8a9b';
const requestRules: SceneRuleOptions = { allowImages: true };
const modelRules: SceneRuleOptions = { allowImages: false };

/** The problems of one scene list, as "path: message". */
const problemsOf = (scenes: unknown, options = requestRules): string[] =>
  checkScenes(scenes, 'scenes', options).problems.map((p) => `${p.path}: ${p.message}`);
/** The problems of a single scene. */
const sceneProblems = (scene: unknown, options = requestRules): string[] => problemsOf([scene], options);
const lines = (n: number): string => Array.from({ length: n }, (_, i) => `x = ${i}`).join('\n');

describe('checkScenes', () => {
  it('accepts a scene with every field at its limit', () => {
    const scene = {
      title: 't'.repeat(SCENE_LIMITS.titleChars),
      narration: 'n'.repeat(SCENE_LIMITS.narrationChars),
      text: 'x'.repeat(SCENE_LIMITS.textChars),
      bullets: Array.from({ length: SCENE_LIMITS.bullets.maxItems }, () => 'b'.repeat(SCENE_LIMITS.bullets.maxChars)),
      math: `x + ${'1'.repeat(SCENE_LIMITS.mathChars - 4)}`,
      code: { language: 'python', source: lines(SCENE_LIMITS.codeLines) },
      image_file_id: ID,
      duration: SCENE_LIMITS.seconds.max,
    };
    expect(sceneProblems(scene)).toEqual([]);
    expect(checkScenes(Array.from({ length: SCENE_LIMITS.scenes.max }, () => scene), 'scenes', requestRules).problems).toEqual([]);
  });

  it('turns a scene into a SceneSpec with normalised text, leaving code and TeX as written', () => {
    const { scenes } = checkScenes(
      [
        {
          title: ' Intro\n',
          narration: 'Say\tthis.',
          text: ' Show  this. ',
          bullets: [' one ', 'two'],
          math: ' \\frac{a}{b} ',
          code: { language: 'Python', source: '\r\n\r\ndef f():\r\n    return 1  \r\n\r\n' },
          image_file_id: ID,
          duration: 2.5,
        },
      ],
      'scenes',
      requestRules,
    );
    expect(scenes).toEqual([
      {
        title: 'Intro',
        narration: 'Say this.',
        text: 'Show this.',
        bullets: ['one', 'two'],
        math: '\\frac{a}{b}',
        code: { language: 'python', source: 'def f():\n    return 1' },
        imageFileId: ID,
        duration: 2.5,
      },
    ]);
  });

  it('needs 1 to 40 scenes in an array', () => {
    for (const value of [undefined, 'scenes', {}, [], Array.from({ length: 41 }, () => ({ title: 'x' }))]) {
      expect(problemsOf(value)).toEqual(['scenes: must be an array of 1 to 40 scenes']);
    }
  });

  it('needs each scene to be an object, and names unknown keys', () => {
    expect(problemsOf([{ title: 'ok' }, 'text', null, [1]])).toEqual([
      'scenes[1]: must be an object with some of: title, narration, text, bullets, math, code, image_file_id, duration',
      'scenes[2]: must be an object with some of: title, narration, text, bullets, math, code, image_file_id, duration',
      'scenes[3]: must be an object with some of: title, narration, text, bullets, math, code, image_file_id, duration',
    ]);
    expect(sceneProblems({ title: 'x', voice: 'en' })).toEqual([
      'scenes[0].voice: unknown key; known keys: title, narration, text, bullets, math, code, image_file_id, duration',
    ]);
  });

  it.each([
    ['title', SCENE_LIMITS.titleChars],
    ['narration', SCENE_LIMITS.narrationChars],
    ['text', SCENE_LIMITS.textChars],
  ])('limits %s to %i characters, counted as characters, not UTF-16 units', (field, max) => {
    expect(sceneProblems({ title: 'T', [field]: '🐝'.repeat(max) })).toEqual([]);
    expect(sceneProblems({ title: 'T', [field]: 'x'.repeat(max + 1) })).toEqual([`scenes[0].${field}: must be at most ${max} characters long`]);
    expect(sceneProblems({ title: 'T', [field]: 42 })).toEqual([`scenes[0].${field}: must be a string of at most ${max} characters`]);
  });

  it('limits bullets to 6 non-empty items of 140 characters, naming the bad item', () => {
    const bulletsRule = 'must be an array of at most 6 strings of at most 140 characters';
    expect(sceneProblems({ bullets: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] })).toEqual([`scenes[0].bullets: ${bulletsRule}`]);
    expect(sceneProblems({ bullets: 'a, b' })).toEqual([`scenes[0].bullets: ${bulletsRule}`]);
    expect(sceneProblems({ bullets: ['fine', 'y'.repeat(141), ' ', 3] })).toEqual([
      'scenes[0].bullets[1]: must be a non-empty string of at most 140 characters',
      'scenes[0].bullets[2]: must be a non-empty string of at most 140 characters',
      'scenes[0].bullets[3]: must be a non-empty string of at most 140 characters',
    ]);
  });

  it('checks math with MathJax and limits it to 1000 characters', () => {
    expect(sceneProblems({ math: 'a^2 + b^2 = c^2' })).toEqual([]);
    expect(sceneProblems({ math: '\\frac{1' })).toEqual([expect.stringMatching(/^scenes\[0\]\.math: is not valid TeX: .+/u)]);
    expect(sceneProblems({ math: '\\notamacro{x}' })).toEqual([expect.stringMatching(/^scenes\[0\]\.math: is not valid TeX: .*notamacro/u)]);
    const rule = 'scenes[0].math: must be TeX of 1 to 1000 characters, e.g. "a^2 + b^2 = c^2"';
    expect(sceneProblems({ math: 'x'.repeat(1001) })).toEqual([rule]);
    expect(sceneProblems({ math: '  ' })).toEqual([rule]);
    expect(sceneProblems({ math: ['x'] })).toEqual([rule]);
  });

  it('needs code as { language, source } of at most 40 lines with a short language name', () => {
    expect(sceneProblems({ code: { language: 'c++', source: lines(40) } })).toEqual([]);
    expect(sceneProblems({ code: { language: 'objective-c', source: 'x' } })).toEqual([]);
    expect(sceneProblems({ code: 'print(1)' })).toEqual(['scenes[0].code: must be an object { language, source }']);
    expect(sceneProblems({ code: { language: 'python', source: lines(41), theme: 'dark' } })).toEqual([
      'scenes[0].code.theme: unknown key; known keys: language, source',
      'scenes[0].code.source: must be source code of 1 to 40 lines',
    ]);
    for (const language of ['', 'python 3', '../../etc/passwd', '-x', 'a'.repeat(25), 7]) {
      expect(sceneProblems({ code: { language, source: 'x' } })).toEqual([
        'scenes[0].code.language: must be a short language name such as "python", "javascript" or "text"',
      ]);
    }
    expect(sceneProblems({ code: { language: 'python', source: '\n  \n' } })).toEqual(['scenes[0].code.source: must be source code of 1 to 40 lines']);
  });

  it('needs image_file_id to be a UUID, and takes it only from requests', () => {
    expect(sceneProblems({ image_file_id: 'cat.png' })).toEqual(['scenes[0].image_file_id: must be an upload file id (a UUID)']);
    expect(sceneProblems({ title: 'x', image_file_id: ID }, modelRules)).toEqual([
      'scenes[0].image_file_id: unknown key; known keys: title, narration, text, bullets, math, code, duration',
    ]);
  });

  it('limits duration to 1–60 seconds', () => {
    expect(sceneProblems({ title: 'x', duration: 1 })).toEqual([]);
    for (const duration of [0.5, 61, Number.NaN, Infinity, '5']) {
      expect(sceneProblems({ title: 'x', duration })).toEqual(['scenes[0].duration: must be a number of seconds from 1 to 60']);
    }
  });

  it('needs something to show, but does not say so again when a field is already wrong', () => {
    const rule = 'scenes[0]: needs something to show: a title, text, bullets, math, code or an image_file_id';
    expect(sceneProblems({})).toEqual([rule]);
    expect(sceneProblems({ title: ' ', text: '', bullets: [], narration: 'Only words.', duration: 5 })).toEqual([rule]);
    expect(sceneProblems({ title: 3 })).toEqual(['scenes[0].title: must be a string of at most 120 characters']);
    for (const shown of [{ title: 'x' }, { text: 'x' }, { bullets: ['x'] }, { math: 'x' }, { code: { language: 'text', source: 'x' } }, { image_file_id: ID }]) {
      expect(sceneProblems(shown)).toEqual([]);
    }
  });
});

describe('checkPlan', () => {
  it('reads { scenes } with paths from "scenes"', () => {
    expect(checkPlan({ scenes: [{ title: 'A' }] }, modelRules)).toEqual({ scenes: [{ title: 'A' }], problems: [] });
    expect(checkPlan({ scenes: [{ title: 'A' }, { math: '\\frac{' }], notes: 'x' }, modelRules).problems).toEqual([
      { path: 'notes', message: 'unknown key; the plan has only "scenes"' },
      { path: 'scenes[1].math', message: expect.stringMatching(/^is not valid TeX/u) },
    ]);
  });

  it('needs an object', () => {
    for (const value of [null, [], 'scenes', 3]) {
      expect(checkPlan(value, modelRules).problems).toEqual([{ path: '', message: 'must be a JSON object { "scenes": [...] }' }]);
    }
  });
});

describe('planJsonSchema', () => {
  const schema = planJsonSchema();
  const scenes = (schema.properties as JsonSchema).scenes as JsonSchema;
  const scene = scenes.items as JsonSchema;
  const field = (name: string): JsonSchema => (scene.properties as JsonSchema)[name] as JsonSchema;
  /** The non-null branch of a nullable field. */
  const nonNull = (name: string): JsonSchema => (field(name).anyOf as JsonSchema[])[0];

  it('has the validator limits', () => {
    expect([scenes.minItems, scenes.maxItems]).toEqual([SCENE_LIMITS.scenes.min, SCENE_LIMITS.scenes.max]);
    expect(nonNull('bullets').maxItems).toBe(SCENE_LIMITS.bullets.maxItems);
    expect([nonNull('duration').minimum, nonNull('duration').maximum]).toEqual([SCENE_LIMITS.seconds.min, SCENE_LIMITS.seconds.max]);
    expect(field('title').description).toContain(`${SCENE_LIMITS.titleChars} characters`);
    expect(field('narration').description).toContain(`${SCENE_LIMITS.narrationChars} characters`);
    expect(nonNull('text').description).toContain(`${SCENE_LIMITS.textChars} characters`);
    expect(((nonNull('bullets').items as JsonSchema).description as string)).toContain(`${SCENE_LIMITS.bullets.maxChars} characters`);
    expect(nonNull('math').description).toContain(`${SCENE_LIMITS.mathChars} characters`);
    expect(((nonNull('code').properties as JsonSchema).source as JsonSchema).description).toContain(`${SCENE_LIMITS.codeLines} lines`);
  });

  it('is what strict structured outputs accept: every property required, no other keys, at every level', () => {
    const objects: JsonSchema[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (typeof node === 'object' && node !== null) {
        const s = node as JsonSchema;
        if (s.type === 'object') objects.push(s);
        Object.values(s).forEach(walk);
      }
    };
    walk(schema);
    expect(objects.length).toBe(3);
    for (const object of objects) {
      expect(object.additionalProperties).toBe(false);
      expect([...(object.required as string[])].sort()).toEqual(Object.keys(object.properties as JsonSchema).sort());
    }
    expect(JSON.stringify(schema)).not.toMatch(/maxLength|minLength|image_file_id/u);
  });

  it('names the same scene fields the validator takes from a model', () => {
    const known = /known keys: (.*)$/u.exec(checkScenes([{ title: 'x', zzz: 1 }], 'scenes', modelRules).problems[0].message)?.[1];
    expect(Object.keys(scene.properties as JsonSchema).sort()).toEqual(known?.split(', ').sort());
  });
});
