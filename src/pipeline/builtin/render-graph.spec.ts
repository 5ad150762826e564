import { RenderScene, VideoRender, captionSegments, composeArgs, renderArgs } from './render-graph';
import { PRESET_COLORS, resolveTheme } from './theme';
import { TRANSITION_FRAMES } from './timeline';

const theme = resolveTheme(PRESET_COLORS.sunset);
const line = { text: 'SECRET user text', font: 'body' as const, fontSize: 20, x: 10, align: 'left' as const, baseline: 40, color: '0xffffff' };
const box = { x: 10, y: 100, width: 50, height: 20, color: '0x000000@0.6' };

function scene(frames: number, overrides: Partial<RenderScene> = {}): RenderScene {
  return { frames, boxes: [], texts: [{ line, file: '/w/line.txt', fontFile: '/f/font.ttf' }], captions: [], ...overrides };
}

function caption(start: number, end: number) {
  return { start, end, box, texts: [{ line, file: `/w/cue-${start}.txt`, fontFile: '/f/font.ttf' }] };
}

const graphOf = (args: string[]): string => args[args.indexOf('-filter_complex') + 1];

describe('captionSegments', () => {
  it('covers every frame once: before, during and between cues', () => {
    const segments = captionSegments(scene(90, { captions: [caption(0.4, 1), caption(1, 2), caption(2.5, 2.8)] }));
    expect(segments.map((s) => [s.frames, s.caption?.start])).toEqual([
      [12, undefined],
      [18, 0.4],
      [30, 1],
      [15, undefined],
      [9, 2.5],
      [6, undefined],
    ]);
    expect(segments.reduce((sum, s) => sum + s.frames, 0)).toBe(90);
  });

  it('clamps cues to the scene and drops empty ones', () => {
    const segments = captionSegments(scene(30, { captions: [caption(0, 0), caption(0.5, 5)] }));
    expect(segments.map((s) => [s.frames, s.caption?.start])).toEqual([
      [15, undefined],
      [15, 0.5],
    ]);
  });

  it('is one segment without captions', () => {
    expect(captionSegments(scene(42))).toEqual([{ frames: 42 }]);
  });
});

describe('renderArgs', () => {
  const render: VideoRender = {
    frame: { width: 640, height: 360 },
    theme,
    scenes: [
      scene(75),
      scene(120, { captions: [caption(0.4, 2), caption(2, 3.5)], picture: { file: '/up/p.png', rect: { x: 300, y: 60, width: 200, height: 150 } } }),
      scene(90),
    ],
    narration: [
      { file: '/w/scene-01.wav', startSeconds: 0.4 },
      { file: '/w/scene-02.wav', startSeconds: 3.3 },
    ],
    output: '/w/render.mp4',
  };

  it('never puts user text into the command line: drawtext reads it from files', () => {
    const args = renderArgs(render);
    expect(args.join(' ')).not.toContain('SECRET');
    expect(graphOf(args)).toContain('textfile=/w/line.txt:expansion=none');
  });

  it('takes pictures, then narration clips as inputs, and places each clip at its time', () => {
    const args = renderArgs(render);
    const inputs = args.flatMap((arg, i) => (arg === '-i' ? [args[i + 1]] : []));
    expect(inputs).toEqual(['/up/p.png', '/w/scene-01.wav', '/w/scene-02.wav']);
    const graph = graphOf(args);
    expect(graph).toContain('[0:v]scale=w=400:h=300');
    expect(graph).toContain('zoompan=');
    expect(graph).toContain('[1:a]aformat=sample_fmts=fltp:sample_rates=44100:channel_layouts=stereo,adelay=delays=400:all=1');
    expect(graph).toContain('[2:a]aformat=sample_fmts=fltp:sample_rates=44100:channel_layouts=stereo,adelay=delays=3300:all=1');
    // 75 + 120 + 90 frames minus two crossfades.
    const seconds = ((75 + 120 + 90 - 2 * TRANSITION_FRAMES) / 30).toFixed(3);
    expect(graph).toContain(`apad=whole_dur=${seconds},atrim=duration=${seconds}`);
    expect(args.slice(-1)).toEqual(['/w/render.mp4']);
    expect(args).toEqual(expect.arrayContaining(['-map', '[v]', '-map', '[a]', '-c:a', 'aac']));
  });

  it('crossfades each pair of scenes over 12 frames and joins the pieces with concat', () => {
    const graph = graphOf(renderArgs(render));
    expect(graph.match(/fade=t=in:st=0:d=0\.400:alpha=1/gu)).toHaveLength(2);
    expect(graph).toContain('[tail0][in1]overlay');
    expect(graph).toContain('[tail1][in2]overlay');
    expect(graph).toContain('[body0][x1][body1][x2][body2]concat=n=5:v=1:a=0[v]');
    expect(graph).toContain(`[tail1in]trim=start_frame=${120 - TRANSITION_FRAMES}`);
    expect(graph).toContain('fade=t=out:st=2.400:d=0.6'); // the last scene fades to black
    expect(graph).not.toContain('xfade');
  });

  it('draws captions on stills, never per frame', () => {
    const graph = graphOf(renderArgs(render));
    expect(graph).not.toContain('enable=');
    expect(graph).toContain('[seg1x0][seg1x1][seg1x2][seg1x3]concat=n=4');
    expect(graph.match(/textfile=\/w\/cue-/gu)).toHaveLength(2);
  });

  it('makes a video-only render when the narration is mixed later', () => {
    const args = renderArgs({ ...render, narration: undefined });
    expect(args).not.toContain('[a]');
    expect(args.filter((arg) => arg === '-i')).toHaveLength(1);
  });

  it('fills a narration-less video with silence', () => {
    expect(graphOf(renderArgs({ ...render, narration: [] }))).toContain('anullsrc=r=44100:cl=stereo');
  });
});

describe('composeArgs', () => {
  it('remuxes with the index in front when there is no music', () => {
    expect(composeArgs({ video: '/w/render.mp4', durationSeconds: 10, output: '/w/video.mp4' })).toEqual([
      ...['-nostdin', '-hide_banner', '-loglevel', 'error', '-y'],
      ...['-i', '/w/render.mp4', '-map', '0', '-c', 'copy', '-movflags', '+faststart', '/w/video.mp4'],
    ]);
  });

  it('loops, ducks, fades and mixes the music under the narration, copying the video', () => {
    const args = composeArgs({
      video: '/w/render.mp4',
      durationSeconds: 12,
      output: '/w/video.mp4',
      music: { bed: { file: '/up/music.mp3', volume: 0.2 }, narration: [{ file: '/w/a.wav', startSeconds: 0.4 }] },
    });
    expect(args.slice(args.indexOf('-stream_loop'), args.indexOf('-stream_loop') + 4)).toEqual(['-stream_loop', '-1', '-i', '/up/music.mp3']);
    const graph = graphOf(args);
    expect(graph).toContain('[2:a]aformat');
    expect(graph).toContain('volume=0.2,atrim=duration=12.000');
    expect(graph).toContain('afade=t=out:st=9.500:d=2.500');
    expect(graph).toContain('[bed][key]sidechaincompress');
    expect(graph).toContain('[speech][ducked]amix=inputs=2:normalize=0');
    expect(args).toEqual(expect.arrayContaining(['-map', '0:v', '-c:v', 'copy', '-map', '[a]', '+faststart']));
  });
});
