/** Speech synthesis with espeak-ng, and the voice settings a request may choose. */
import { runProcess } from '../process-runner';

export interface VoiceSettings {
  /** espeak-ng voice: a language code with an optional "+variant" (e.g. "en-us", "fr", "en+f3"). */
  voice: string;
  /** Words per minute. */
  rate: number;
}

export const DEFAULT_VOICE: VoiceSettings = { voice: 'en', rate: 165 };
const VOICE_PATTERN = /^[a-z]{2,3}([-_][a-z0-9]+)*(\+[a-z0-9]+)?$/i;
const MIN_RATE = 80;
const MAX_RATE = 400;

/**
 * Reads custom_config.voice = { voice?, language?, rate? }. Anything that is not plainly safe falls back to
 * the default, since these values end up on espeak-ng's command line.
 */
export function resolveVoice(customConfig: Record<string, unknown>): VoiceSettings {
  const config = customConfig.voice;
  if (typeof config !== 'object' || config === null) return DEFAULT_VOICE;
  const { voice, language, rate } = config as Record<string, unknown>;
  const safe = (value: unknown): value is string => typeof value === 'string' && VOICE_PATTERN.test(value);
  const rateOk = typeof rate === 'number' && rate >= MIN_RATE && rate <= MAX_RATE;
  return {
    voice: safe(voice) ? voice : safe(language) ? language : DEFAULT_VOICE.voice,
    rate: rateOk ? Math.round(rate) : DEFAULT_VOICE.rate,
  };
}

/** Writes `text` spoken with `voice` to a WAV file. The text goes through stdin, never the command line. */
export async function synthesize(
  text: string,
  wavFile: string,
  voice: VoiceSettings,
  signal: AbortSignal,
  cwd: string,
): Promise<void> {
  const args = ['-w', wavFile, '-s', String(voice.rate), '-v', voice.voice, '--stdin'];
  await runProcess('espeak-ng', args, { signal, cwd, stdin: text, timeoutMs: 120_000 });
}
