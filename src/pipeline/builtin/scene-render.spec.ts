import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeVideo } from '../media-probe';
import { RenderScene, concatList } from './render-graph';
import { chunkAt, composeVideo, encodeNarration, renderChunks } from './scene-render';
import { PRESET_COLORS, resolveTheme } from './theme';
import { TRANSITION_FRAMES } from './timeline';

// Real ffmpeg runs.
jest.setTimeout(30_000);

const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';

/** Byte offset of a top-level MP4 box, or -1. */
function boxOffset(file: string, type: string): number {
  const data = readFileSync(file);
  for (let at = 0; at + 8 <= data.length; ) {
    if (data.toString('latin1', at + 4, at + 8) === type) return at;
    const size = data.readUInt32BE(at);
    if (size < 8) return -1;
    at += size;
  }
  return -1;
}

describe('renderVideo and composeVideo', () => {
  let dir: string;
  beforeAll(() => {
    // Every character that means something to ffmpeg's filtergraph parser, in the work directory's path.
    dir = mkdtempSync(join(tmpdir(), "scene it's: [odd], a;b \\ dir-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('renders scenes, captions and a picture, encodes the narration, then finishes the MP4 with and without music', async () => {
    const run = { signal: new AbortController().signal, cwd: dir };
    const font = join(dir, "font: it's [x].ttf");
    copyFileSync(FONT, font);
    const file = (name: string, text: string): string => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };
    const picture = join(dir, 'picture [1].png');
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=160x120', '-frames:v', '1', picture]);
    const voice = join(dir, "voice it's.wav");
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=f=440:d=1:r=22050', voice]);
    const music = join(dir, 'music; loop.wav');
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=f=110:d=0.7', music]);

    const line = (text: string, baseline: number) => ({
      line: { text, font: 'body' as const, fontSize: 14, x: 160, align: 'center' as const, baseline, color: '0xffffff', shadow: '0x000000@0.4' },
      file: file(`line ${baseline}.txt`, text),
      fontFile: font,
    });
    const scenes: RenderScene[] = [
      {
        frames: 45,
        boxes: [{ x: 20, y: 120, width: 40, height: 3, color: '0x38bdf8' }],
        graphics: [],
        texts: [line("100% %{pts} it's \\ a:b", 60)],
        steps: [],
        captions: [],
      },
      {
        frames: 60,
        boxes: [],
        graphics: [],
        texts: [line('second', 30)],
        steps: [],
        picture: { file: picture, rect: { x: 180, y: 40, width: 120, height: 90 } },
        captions: [{ start: 0.4, end: 1.5, box: { x: 60, y: 140, width: 200, height: 24, color: '0x000000@0.6' }, texts: [line('a cue: [1]', 158)] }],
      },
    ];
    const seconds = (45 + 60 - TRANSITION_FRAMES) / 30;
    const progress: number[] = [];
    const render = { frame: { width: 320, height: 180 }, theme: resolveTheme(PRESET_COLORS.forest), scenes };
    const chunks = await renderChunks(render, run, (fraction) => progress.push(fraction));
    expect(chunks).toEqual([{ file: join(dir, 'chunk-01.mp4'), startSeconds: 0 }]);
    expect(progress.length).toBeGreaterThan(0);
    expect(Math.max(...progress)).toBeLessThanOrEqual(1);
    const video = await probeVideo(chunks[0].file, run.signal);
    expect(video).toMatchObject({ width: 320, height: 180, videoCodec: 'h264', audioCodec: null, fps: 30 });
    expect(video.durationSeconds).toBeCloseTo(seconds, 1);

    const track = join(dir, "narration it's.m4a");
    await encodeNarration([{ file: voice, startSeconds: 0.4 }], seconds, track, run);
    const chunkList = join(dir, 'chunks [list].txt');
    writeFileSync(chunkList, concatList(chunks.map((chunk) => chunk.file)));
    const plain = join(dir, 'plain [out].mp4');
    await composeVideo({ chunkList, durationSeconds: seconds, sound: { track }, output: plain }, run);
    const muxed = await probeVideo(plain, run.signal);
    expect(muxed).toMatchObject({ videoCodec: 'h264', audioCodec: 'aac' });
    expect(muxed.durationSeconds).toBeCloseTo(seconds, 1);
    expect(boxOffset(plain, 'moov')).toBeLessThan(boxOffset(plain, 'mdat')); // +faststart

    const mixed = join(dir, "mixed it's.mp4");
    const sound = { bed: { file: music, volume: 0.5 }, narration: [{ file: voice, startSeconds: 0.4 }] };
    await composeVideo({ chunkList, durationSeconds: seconds, sound, output: mixed }, run);
    const final = await probeVideo(mixed, run.signal);
    expect(final).toMatchObject({ videoCodec: 'h264', audioCodec: 'aac' });
    expect(final.durationSeconds).toBeCloseTo(seconds, 1); // the 0.7 s bed was looped, not stopping the mix
    expect(boxOffset(mixed, 'moov')).toBeLessThan(boxOffset(mixed, 'mdat'));
  });
});

describe('chunkAt', () => {
  const chunks = [
    { file: 'chunk-01.mp4', startSeconds: 0 },
    { file: 'chunk-02.mp4', startSeconds: 12.5 },
    { file: 'chunk-03.mp4', startSeconds: 30 },
  ];

  it('finds the chunk showing a moment and the moment within it', () => {
    expect(chunkAt(chunks, 1)).toEqual({ file: 'chunk-01.mp4', atSeconds: 1 });
    expect(chunkAt(chunks, 12.5)).toEqual({ file: 'chunk-02.mp4', atSeconds: 0 });
    expect(chunkAt(chunks, 31)).toEqual({ file: 'chunk-03.mp4', atSeconds: 1 });
  });
});
