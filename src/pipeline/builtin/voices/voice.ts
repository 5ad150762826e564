/**
 * The Voice port of the narrate stage: something that speaks a scene's text into an audio file and says how
 * long that audio really lasts (scene timing and captions follow it). Engines are configured once per
 * pipeline; each run asks its engine for a Voice with the request's custom_config.voice settings.
 */

export interface SpokenClip {
  /** Absolute path of the audio (a WAV file), `outputBase` plus an extension. */
  file: string;
  /** Measured from the audio written, never estimated from the text. */
  seconds: number;
}

export interface Voice {
  /** What speaks, for logs and the video's metadata, e.g. "espeak-ng en-us" or "openai-speech tts-1 alloy". */
  readonly name: string;
  /** Speaks `text` into `outputBase` + an extension. Aborting `signal` stops it with PipelineAbortedError. */
  speak(text: string, outputBase: string, signal: AbortSignal): Promise<SpokenClip>;
}

export const VOICE_KINDS = ['espeak', 'openai-speech'] as const;
export type VoiceKind = (typeof VOICE_KINDS)[number];

/** custom_config.voice, validated for the configured kind (see voice-settings.ts). */
export interface VoiceSettings {
  /** A voice name of the configured engine; unset: the engine's configured default. */
  voice?: string;
  /** Words per minute (espeak-ng's unit; other engines scale their speed from it). */
  rate: number;
}

export const DEFAULT_RATE = 165;
export const VOICE_RATE = { min: 80, max: 400 };

/** How a voice tells the run about something worth a log line (a fallback to another voice, say). */
export type VoiceLog = (level: 'info' | 'warn', message: string) => void;

/** A configured speech engine. */
export interface VoiceEngine {
  readonly kind: VoiceKind;
  /** External programs it runs (readiness checks them). */
  requiredTools(): string[];
  /** The voice one run speaks with. */
  voiceFor(settings: VoiceSettings, log: VoiceLog): Voice;
}
