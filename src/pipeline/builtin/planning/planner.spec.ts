import { OUTRO_TITLE, asSentence, defaultNarration, toScenes } from './planner';

describe('toScenes', () => {
  const text = 'Photosynthesis turns light into chemical energy. Plants use it to grow.';

  it('frames the content scenes with a title card and an outro', () => {
    const scenes = toScenes('  Photosynthesis\n', [{ title: 'How it works', text }]);
    expect(scenes).toEqual([
      { kind: 'title', title: 'Photosynthesis', text: '', narration: 'Photosynthesis', bullets: [] },
      { kind: 'content', title: 'How it works', text, narration: text, bullets: [] },
      { kind: 'outro', title: OUTRO_TITLE, text: 'Photosynthesis', narration: `${OUTRO_TITLE}.`, bullets: [] },
    ]);
  });

  it('titles untitled scenes after the topic, numbered when there are several', () => {
    expect(toScenes('Water', [{ title: '', text: 'One.' }])[1].title).toBe('Water');
    const scenes = toScenes('Water', [{ title: '', text: 'One.' }, { title: 'Named', text: 'Two.' }, { title: '', text: 'Three.' }]);
    expect(scenes.slice(1, -1).map((s) => s.title)).toEqual(['Water (1/3)', 'Named', 'Water (3/3)']);
  });

  it('has only the title card and the outro when there is no content', () => {
    expect(toScenes('Water', []).map((s) => s.kind)).toEqual(['title', 'outro']);
  });

  it('carries every field of a scene spec over', () => {
    const code = { language: 'python', source: 'print(1)' };
    const [, scene] = toScenes('Water', [
      { title: 'All', narration: 'Spoken.', text: 'Shown.', bullets: ['a', 'b'], math: 'x^2', code, imageFileId: 'img-1', duration: 7 },
    ]);
    expect(scene).toEqual({
      kind: 'content',
      title: 'All',
      narration: 'Spoken.',
      text: 'Shown.',
      bullets: ['a', 'b'],
      math: 'x^2',
      code,
      imageFileId: 'img-1',
      minDurationSeconds: 7,
    });
  });

  it('takes another outro title when asked', () => {
    const scenes = toScenes('Eau', [], { outroTitle: 'Merci !' });
    expect(scenes[1]).toMatchObject({ kind: 'outro', title: 'Merci !', narration: 'Merci !' });
  });
});

describe('defaultNarration', () => {
  it('is the narration, else the text, else the bullets as sentences, else the title', () => {
    expect(defaultNarration({ title: 'T', narration: 'N', text: 'X', bullets: ['b'] })).toBe('N');
    expect(defaultNarration({ title: 'T', text: 'X', bullets: ['b'] })).toBe('X');
    expect(defaultNarration({ title: 'T', bullets: ['Solids keep their shape', 'Liquids flow!', 'Gases fill…'] })).toBe(
      'Solids keep their shape. Liquids flow! Gases fill.',
    );
    expect(defaultNarration({ title: 'The theorem', math: 'a^2 + b^2 = c^2' })).toBe('The theorem');
    expect(defaultNarration({ title: 'A picture', imageFileId: 'img-1' })).toBe('A picture');
  });

  it('gives a content scene without narration its default in toScenes', () => {
    const [, scene] = toScenes('Matter', [{ title: 'States', bullets: ['Solid', 'Liquid', 'Gas'] }]);
    expect(scene.narration).toBe('Solid. Liquid. Gas.');
  });
});

describe('asSentence', () => {
  it.each([
    ['Plain words', 'Plain words.'],
    ['Already ended.', 'Already ended.'],
    ['A question?', 'A question?'],
    ['Cut off…', 'Cut off.'],
    ['  padded  ', 'padded.'],
  ])('%p → %p', (input, output) => expect(asSentence(input)).toBe(output));
});
