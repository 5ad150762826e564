/** Speech synthesis with espeak-ng. The voice settings are validated by custom-config before they get here. */
import { runProcess } from '../process-runner';

export interface VoiceSettings {
  /** espeak-ng voice: a language code with an optional "+variant" (e.g. "en-us", "fr", "en+f3"). */
  voice: string;
  /** Words per minute. */
  rate: number;
}

export const DEFAULT_VOICE: VoiceSettings = { voice: 'en', rate: 165 };

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
