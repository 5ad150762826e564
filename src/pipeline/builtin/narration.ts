/**
 * Transitional: builtin-pipeline.ts's old narration entry points, now served by voices/. Delete this file once
 * the narrate stage speaks through createVoiceEngine(...).voiceFor(...).
 */
import { VoiceSettings, defaultVoiceSettings } from './voices';
import { synthesize as speak } from './voices/espeak-voice';
import { ESPEAK_DEFAULT_VOICE } from './voices/voice-settings';

export { wavDurationSeconds } from './voices/wav';
export type { VoiceSettings } from './voices';

export const DEFAULT_VOICE = defaultVoiceSettings('espeak');

/** The old signature (the working directory is now the WAV file's own). */
export async function synthesize(text: string, wavFile: string, voice: VoiceSettings, signal: AbortSignal, _cwd?: string): Promise<void> {
  await speak(text, wavFile, voice.voice ?? ESPEAK_DEFAULT_VOICE, voice.rate, signal);
}
