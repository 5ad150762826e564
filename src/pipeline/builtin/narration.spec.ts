import { DEFAULT_VOICE, resolveVoice } from './narration';

describe('resolveVoice', () => {
  it('uses the defaults without custom_config.voice', () => {
    expect(resolveVoice({})).toEqual(DEFAULT_VOICE);
    expect(resolveVoice({ voice: 'en' })).toEqual(DEFAULT_VOICE);
    expect(resolveVoice({ voice: null })).toEqual(DEFAULT_VOICE);
  });

  it.each(['en', 'en-us', 'fr', 'cmn', 'pt_br', 'en+f3', 'EN-GB'])('accepts the voice %s', (voice) => {
    expect(resolveVoice({ voice: { voice } }).voice).toBe(voice);
  });

  it('prefers voice over language and falls back to language', () => {
    expect(resolveVoice({ voice: { voice: 'de', language: 'fr' } }).voice).toBe('de');
    expect(resolveVoice({ voice: { voice: 'bad voice', language: 'fr' } }).voice).toBe('fr');
  });

  it.each(['-w /etc/passwd', 'en; rm -rf /', '../../voices/x', 'e', 'english-but-way+too+many', '', 42])(
    'rejects the unsafe voice %p',
    (voice) => {
      expect(resolveVoice({ voice: { voice, language: voice } }).voice).toBe(DEFAULT_VOICE.voice);
    },
  );

  it('accepts a rate from 80 to 400 words per minute', () => {
    expect(resolveVoice({ voice: { rate: 80 } }).rate).toBe(80);
    expect(resolveVoice({ voice: { rate: 212.4 } }).rate).toBe(212);
    for (const rate of [79, 401, Number.NaN, Infinity, '200']) {
      expect(resolveVoice({ voice: { rate } }).rate).toBe(DEFAULT_VOICE.rate);
    }
  });
});
