import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeDurationSeconds } from '../../media-probe';
import { PipelineAbortedError } from '../../video-pipeline';
import { createVoiceEngine } from '.';
import { VoiceLog } from './voice';

describe('espeak voice', () => {
  const dir = mkdtempSync(join(tmpdir(), 'espeak-voice-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const engine = createVoiceEngine();
  const signal = new AbortController().signal;
  const logs: Array<[string, string]> = [];
  const log: VoiceLog = (level, message) => logs.push([level, message]);
  beforeEach(() => logs.splice(0));

  test('is the default engine and needs espeak-ng', () => {
    expect(engine.kind).toBe('espeak');
    expect(engine.requiredTools()).toEqual(['espeak-ng']);
  });

  test('speaks into <base>.wav and times it from the header, as ffprobe would', async () => {
    const voice = engine.voiceFor({ voice: 'en-us', rate: 165 }, log);
    expect(voice.name).toBe('espeak-ng en-us');
    const clip = await voice.speak('Honey bees keep their cluster warm all winter.', join(dir, 'scene-01'), signal);
    expect(clip.file).toBe(join(dir, 'scene-01.wav'));
    expect(readFileSync(clip.file).toString('latin1', 0, 4)).toBe('RIFF');
    expect(clip.seconds).toBeGreaterThan(1);
    expect(clip.seconds).toBeCloseTo(await probeDurationSeconds(clip.file, signal), 3);
    expect(logs).toEqual([]);
  });

  test('a faster rate makes shorter audio', async () => {
    const text = 'The queen lays up to two thousand eggs a day in spring.';
    const slow = await engine.voiceFor({ rate: 120 }, log).speak(text, join(dir, 'slow'), signal);
    const fast = await engine.voiceFor({ rate: 300 }, log).speak(text, join(dir, 'fast'), signal);
    expect(fast.seconds).toBeLessThan(slow.seconds * 0.6);
  });

  test('a voice espeak-ng does not have falls back to the default, with one warning, for every clip after', async () => {
    const voice = engine.voiceFor({ voice: 'zz-nope', rate: 165 }, log);
    const clips = await Promise.all(['One.', 'Two.', 'Three.'].map((text, i) => voice.speak(text, join(dir, `fallback-${i}`), signal)));
    expect(clips.every((clip) => clip.seconds > 0)).toBe(true);
    expect(voice.name).toBe('espeak-ng en');
    expect(logs).toEqual([['warn', expect.stringContaining('voice "zz-nope" failed, using "en"')]]);
  });

  test('text starting with a dash is spoken, not read as an option', async () => {
    const clip = await engine.voiceFor({ rate: 165 }, log).speak('-w /tmp/evil --version', join(dir, 'dash'), signal);
    expect(clip.seconds).toBeGreaterThan(0.5);
  });

  test('an aborted run stops with PipelineAbortedError', async () => {
    const abort = new AbortController();
    const speaking = engine.voiceFor({ rate: 165 }, log).speak('word '.repeat(2000), join(dir, 'aborted'), abort.signal);
    setTimeout(() => abort.abort(), 50);
    await expect(speaking).rejects.toBeInstanceOf(PipelineAbortedError);
  });
});
