import { BUILTIN_CONFIG_KEYS, DEFAULT_MUSIC_VOLUME, parseBuiltinConfig } from './custom-config';
import { defaultVoiceSettings } from './voices';
import { PRESET_COLORS, resolveTheme } from './theme';

const ID = '3f0e8c52-9d4b-4e8f-a1c2-0b5e6d7f8a9b';

/** The problems of a config, as "field: message" strings. */
const problems = (config: Record<string, unknown>): string[] =>
  parseBuiltinConfig(config).problems.map((p) => `${p.field}: ${p.message}`);
const settings = (config: Record<string, unknown>) => {
  const parsed = parseBuiltinConfig(config);
  expect(parsed.problems).toEqual([]);
  return parsed.settings;
};

describe('parseBuiltinConfig', () => {
  it('accepts an empty config with the defaults', () => {
    expect(settings({})).toEqual({
      aspectRatio: '16:9',
      theme: resolveTheme(PRESET_COLORS.midnight),
      voice: defaultVoiceSettings('espeak'),
      captions: true,
      backgroundMusicVolume: DEFAULT_MUSIC_VOLUME,
    });
  });

  it('accepts a full config and returns exactly what it asks for', () => {
    const parsed = settings({
      theme: { preset: 'forest', accent: '#FF8800' },
      aspect_ratio: '9:16',
      voice: { language: 'fr', rate: 180 },
      scenes: [{ title: ' Intro ', text: 'First\n part.', duration: 7.5, image_file_id: ID }],
      captions: false,
      background_audio_file_id: ID,
      background_music_volume: 0.3,
    });
    expect(parsed).toEqual({
      aspectRatio: '9:16',
      theme: resolveTheme({ ...PRESET_COLORS.forest, accent: '#FF8800' }),
      voice: { voice: 'fr', rate: 180 },
      scenes: [{ title: 'Intro', text: 'First part.', duration: 7.5, imageFileId: ID }],
      captions: false,
      backgroundAudioFileId: ID,
      backgroundMusicVolume: 0.3,
    });
  });

  it('names unknown keys and lists the known ones', () => {
    expect(problems({ foo: 1, theme: 'daylight' })).toEqual([
      `custom_config.foo: unknown key; known keys: ${BUILTIN_CONFIG_KEYS.join(', ')}`,
    ]);
  });

  describe('aspect_ratio', () => {
    it.each(['16:9', '9:16', '1:1'])('accepts %s', (ratio) => expect(settings({ aspect_ratio: ratio }).aspectRatio).toBe(ratio));
    it.each(['4:3', '16/9', 16, null])('refuses %p', (ratio) => {
      expect(problems({ aspect_ratio: ratio })).toEqual(['custom_config.aspect_ratio: must be one of 16:9, 9:16, 1:1']);
    });
  });

  describe('theme', () => {
    it.each(['midnight', 'daylight', 'forest', 'sunset'] as const)('accepts the preset %s', (preset) => {
      expect(settings({ theme: preset }).theme).toEqual(resolveTheme(PRESET_COLORS[preset]));
    });

    it('builds on a preset (midnight by default) with custom colours', () => {
      const theme = settings({ theme: { background: ['#000000', '#112233'], text: '#fefefe' } }).theme;
      expect(theme).toEqual(resolveTheme({ background: ['#000000', '#112233'], text: '#fefefe', accent: PRESET_COLORS.midnight.accent }));
    });

    it('refuses unknown presets, keys and badly written colours, naming each', () => {
      expect(problems({ theme: 'neon' })).toEqual([
        'custom_config.theme: must be one of midnight, daylight, forest, sunset, or an object { preset?, background?, text?, accent? }',
      ]);
      expect(
        problems({ theme: { preset: 'neon', background: ['#000', 'black'], text: 'white', accent: '#12345g', font: 'x' } }),
      ).toEqual([
        'custom_config.theme.font: unknown key; known keys: preset, background, text, accent',
        'custom_config.theme.preset: must be one of midnight, daylight, forest, sunset',
        'custom_config.theme.background[0]: must be a colour written #rrggbb',
        'custom_config.theme.background[1]: must be a colour written #rrggbb',
        'custom_config.theme.text: must be a colour written #rrggbb',
        'custom_config.theme.accent: must be a colour written #rrggbb',
      ]);
      expect(problems({ theme: { background: ['#000000'] } })).toEqual([
        'custom_config.theme.background: must be two colours written #rrggbb, e.g. ["#0b1120", "#1e1b4b"]',
      ]);
    });
  });

  describe('voice', () => {
    it.each(['en', 'en-us', 'fr', 'cmn', 'pt_br', 'en+f3', 'EN-GB'])('accepts the voice %s', (voice) => {
      expect(settings({ voice: { voice } }).voice.voice).toBe(voice);
    });

    it('prefers voice over language and falls back to language', () => {
      expect(settings({ voice: { voice: 'de', language: 'fr' } }).voice.voice).toBe('de');
      expect(settings({ voice: { language: 'fr' } }).voice.voice).toBe('fr');
    });

    it.each(['-w /etc/passwd', 'en; rm -rf /', '../../voices/x', 'e', 'english-but-way+too+many', '', 42])(
      'refuses the unsafe voice %p',
      (voice) => {
        expect(problems({ voice: { voice } })).toEqual([
          'custom_config.voice.voice: must be an espeak-ng voice name such as "en", "en-us", "pt-br" or "en+f3"',
        ]);
      },
    );

    it('accepts a rate from 80 to 400 words per minute', () => {
      expect(settings({ voice: { rate: 80 } }).voice.rate).toBe(80);
      expect(settings({ voice: { rate: 212.4 } }).voice.rate).toBe(212);
      for (const rate of [79, 401, Number.NaN, Infinity, '200']) {
        expect(problems({ voice: { rate } })).toEqual([
          'custom_config.voice.rate: must be a number of words per minute from 80 to 400',
        ]);
      }
    });

    it('refuses a voice that is not an object, and unknown voice keys', () => {
      expect(problems({ voice: 'en' })).toEqual(['custom_config.voice: must be an object { language?, voice?, rate? }']);
      expect(problems({ voice: { pitch: 50 } })).toEqual([
        'custom_config.voice.pitch: unknown key; known keys: language, voice, rate',
      ]);
    });
  });

  describe('scenes', () => {
    const scene = { title: 'T', text: 'Some text.' };

    it('accepts 1 to 40 scenes of the scene vocabulary, normalising their text', () => {
      expect(settings({ scenes: Array.from({ length: 40 }, () => scene) }).scenes).toHaveLength(40);
      expect(
        settings({
          scenes: [
            { title: 'Part one', text: '' },
            { text: ' x\n y ' },
            { image_file_id: ID },
            { title: 'Pythagoras', math: 'a^2 + b^2 = c^2', narration: 'A squared plus b squared.' },
            { bullets: ['one', 'two'], code: { language: 'python', source: 'print(1)\n' } },
          ],
        }).scenes,
      ).toEqual([
        { title: 'Part one' },
        { title: '', text: 'x y' },
        { title: '', imageFileId: ID },
        { title: 'Pythagoras', math: 'a^2 + b^2 = c^2', narration: 'A squared plus b squared.' },
        { title: '', bullets: ['one', 'two'], code: { language: 'python', source: 'print(1)' } },
      ]);
    });

    it.each([
      ['not an array', 'nope'],
      ['an empty array', []],
      ['more than 40 scenes', Array.from({ length: 41 }, () => scene)],
    ])('refuses scenes that are %s', (_label, scenes) => {
      expect(problems({ scenes })).toEqual(['custom_config.scenes: must be an array of 1 to 40 scenes']);
    });

    it('names every bad field of every scene with its path under custom_config', () => {
      expect(
        problems({
          scenes: [
            scene,
            'text',
            { title: 'x'.repeat(121), text: 'y'.repeat(601), duration: 0.5, image_file_id: 'abc', voice: 'x' },
            { title: 1, duration: 61 },
            { title: ' ', text: '\n' },
            { title: 'Bad', math: '\\frac{a', bullets: ['a', '', 'c', 'd'] },
          ],
        }),
      ).toEqual([
        'custom_config.scenes[1]: must be an object with some of: title, narration, text, bullets, math, code, image_file_id, duration',
        'custom_config.scenes[2].voice: unknown key; known keys: title, narration, text, bullets, math, code, image_file_id, duration',
        'custom_config.scenes[2].title: must be at most 120 characters long',
        'custom_config.scenes[2].text: must be at most 600 characters long',
        'custom_config.scenes[2].image_file_id: must be an upload file id (a UUID)',
        'custom_config.scenes[2].duration: must be a number of seconds from 1 to 60',
        'custom_config.scenes[3].title: must be a string of at most 120 characters',
        'custom_config.scenes[3].duration: must be a number of seconds from 1 to 60',
        'custom_config.scenes[4]: needs something to show: a title, text, bullets, math, code or an image_file_id',
        'custom_config.scenes[5].bullets[1]: must be a non-empty string of at most 140 characters',
        expect.stringMatching(/^custom_config\.scenes\[5\]\.math: is not valid TeX: /u),
      ]);
    });

    it('gives no scenes to the run when any of them is bad', () => {
      expect(parseBuiltinConfig({ scenes: [scene, { title: 5 }] }).settings.scenes).toBeUndefined();
    });
  });

  describe('document_ids', () => {
    const OTHER = '0b5e6d7f-8a9b-4e8f-a1c2-3f0e8c529d4b';

    it('takes up to 20 upload ids, once each', () => {
      expect(settings({ document_ids: [ID, OTHER, ID] }).documentIds).toEqual([ID, OTHER]);
      expect(settings({ document_ids: [] }).documentIds).toEqual([]);
      expect(settings({}).documentIds).toBeUndefined();
      expect(settings({ document_ids: Array.from({ length: 20 }, () => ID) }).documentIds).toEqual([ID]);
    });

    it('refuses anything else, naming the bad entry', () => {
      expect(problems({ document_ids: ID })).toEqual(['custom_config.document_ids: must be an array of at most 20 upload file ids']);
      expect(problems({ document_ids: Array.from({ length: 21 }, () => ID) })).toEqual([
        'custom_config.document_ids: must be an array of at most 20 upload file ids',
      ]);
      expect(problems({ document_ids: [ID, 'notes.md', 7] })).toEqual([
        'custom_config.document_ids[1]: must be an upload file id (a UUID)',
        'custom_config.document_ids[2]: must be an upload file id (a UUID)',
      ]);
    });
  });

  describe('captions', () => {
    it('is on by default and can be turned off', () => {
      expect(settings({}).captions).toBe(true);
      expect(settings({ captions: false }).captions).toBe(false);
    });
    it('must be a boolean', () => {
      expect(problems({ captions: 'no' })).toEqual(['custom_config.captions: must be true or false']);
    });
  });

  describe('background audio', () => {
    it('takes an upload id and a volume from 0 to 1', () => {
      expect(settings({ background_audio_file_id: ID, background_music_volume: 0 })).toMatchObject({
        backgroundAudioFileId: ID,
        backgroundMusicVolume: 0,
      });
      expect(settings({ background_music_volume: 1 }).backgroundMusicVolume).toBe(1);
    });

    it('refuses anything else', () => {
      expect(problems({ background_audio_file_id: 'music.mp3', background_music_volume: 1.5 })).toEqual([
        'custom_config.background_music_volume: must be a number from 0 (silent) to 1 (full volume)',
        'custom_config.background_audio_file_id: must be an upload file id (a UUID)',
      ]);
      expect(problems({ background_music_volume: '0.5' })).toHaveLength(1);
    });
  });
});
