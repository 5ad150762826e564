/**
 * A voice behind any OpenAI-compatible `POST /v1/audio/speech` endpoint (OpenAI, Kokoro-FastAPI, a LiteLLM
 * proxy), through the official SDK. It asks for WAV, but trusts only what comes back: the answer is
 * recognised from its bytes, decoded to PCM WAV by ffmpeg unless it already is, and timed from that WAV.
 */
import { rm, writeFile } from 'node:fs/promises';
import OpenAI, { APIConnectionTimeoutError, APIError } from 'openai';
import { runProcess } from '../../process-runner';
import { PipelineAbortedError, PipelineError } from '../../video-pipeline';
import { DEFAULT_RATE, SpokenClip, Voice, VoiceEngine, VoiceSettings } from './voice';
import { SPEECH_API_NAME } from './voice-settings';
import { pcmSeconds, wavDurationSeconds } from './wav';

export interface OpenAiSpeechOptions {
  /** The API root, e.g. "https://api.openai.com/v1" or "http://kokoro:8880/v1". */
  baseUrl: string;
  /** Sent as a bearer token; keyless endpoints (a local Kokoro) need none. */
  apiKey?: string;
  model: string;
  /** Spoken with when custom_config.voice names none. */
  voice: string;
  /** Longest wait for one clip, its audio included. */
  timeoutSeconds: number;
  /** Format asked for (default wav, which needs no decoding); any answer is measured as it really is. */
  responseFormat?: 'wav' | 'mp3';
  /** Retries of one clip by the SDK (connection errors, 408, 409, 429, 5xx) within timeoutSeconds; default 2. */
  maxRetries?: number;
}

/** The endpoint's own limit (OpenAI: 4096 characters); scenes narrate at most 1500. */
export const MAX_SPEECH_INPUT_CHARS = 4096;
/** Far above any clip a scene makes (two minutes of 48 kHz stereo WAV is 23 MB). */
const MAX_AUDIO_BYTES = 64 * 1024 * 1024;
const DECODE_TIMEOUT_MS = 60_000;
/** Statuses worth retrying the job for: the request was fine, the endpoint was busy. */
const TRANSIENT_STATUSES = new Set([408, 409, 429]);

/** What an answer's first bytes say it is, as the ffmpeg demuxer that reads it. */
type AudioFormat = 'wav' | 'mp3' | 'ogg' | 'flac' | 'aac';

export class OpenAiSpeechEngine implements VoiceEngine {
  readonly kind = 'openai-speech';
  private readonly client: OpenAI;
  private readonly host: string;

  /** Throws on a misconfiguration, so that it shows at startup rather than in every job. */
  constructor(private readonly options: OpenAiSpeechOptions) {
    const url = URL.canParse(options.baseUrl) ? new URL(options.baseUrl) : undefined;
    if (!url || !['http:', 'https:'].includes(url.protocol)) throw new Error(`openai-speech: baseUrl must be an http(s) URL, got "${options.baseUrl}"`);
    if (!options.model.trim()) throw new Error('openai-speech: model must not be empty');
    if (!SPEECH_API_NAME.test(options.voice)) throw new Error(`openai-speech: voice "${options.voice}" is not a voice name`);
    if (!(Number.isFinite(options.timeoutSeconds) && options.timeoutSeconds > 0)) throw new Error('openai-speech: timeoutSeconds must be > 0');
    this.host = url.host;
    this.client = new OpenAI({
      baseURL: options.baseUrl,
      // The SDK insists on a key; a keyless endpoint ignores this one.
      apiKey: options.apiKey ?? 'no-key',
      // Everything comes from our configuration, never from the SDK's OPENAI_* environment variables.
      organization: null,
      project: null,
      adminAPIKey: null,
      timeout: options.timeoutSeconds * 1000,
      maxRetries: options.maxRetries ?? 2,
    });
  }

  requiredTools(): string[] {
    return []; // ffmpeg, which decodes compressed answers, is the pipeline's own requirement
  }

  voiceFor(settings: VoiceSettings): Voice {
    return new OpenAiSpeechVoice(this.client, this.options, this.host, settings);
  }
}

class OpenAiSpeechVoice implements Voice {
  readonly name: string;
  private readonly voice: string;
  /** OpenAI's speed: 1 is the voice's natural pace, which we take to be espeak-ng's default 165 wpm. */
  private readonly speed: number;

  constructor(
    private readonly client: OpenAI,
    private readonly options: OpenAiSpeechOptions,
    private readonly host: string,
    settings: VoiceSettings,
  ) {
    this.voice = settings.voice ?? options.voice;
    this.speed = Math.min(4, Math.max(0.25, Math.round((settings.rate / DEFAULT_RATE) * 100) / 100));
    this.name = `openai-speech ${options.model} ${this.voice}`;
  }

  async speak(text: string, outputBase: string, signal: AbortSignal): Promise<SpokenClip> {
    if (text.length > MAX_SPEECH_INPUT_CHARS) {
      throw new PipelineError(`narration of ${text.length} characters is over the speech limit of ${MAX_SPEECH_INPUT_CHARS}`, 'TTS_REJECTED', false);
    }
    const audio = await this.fetchAudio(text, signal);
    return toClip(audio, outputBase, signal, this.host);
  }

  private async fetchAudio(text: string, signal: AbortSignal): Promise<Buffer> {
    if (signal.aborted) throw new PipelineAbortedError();
    // The SDK's timeout stops at the response headers; this deadline also covers the audio itself.
    const deadline = AbortSignal.timeout(this.options.timeoutSeconds * 1000);
    try {
      const response = await this.client.audio.speech.create(
        { model: this.options.model, voice: this.voice, input: text, response_format: this.options.responseFormat ?? 'wav', speed: this.speed },
        { signal: AbortSignal.any([signal, deadline]) },
      );
      return await readAudio(response, this.host);
    } catch (error) {
      throw this.failure(error, signal, deadline);
    }
  }

  private failure(error: unknown, signal: AbortSignal, deadline: AbortSignal): Error {
    if (signal.aborted) return new PipelineAbortedError();
    if (error instanceof PipelineError) return error;
    const where = `speech endpoint ${this.host}`;
    if (deadline.aborted || error instanceof APIConnectionTimeoutError) {
      return new PipelineError(`${where} did not answer within ${this.options.timeoutSeconds} s`, 'TTS_UNAVAILABLE', true);
    }
    const detail = (error instanceof Error ? error.message : String(error)).slice(0, 300);
    if (error instanceof APIError && error.status !== undefined) {
      const transient = error.status >= 500 || TRANSIENT_STATUSES.has(error.status);
      return transient
        ? new PipelineError(`${where} failed (${detail})`, 'TTS_UNAVAILABLE', true)
        : new PipelineError(`${where} refused the request (${detail})`, 'TTS_REJECTED', false);
    }
    // Refused or dropped connections, before the answer or in the middle of its audio.
    return new PipelineError(`${where} is unreachable (${detail})`, 'TTS_UNAVAILABLE', true);
  }
}

/** The answer's bytes, refusing an endless one. */
async function readAudio(response: Response, host: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const reader = response.body?.getReader();
  let size = 0;
  for (let part = await reader?.read(); part && !part.done; part = await reader?.read()) {
    size += part.value.length;
    if (size > MAX_AUDIO_BYTES) {
      await reader?.cancel(); // drops the connection
      throw badAudio(host, `more than ${MAX_AUDIO_BYTES} bytes of audio`);
    }
    chunks.push(Buffer.from(part.value));
  }
  return Buffer.concat(chunks);
}

/** Writes `outputBase`.wav (PCM) and measures it; anything else is decoded by ffmpeg first. */
async function toClip(audio: Buffer, outputBase: string, signal: AbortSignal, host: string): Promise<SpokenClip> {
  const format = audioFormatOf(audio);
  if (!format) {
    const what = audio.length === 0 ? 'no audio' : `${audio.length} bytes that are not audio (they start ${JSON.stringify(audio.toString('latin1', 0, 16))})`;
    throw badAudio(host, what);
  }
  const file = `${outputBase}.wav`;
  const headerSeconds = format === 'wav' ? pcmSeconds(audio.subarray(0, 4096), audio.length) : undefined;
  if (headerSeconds !== undefined) {
    await writeFile(file, audio);
  } else {
    const source = `${outputBase}.answer.${format}`;
    await writeFile(source, audio);
    try {
      // The demuxer is forced to the recognised format: ffmpeg never guesses what it is reading.
      const args = ['-hide_banner', '-v', 'error', '-f', format, '-i', source, '-map', '0:a:0', '-c:a', 'pcm_s16le', '-f', 'wav', '-y', file];
      await runProcess('ffmpeg', args, { signal, timeoutMs: DECODE_TIMEOUT_MS });
    } catch (error) {
      if (error instanceof PipelineError && error.code === 'TOOL_FAILED') throw badAudio(host, `${format} audio ffmpeg cannot decode (${error.message.slice(0, 200)})`);
      throw error;
    } finally {
      await rm(source, { force: true });
    }
  }
  const seconds = headerSeconds ?? (await wavDurationSeconds(file, signal));
  if (!(seconds > 0)) throw badAudio(host, 'silence of no length');
  return { file, seconds };
}

export function audioFormatOf(bytes: Buffer): AudioFormat | undefined {
  const ascii = (offset: number, text: string): boolean => bytes.toString('latin1', offset, offset + text.length) === text;
  if (ascii(0, 'RIFF') && ascii(8, 'WAVE')) return 'wav';
  if (ascii(0, 'OggS')) return 'ogg';
  if (ascii(0, 'fLaC')) return 'flac';
  if (ascii(0, 'ID3')) return 'mp3';
  if (bytes.length >= 2 && bytes[0] === 0xff && (bytes[1] & 0xe0) === 0xe0) {
    // Frame sync: ADTS (AAC) has layer bits 00 under a 12-bit sync; MPEG audio layer III has 01.
    if ((bytes[1] & 0xf6) === 0xf0) return 'aac';
    if ((bytes[1] & 0x06) === 0x02) return 'mp3';
  }
  return undefined;
}

function badAudio(host: string, what: string): PipelineError {
  return new PipelineError(`speech endpoint ${host} answered ${what}`, 'TTS_BAD_AUDIO', true);
}
