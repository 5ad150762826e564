import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeVideo } from '../media-probe';
import { concatSegments, escapeFilterValue, renderBackground, renderScene } from './scene-render';

describe('escapeFilterValue', () => {
  it('leaves plain values alone', () => {
    expect(escapeFilterValue('/usr/share/fonts/a-b_c.ttf')).toBe('/usr/share/fonts/a-b_c.ttf');
    expect(escapeFilterValue('100-text_w/2')).toBe('100-text_w/2');
  });

  it('escapes for the option parser and then for the graph parser', () => {
    expect(escapeFilterValue('a:b')).toBe('a\\\\:b');
    expect(escapeFilterValue("it's")).toBe("it\\\\\\'s");
    expect(escapeFilterValue('a\\b')).toBe('a\\\\\\\\b');
    expect(escapeFilterValue('min(640,iw)')).toBe('min(640\\,iw)');
    expect(escapeFilterValue('[x];y')).toBe('\\[x\\]\\;y');
  });
});

const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
(existsSync(FONT) ? describe : describe.skip)('renderScene', () => {
  let dir: string;
  beforeAll(() => {
    // Every character that means something to ffmpeg's filtergraph parser, in the work directory's path.
    dir = mkdtempSync(join(tmpdir(), "scene it's: [odd], a;b \\ dir-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('renders and joins scenes whose paths are full of filtergraph and concat special characters', async () => {
    const run = { signal: new AbortController().signal, cwd: dir };
    const font = join(dir, "font: it's [x].ttf");
    copyFileSync(FONT, font);
    const background = join(dir, 'bg.png');
    await renderBackground(320, 180, background, run);
    const output = join(dir, 'scene.mp4');
    await renderScene(
      {
        name: 'scene-01',
        layout: {
          lines: [
            { text: "100% %{pts} it's \\ a:b", font: 'heading', fontSize: 16, x: 160, align: 'center', baseline: 60, color: '0xffffff' },
            { text: 'second', font: 'body', fontSize: 12, x: 20, align: 'left', baseline: 100, color: '0xe2e8f0' },
          ],
          boxes: [{ x: 20, y: 120, width: 40, height: 3, color: '0x38bdf8' }],
        },
        fonts: { heading: font, body: font },
        durationSeconds: 0.5,
        narrationFile: null,
        background,
        output,
      },
      run,
    );
    const joined = join(dir, "joined it's.mp4");
    await concatSegments(join(dir, 'list.txt'), [output, output], joined, run);
    const probed = await probeVideo(joined, run.signal);
    expect(probed).toMatchObject({ width: 320, height: 180, videoCodec: 'h264', audioCodec: 'aac', fps: 30 });
    expect(probed.durationSeconds).toBeCloseTo(1, 1);
  });
});
