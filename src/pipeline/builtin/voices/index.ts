/** The narrate stage's voices: the port, the settings parser, and the engine the pipeline options pick. */
import { EspeakEngine } from './espeak-voice';
import { OpenAiSpeechEngine, OpenAiSpeechOptions } from './openai-speech-voice';
import { VoiceEngine } from './voice';

export * from './voice';
export { defaultVoiceSettings, parseVoiceSettings } from './voice-settings';
export type { ReportProblem } from './voice-settings';
export { EspeakEngine } from './espeak-voice';
export { OpenAiSpeechEngine } from './openai-speech-voice';
export type { OpenAiSpeechOptions } from './openai-speech-voice';

/** Which engine speaks, and its settings: espeak-ng (offline, the default) or an OpenAI-compatible endpoint. */
export type VoiceOptions = { kind: 'espeak' } | ({ kind: 'openai-speech' } & OpenAiSpeechOptions);

/** Throws on a misconfigured engine (call it at startup). */
export function createVoiceEngine(options: VoiceOptions = { kind: 'espeak' }): VoiceEngine {
  switch (options.kind) {
    case 'espeak':
      return new EspeakEngine();
    case 'openai-speech':
      return new OpenAiSpeechEngine(options);
  }
}
