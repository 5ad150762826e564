import { CustomConfigProblem } from '../../video-pipeline';
import { VoiceKind } from './voice';
import { defaultVoiceSettings, parseVoiceSettings } from './voice-settings';

function parse(kind: VoiceKind, value: unknown) {
  const problems: CustomConfigProblem[] = [];
  const settings = parseVoiceSettings(kind, value, (field, message) => problems.push({ field, message }));
  return { settings, problems: problems.map((p) => `${p.field}: ${p.message}`) };
}

describe('parseVoiceSettings', () => {
  test('defaults: espeak-ng speaks "en"; other engines their configured voice', () => {
    expect(parse('espeak', undefined)).toEqual({ settings: { voice: 'en', rate: 165 }, problems: [] });
    expect(parse('openai-speech', undefined)).toEqual({ settings: { rate: 165 }, problems: [] });
    expect(defaultVoiceSettings('openai-speech')).toEqual({ rate: 165 });
  });

  describe('espeak', () => {
    test('voice wins over language; a language alone is the voice', () => {
      expect(parse('espeak', { voice: 'en-us+f3', language: 'fr', rate: 200 }).settings).toEqual({ voice: 'en-us+f3', rate: 200 });
      expect(parse('espeak', { language: 'pt-br' }).settings).toEqual({ voice: 'pt-br', rate: 165 });
    });

    test.each(['alloy', 'alloy-but-longer-than-this', '-w /etc/passwd', 'en us'])('refuses %p as an espeak-ng voice', (voice) => {
      expect(parse('espeak', { voice }).problems).toEqual([
        '.voice.voice: must be an espeak-ng voice name such as "en", "en-us", "pt-br" or "en+f3"',
      ]);
    });
  });

  describe('openai-speech', () => {
    test.each(['alloy', 'af_bella', 'af_bella+af_sky', 'voice.v2:latest', 'a'.repeat(64)])('accepts the voice %p', (voice) => {
      expect(parse('openai-speech', { voice })).toEqual({ settings: { voice, rate: 165 }, problems: [] });
    });

    test.each(['', 'a'.repeat(65), 'two words', '../x', 'x"y', 'ümlaut', 7])('refuses the voice %p', (voice) => {
      expect(parse('openai-speech', { voice }).problems).toEqual([
        '.voice.voice: must be a voice of the speech endpoint such as "alloy" or "af_bella" (letters, digits and _ . : + -, at most 64)',
      ]);
    });

    test('a language is checked but does not pick the voice (the endpoint reads the language from the text)', () => {
      expect(parse('openai-speech', { language: 'fr' })).toEqual({ settings: { rate: 165 }, problems: [] });
      expect(parse('openai-speech', { language: 'français' }).problems).toEqual([
        '.voice.language: must be a language code such as "en", "en-us" or "pt-br"',
      ]);
    });
  });

  test.each<VoiceKind>(['espeak', 'openai-speech'])('%s: rate in words per minute, rounded; bad shapes and unknown keys', (kind) => {
    expect(parse(kind, { rate: 212.4 }).settings.rate).toBe(212);
    expect(parse(kind, { rate: 79 }).problems).toEqual(['.voice.rate: must be a number of words per minute from 80 to 400']);
    expect(parse(kind, { rate: '200' }).problems).toHaveLength(1);
    expect(parse(kind, 'alloy').problems).toEqual(['.voice: must be an object { language?, voice?, rate? }']);
    expect(parse(kind, { pitch: 3 }).problems).toEqual(['.voice.pitch: unknown key; known keys: language, voice, rate']);
  });
});
