import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpenAIStandIn } from '../../../../test/support/openai-stand-in';
import { probeDurationSeconds } from '../../media-probe';
import { PipelineAbortedError, PipelineError } from '../../video-pipeline';
import { createVoiceEngine, OpenAiSpeechOptions, Voice, VoiceEngine } from '.';
import { audioFormatOf, MAX_SPEECH_INPUT_CHARS } from './openai-speech-voice';

const TEXT = 'Bees form a tight winter cluster around the queen.';

describe('openai-speech voice (against a real OpenAI-compatible HTTP stand-in)', () => {
  let api: OpenAIStandIn;
  const dir = mkdtempSync(join(tmpdir(), 'openai-speech-'));
  const signal = new AbortController().signal;
  let clipNumber = 0;
  const base = () => join(dir, `clip-${++clipNumber}`);
  const engine = (options: Partial<OpenAiSpeechOptions> = {}): VoiceEngine =>
    createVoiceEngine({ kind: 'openai-speech', baseUrl: api.url, apiKey: 'sk-test', model: 'tts-1', voice: 'alloy', timeoutSeconds: 10, maxRetries: 0, ...options });
  const voice = (options: Partial<OpenAiSpeechOptions> = {}, rate = 165, name?: string): Voice =>
    engine(options).voiceFor(name ? { voice: name, rate } : { rate }, () => undefined);
  const failure = (promise: Promise<unknown>) => promise.then(() => 'resolved', (error: unknown) => error);

  beforeAll(async () => {
    api = await OpenAIStandIn.start();
  });
  afterEach(() => {
    api.speech.clear();
    api.requests.length = 0;
  });
  afterAll(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('asks for WAV with the model, the configured voice and speed 1; the clip is the WAV, timed as ffprobe times it', async () => {
    const speaker = voice();
    expect(speaker.name).toBe('openai-speech tts-1 alloy');
    const clip = await speaker.speak(TEXT, base(), signal);

    expect(api.requestsTo('/v1/audio/speech')).toHaveLength(1);
    const [request] = api.requests;
    expect(request.body).toEqual({ model: 'tts-1', voice: 'alloy', input: TEXT, response_format: 'wav', speed: 1 });
    expect(request.headers.authorization).toBe('Bearer sk-test');
    expect(clip.file).toMatch(/clip-\d+\.wav$/u);
    expect(readFileSync(clip.file).toString('latin1', 0, 4)).toBe('RIFF');
    expect(clip.seconds).toBeGreaterThan(1);
    expect(clip.seconds).toBeCloseTo(await probeDurationSeconds(clip.file, signal), 2);
  });

  test('custom_config.voice picks the voice; the rate becomes the speed (rate / 165)', async () => {
    await voice({}, 330, 'af_bella').speak(TEXT, base(), signal);
    await voice({}, 80).speak(TEXT, base(), signal);
    expect(api.requests.map((r) => r.body)).toEqual([
      expect.objectContaining({ voice: 'af_bella', speed: 2 }),
      expect.objectContaining({ voice: 'alloy', speed: 0.48 }),
    ]);
  });

  test('faster speech is shorter: the duration is the audio returned, not an estimate', async () => {
    const normal = await voice().speak(TEXT, base(), signal);
    const fast = await voice({}, 330).speak(TEXT, base(), signal);
    expect(fast.seconds).toBeLessThan(normal.seconds * 0.7);
  });

  test('compressed answers (MP3) are decoded to a WAV clip, timed from the decoded audio; nothing else is left', async () => {
    const outputBase = base();
    const clip = await voice({ responseFormat: 'mp3' }).speak(TEXT, outputBase, signal);
    expect(api.requests[0].body).toMatchObject({ response_format: 'mp3' });
    expect(clip.file).toBe(`${outputBase}.wav`);
    expect(readFileSync(clip.file).toString('latin1', 0, 4)).toBe('RIFF');
    expect(clip.seconds).toBeCloseTo(await probeDurationSeconds(clip.file, signal), 2);
    expect(readdirSync(dir).filter((f) => f.startsWith(outputBase.slice(dir.length + 1)))).toEqual([`${outputBase.slice(dir.length + 1)}.wav`]);
  });

  test('the SDK retries a 500 within the same clip when retries are allowed', async () => {
    api.speech.push({ status: 500 });
    const clip = await voice({ maxRetries: 1 }).speak(TEXT, base(), signal);
    expect(clip.seconds).toBeGreaterThan(1);
    expect(api.requestsTo('/v1/audio/speech')).toHaveLength(2);
  });

  test.each([
    ['a 500', 'TTS_UNAVAILABLE', true, { status: 500, message: 'model crashed' }],
    ['a 503', 'TTS_UNAVAILABLE', true, { status: 503 }],
    ['a 429 (rate limited)', 'TTS_UNAVAILABLE', true, { status: 429 }],
    ['a 400', 'TTS_REJECTED', false, { status: 400, message: "voice 'nobody' not found" }],
    ['a 401', 'TTS_REJECTED', false, { status: 401, message: 'bad key' }],
    ['a 404', 'TTS_REJECTED', false, { status: 404 }],
    ['a hang-up', 'TTS_UNAVAILABLE', true, { hangUp: true as const }],
    ['JSON instead of audio', 'TTS_BAD_AUDIO', true, { content: '{"not":"audio"}' }],
  ])('%s → %s (retryable: %s)', async (_name, code, retryable, reply) => {
    api.speech.push(reply);
    const error = await failure(voice().speak(TEXT, base(), signal));
    expect(error).toBeInstanceOf(PipelineError);
    expect(error).toMatchObject({ code, retryable });
    expect((error as Error).message).toContain(`127.0.0.1:${api.port}`);
  });

  test('an endpoint slower than the timeout: TTS_UNAVAILABLE after the timeout, not later', async () => {
    api.speech.push({ delayMs: 5000, then: { speech: true } });
    const started = Date.now();
    const error = await failure(voice({ timeoutSeconds: 0.5 }).speak(TEXT, base(), signal));
    expect(error).toMatchObject({ code: 'TTS_UNAVAILABLE', retryable: true, message: expect.stringContaining('within 0.5 s') });
    expect(Date.now() - started).toBeLessThan(2500);
  });

  test('nothing listening: TTS_UNAVAILABLE', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = server.address() as { port: number };
        server.close(() => resolve(free));
      });
    });
    const error = await failure(voice({ baseUrl: `http://127.0.0.1:${port}/v1` }).speak(TEXT, base(), signal));
    expect(error).toMatchObject({ code: 'TTS_UNAVAILABLE', retryable: true });
  });

  test('cancelling the job aborts the request at once', async () => {
    api.speech.push({ delayMs: 5000, then: { speech: true } });
    const abort = new AbortController();
    const started = Date.now();
    const speaking = failure(voice().speak(TEXT, base(), abort.signal));
    setTimeout(() => abort.abort(), 100);
    expect(await speaking).toBeInstanceOf(PipelineAbortedError);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('text over the endpoint limit is refused without a request', async () => {
    const error = await failure(voice().speak('a'.repeat(MAX_SPEECH_INPUT_CHARS + 1), base(), signal));
    expect(error).toMatchObject({ code: 'TTS_REJECTED', retryable: false });
    expect(api.requests).toHaveLength(0);
  });

  test('a keyless endpoint: the engine needs no tools of its own', () => {
    const keyless = createVoiceEngine({ kind: 'openai-speech', baseUrl: api.url, model: 'kokoro', voice: 'af_heart', timeoutSeconds: 5 });
    expect(keyless.kind).toBe('openai-speech');
    expect(keyless.requiredTools()).toEqual([]);
  });

  test.each([
    [{ baseUrl: 'kokoro:8880' }, /baseUrl must be an http\(s\) URL/u],
    [{ baseUrl: 'ftp://x/v1' }, /baseUrl must be an http\(s\) URL/u],
    [{ model: ' ' }, /model must not be empty/u],
    [{ voice: 'two words' }, /is not a voice name/u],
    [{ timeoutSeconds: 0 }, /timeoutSeconds/u],
  ])('refuses the misconfiguration %p at construction', (bad, message) => {
    expect(() => engine(bad)).toThrow(message);
  });

  test('only WAV clips are left behind: no undecoded answers, nothing from failed clips', () => {
    expect(readdirSync(dir).length).toBeGreaterThan(0);
    expect(readdirSync(dir).every((f) => f.endsWith('.wav'))).toBe(true);
  });
});

describe('audioFormatOf', () => {
  const bytes = (...parts: Array<string | number[]>) =>
    Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
  test.each([
    ['wav', bytes('RIFF', [0, 0, 0, 0], 'WAVEfmt ')],
    ['ogg', bytes('OggS', [0])],
    ['flac', bytes('fLaC')],
    ['mp3', bytes('ID3', [4])],
    ['mp3', bytes([0xff, 0xfb, 0x90, 0x64])],
    ['aac', bytes([0xff, 0xf1, 0x50, 0x80])],
    [undefined, bytes('{"error":1}')],
    [undefined, Buffer.alloc(0)],
  ])('%s', (format, head) => {
    expect(audioFormatOf(head)).toBe(format);
  });
});
