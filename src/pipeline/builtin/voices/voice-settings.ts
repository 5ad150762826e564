/**
 * custom_config.voice = { language?, voice?, rate? }, checked for the configured engine: a configuration that
 * names a voice the engine cannot have (an espeak-ng variant on an OpenAI endpoint, say) is refused with a
 * 422 at submission rather than failing in the worker.
 */
import { DEFAULT_RATE, VOICE_RATE, VoiceKind, VoiceSettings } from './voice';

/** Reports one problem at a path below custom_config (e.g. ".voice.rate"). */
export type ReportProblem = (field: string, message: string) => void;

/** espeak-ng voice names and language codes: a code with an optional "+variant" — nothing that could become an option. */
const ESPEAK_NAME = /^[a-z]{2,3}([-_][a-z0-9]{1,8}){0,3}(\+[a-z0-9]{1,12})?$/iu;
const ESPEAK_HINT = 'an espeak-ng voice name such as "en", "en-us", "pt-br" or "en+f3"';
/** OpenAI's voices ("alloy"), Kokoro's and its blends ("af_bella+af_sky"): no spaces, quotes or slashes. */
export const SPEECH_API_NAME = /^[A-Za-z0-9_.:+-]{1,64}$/u;

export const ESPEAK_DEFAULT_VOICE = 'en';

/** What each engine speaks with when custom_config.voice says nothing. */
export function defaultVoiceSettings(kind: VoiceKind): VoiceSettings {
  return kind === 'espeak' ? { voice: ESPEAK_DEFAULT_VOICE, rate: DEFAULT_RATE } : { rate: DEFAULT_RATE };
}

/**
 * `value` is custom_config.voice as sent (undefined when absent). `voice` wins over `language`; espeak-ng
 * speaks a language code as a voice, other engines take the language from the text and only check it.
 */
export function parseVoiceSettings(kind: VoiceKind, value: unknown, report: ReportProblem): VoiceSettings {
  const settings = defaultVoiceSettings(kind);
  if (value === undefined) return settings;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    report('.voice', 'must be an object { language?, voice?, rate? }');
    return settings;
  }
  const fields = value as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!['language', 'voice', 'rate'].includes(key)) report(`.voice.${key}`, 'unknown key; known keys: language, voice, rate');
  }
  const name = (key: 'language' | 'voice', pattern: RegExp, hint: string): string | undefined => {
    const v = fields[key];
    if (v === undefined) return undefined;
    if (typeof v === 'string' && pattern.test(v)) return v;
    report(`.voice.${key}`, `must be ${hint}`);
    return undefined;
  };
  const voice =
    kind === 'espeak'
      ? name('voice', ESPEAK_NAME, ESPEAK_HINT)
      : name('voice', SPEECH_API_NAME, 'a voice of the speech endpoint such as "alloy" or "af_bella" (letters, digits and _ . : + -, at most 64)');
  const language = name('language', ESPEAK_NAME, kind === 'espeak' ? ESPEAK_HINT : 'a language code such as "en", "en-us" or "pt-br"');
  const spoken = voice ?? (kind === 'espeak' ? language : undefined);
  if (spoken !== undefined) settings.voice = spoken;
  const rate = fields.rate;
  if (rate !== undefined) {
    if (typeof rate === 'number' && Number.isFinite(rate) && rate >= VOICE_RATE.min && rate <= VOICE_RATE.max) settings.rate = Math.round(rate);
    else report('.voice.rate', `must be a number of words per minute from ${VOICE_RATE.min} to ${VOICE_RATE.max}`);
  }
  return settings;
}
