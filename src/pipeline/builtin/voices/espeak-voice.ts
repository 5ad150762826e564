/** The offline voice: espeak-ng, one process per clip, WAV out, duration from the WAV header. */
import { dirname } from 'node:path';
import { runProcess } from '../../process-runner';
import { PipelineError } from '../../video-pipeline';
import { SpokenClip, Voice, VoiceEngine, VoiceLog, VoiceSettings } from './voice';
import { ESPEAK_DEFAULT_VOICE } from './voice-settings';
import { wavDurationSeconds } from './wav';

const SYNTHESIS_TIMEOUT_MS = 120_000;

export class EspeakEngine implements VoiceEngine {
  readonly kind = 'espeak';

  requiredTools(): string[] {
    return ['espeak-ng'];
  }

  voiceFor(settings: VoiceSettings, log: VoiceLog): Voice {
    return new EspeakVoice(settings, log);
  }
}

export class EspeakVoice implements Voice {
  private voice: string;
  private readonly rate: number;

  constructor(
    settings: VoiceSettings,
    private readonly log: VoiceLog,
  ) {
    this.voice = settings.voice ?? ESPEAK_DEFAULT_VOICE;
    this.rate = settings.rate;
  }

  /** The voice now speaking: the default one once espeak-ng has refused the one asked for. */
  get name(): string {
    return `espeak-ng ${this.voice}`;
  }

  async speak(text: string, outputBase: string, signal: AbortSignal): Promise<SpokenClip> {
    const file = `${outputBase}.wav`;
    const voice = this.voice;
    try {
      await synthesize(text, file, voice, this.rate, signal);
    } catch (error) {
      // espeak-ng refuses a voice it does not have: speak with the default voice rather than fail the job.
      const unknownVoice = error instanceof PipelineError && error.code === 'TOOL_FAILED' && voice !== ESPEAK_DEFAULT_VOICE;
      if (!unknownVoice) throw error;
      if (this.voice === voice) {
        this.voice = ESPEAK_DEFAULT_VOICE;
        this.log('warn', `voice "${voice}" failed, using "${ESPEAK_DEFAULT_VOICE}": ${error.message}`);
      }
      await synthesize(text, file, ESPEAK_DEFAULT_VOICE, this.rate, signal);
    }
    return { file, seconds: await wavDurationSeconds(file, signal) };
  }
}

/** Writes `text` spoken by espeak-ng to a WAV file. The text goes through stdin, never the command line. */
export async function synthesize(text: string, file: string, voice: string, rate: number, signal: AbortSignal): Promise<void> {
  const args = ['-w', file, '-s', String(rate), '-v', voice, '--stdin'];
  await runProcess('espeak-ng', args, { signal, cwd: dirname(file), stdin: text, timeoutMs: SYNTHESIS_TIMEOUT_MS });
}
