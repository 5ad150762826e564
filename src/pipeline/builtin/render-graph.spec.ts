import {
  RenderScene,
  VideoRender,
  chunkArgs,
  chunkFrames,
  composeArgs,
  concatList,
  narrationArgs,
  planChunks,
} from './render-graph';
import { PRESET_COLORS, resolveTheme } from './theme';
import { TRANSITION_FRAMES } from './timeline';

const theme = resolveTheme(PRESET_COLORS.sunset);
const line = { text: 'SECRET user text', font: 'body' as const, fontSize: 20, x: 10, align: 'left' as const, baseline: 40, color: '0xffffff' };
const box = { x: 100, y: 300, width: 50, height: 20, color: '0x000000@0.62' };

function scene(frames: number, overrides: Partial<RenderScene> = {}): RenderScene {
  return { frames, boxes: [], graphics: [], texts: [{ line, file: '/w/line.txt', fontFile: '/f/font.ttf' }], steps: [], captions: [], ...overrides };
}

function caption(start: number, end: number) {
  return { start, end, box, texts: [{ line: { ...line, x: 110, baseline: 315 }, file: `/w/cue-${start}.txt`, fontFile: '/f/font.ttf' }] };
}

const graphOf = (args: string[]): string => args[args.indexOf('-filter_complex') + 1];
const inputsOf = (args: string[]): string[] => args.flatMap((arg, i) => (arg === '-i' ? [args[i + 1]] : []));

const render: VideoRender = {
  frame: { width: 640, height: 360 },
  theme,
  scenes: [
    scene(75),
    scene(120, {
      captions: [caption(0.4, 2), caption(2, 3.5)],
      picture: { file: '/up/p.png', rect: { x: 300, y: 60, width: 200, height: 150 } },
    }),
    scene(90),
  ],
};

describe('planChunks', () => {
  it('groups scenes about six to a chunk, evenly, never a lone tail', () => {
    expect(planChunks(3)).toEqual([{ first: 0, last: 2 }]);
    expect(planChunks(7)).toEqual([{ first: 0, last: 6 }]); // intro, five scenes, outro: one process
    expect(planChunks(13)).toEqual([
      { first: 0, last: 5 },
      { first: 6, last: 12 },
    ]);
    expect(planChunks(4, 2)).toEqual([
      { first: 0, last: 1 },
      { first: 2, last: 3 },
    ]);
  });

  it('covers every scene once, in order, one to eight to a chunk', () => {
    for (let count = 1; count <= 60; count++) {
      const chunks = planChunks(count);
      const scenes = chunks.flatMap((c) => Array.from({ length: c.last - c.first + 1 }, (_, i) => c.first + i));
      expect(scenes).toEqual(Array.from({ length: count }, (_, i) => i));
      for (const c of chunks) expect(c.last - c.first + 1).toBeGreaterThanOrEqual(1);
      for (const c of chunks) expect(c.last - c.first + 1).toBeLessThanOrEqual(8);
    }
  });

  it('cuts the video where crossfades start, covering every frame once', () => {
    const scenes = [scene(75), scene(120), scene(90), scene(100)];
    const frames = planChunks(4, 2).map((chunk) => chunkFrames({ ...render, scenes }, chunk));
    const total = 75 + 120 + 90 + 100 - 3 * TRANSITION_FRAMES;
    expect(frames).toEqual([
      { from: 0, to: 75 + 120 - 2 * TRANSITION_FRAMES },
      { from: 75 + 120 - 2 * TRANSITION_FRAMES, to: total },
    ]);
  });
});

describe('chunkArgs', () => {
  const whole = chunkArgs(render, { first: 0, last: 2 }, '/w/chunk-01.mp4');

  it('never puts user text into the command line: drawtext reads it from files', () => {
    expect(whole.join(' ')).not.toContain('SECRET');
    expect(graphOf(whole)).toContain('textfile=/w/line.txt:expansion=none');
  });

  it('renders video only, with the pictures as inputs', () => {
    expect(inputsOf(whole)).toEqual(['/up/p.png']);
    expect(whole).toEqual(expect.arrayContaining(['-map', '[v]', '-c:v', 'libx264']));
    expect(whole).not.toContain('-c:a');
    expect(whole.slice(-1)).toEqual(['/w/chunk-01.mp4']);
  });

  it('crossfades each pair of scenes over 12 frames of their stills, joined by concat', () => {
    const graph = graphOf(whole);
    expect(graph.match(/fade=t=in:st=0:d=0\.400:alpha=1/gu)).toHaveLength(3); // two crossfades, the picture fading in
    expect(graph).toContain('[from0][to1]overlay=format=yuv420[x1]');
    expect(graph).toContain('[from1][to2]overlay=format=yuv420[x2]');
    expect(graph).toContain('[body0][x1][body1][x2][body2]concat=n=5:v=1:a=0');
    expect(graph).toContain(`[body1s0in]loop=loop=-1:size=1,settb=1/30,setpts=N,trim=end_frame=${120 - 2 * TRANSITION_FRAMES}[body1]`);
    expect(graph).toMatch(/fade=t=out:st=[\d.]+:d=0\.6,null\[v\]$/u); // the end fades to black
    expect(graph).not.toContain('xfade');
  });

  it('lays pictures and captions on the timeline only for their own frames', () => {
    const graph = graphOf(whole);
    const sceneStart = 75 - TRANSITION_FRAMES;
    expect(graph).toContain('[0:v]scale=w=400:h=300');
    expect(graph).toContain(`zoompan=z=1+0.06*(on+0)/120:x=(iw-iw/zoom)/2:y=(ih-ih/zoom)/2:d=120:s=200x150:fps=30`);
    expect(graph).toContain(`setpts=N+${sceneStart}[pic1]`);
    // Cue 1: 0.4–2 s of the scene = frames 12–60; cue 2: 60–105.
    expect(graph).toContain(`trim=end_frame=48,setpts=PTS+${sceneStart + 12}[cue1x0]`);
    expect(graph).toContain(`trim=end_frame=45,setpts=PTS+${sceneStart + 60}[cue1x1]`);
    expect(graph).toContain('color=c=0x000000@0.62:s=50x20:r=30,format=rgba');
    expect(graph).toContain('x=10:y=15-ascent'); // cue text placed relative to its box
    expect(graph.match(/eof_action=pass/gu)).toHaveLength(3);
    expect(graph).not.toContain('enable=');
  });

  it('renders a later chunk from the crossfade into its first scene, with the scene before it for that crossfade', () => {
    const second = chunkArgs(render, { first: 2, last: 2 }, '/w/chunk-02.mp4');
    const graph = graphOf(second);
    expect(graph).toContain('split=2[bg1][bg2]');
    expect(graph).toContain('[from1][to2]overlay');
    expect(graph).toContain('[x2][body2]concat=n=2');
    // The previous scene's picture fades out during that crossfade: its last 12 zoom frames only.
    expect(graph).toContain(`zoompan=z=1+0.06*(on+${120 - TRANSITION_FRAMES})/120`);
    expect(graph).toContain(`:d=${TRANSITION_FRAMES}:s=200x150`);
    expect(graph).toContain('fade=t=out:st=0.000:d=0.400:alpha=1');
    expect(graph).not.toContain('[cue1x'); // captions belong to their own scene's chunk
    const first = graphOf(chunkArgs(render, { first: 0, last: 1 }, '/w/chunk-01.mp4'));
    expect(first).not.toMatch(/fade=t=out:st=[\d.]+:d=0\.6/u); // only the last chunk fades to black
  });
});

describe('chunkArgs with graphics and steps', () => {
  const marker = (k: number) => ({ x: 20, y: 100 + 30 * k, width: 8, height: 8, color: '0x38bdf8' });
  const bullet = (k: number) => ({ line: { ...line, text: `bullet ${k}` }, file: `/w/bullet-${k}.txt`, fontFile: '/f/font.ttf' });
  const page1 = { file: '/w/code-1.png', x: 300, y: 40 };
  const page2 = { file: '/w/code-2.png', x: 300, y: 40 };
  const stepped = scene(150, {
    graphics: [{ file: '/w/math.png', x: 40, y: 50 }],
    steps: [
      { startFrame: 0, boxes: [marker(0)], graphics: [page1], texts: [bullet(0)] },
      { startFrame: 60, boxes: [marker(0), marker(1)], graphics: [page1], texts: [bullet(0), bullet(1)] },
      { startFrame: 100, boxes: [marker(0), marker(1)], graphics: [page2], texts: [bullet(0), bullet(1)] },
    ],
  });
  const steppedRender: VideoRender = { ...render, scenes: [scene(75), stepped, scene(90)] };
  const args = chunkArgs(steppedRender, { first: 0, last: 2 }, '/w/chunk-01.mp4');
  const graph = graphOf(args);

  it('reads each graphic once, however many stills show it', () => {
    expect(inputsOf(args)).toEqual(['/w/math.png', '/w/code-1.png', '/w/code-2.png']);
    expect(graph).toContain('[1:v]split=2[g1u0][g1u1]');
    expect(graph).toContain('[0:v]split=1[g0u0]');
  });

  it('bakes graphics into the stills: overlaid once each, never on the running video', () => {
    expect(graph).toMatch(/\[bg1\]\[g0u0\]overlay=x=40:y=50:format=gbrp,drawtext=[^;]*\[base1\]/u);
    expect(graph).toContain('[base1]split=3[base1s0][base1s1][base1s2]');
    expect(graph).toMatch(/\[base1s0\]drawbox=[^;]*\[still1s0g0\];\[still1s0g0\]\[g1u0\]overlay=x=300:y=40:format=gbrp,drawtext=[^;]*bullet-0\.txt[^;]*\[still1s0\]/u);
    expect(graph).toMatch(/\[still1s2g0\]\[g2u0\]overlay=x=300:y=40:format=gbrp/u);
    // The only layers on the timeline are the captions and pictures (there are none here).
    expect(graph).not.toContain('eof_action=pass');
  });

  it('plays the steps as a sequence of held stills, the crossfades showing the first step in and the last out', () => {
    expect(graph).toContain('[still1s0]format=yuv420p,split=2[to1s0in][body1s0in]');
    expect(graph).toContain('[still1s1]format=yuv420p,split=1[body1s1in]');
    expect(graph).toContain('[still1s2]format=yuv420p,split=2[body1s2in][from1s2in]');
    expect(graph).toContain(`[body1s0in]loop=loop=-1:size=1,settb=1/30,setpts=N,trim=end_frame=${60 - TRANSITION_FRAMES}[body1]`);
    expect(graph).toContain('[body1s1in]loop=loop=-1:size=1,settb=1/30,setpts=N,trim=end_frame=40[body1s1]');
    expect(graph).toContain(`[body1s2in]loop=loop=-1:size=1,settb=1/30,setpts=N,trim=end_frame=${150 - TRANSITION_FRAMES - 100}[body1s2]`);
    expect(graph).toContain('[to1s0in]loop');
    expect(graph).toContain('[from1s2in]loop');
    expect(graph).toContain('[body0][x1][body1][body1s1][body1s2][x2][body2]concat=n=7:v=1:a=0');
  });

  it('draws only the last step of the scene before a chunk, for the crossfade out of it', () => {
    const later = graphOf(chunkArgs(steppedRender, { first: 2, last: 2 }, '/w/chunk-02.mp4'));
    expect(later).not.toContain('[body1');
    expect(later).not.toContain('bullet-0.txt:expansion=none:fontsize=20:fontcolor=0xffffff:x=10:y=40-ascent[still1s0]');
    expect(later).toContain('[still1s2]format=yuv420p,split=1[from1s2in]');
    expect(later).toContain('[x2][body2]concat=n=2');
  });
});

describe('narrationArgs', () => {
  it('places each clip at its time in one AAC track of the video’s length', () => {
    const args = narrationArgs(
      [
        { file: '/w/scene-01.wav', startSeconds: 0.4 },
        { file: '/w/scene-02.wav', startSeconds: 3.3 },
      ],
      8.7,
      '/w/narration.m4a',
    );
    expect(inputsOf(args)).toEqual(['/w/scene-01.wav', '/w/scene-02.wav']);
    const graph = graphOf(args);
    expect(graph).toContain('[0:a]aformat=sample_fmts=fltp:sample_rates=44100:channel_layouts=stereo,adelay=delays=400:all=1');
    expect(graph).toContain('[1:a]aformat=sample_fmts=fltp:sample_rates=44100:channel_layouts=stereo,adelay=delays=3300:all=1');
    expect(graph).toContain('apad=whole_dur=8.700,atrim=duration=8.700');
    expect(args).toEqual(expect.arrayContaining(['-map', '[a]', '-c:a', 'aac']));
  });

  it('fills a narration-less video with silence', () => {
    expect(graphOf(narrationArgs([], 3, '/w/n.m4a'))).toContain('anullsrc=r=44100:cl=stereo');
  });
});

describe('composeArgs', () => {
  it('joins the chunks and the narration track without re-encoding, index in front', () => {
    expect(composeArgs({ chunkList: '/w/chunks.txt', durationSeconds: 10, sound: { track: '/w/n.m4a' }, output: '/w/video.mp4' })).toEqual([
      ...['-nostdin', '-hide_banner', '-loglevel', 'error', '-y'],
      ...['-f', 'concat', '-safe', '0', '-i', '/w/chunks.txt', '-i', '/w/n.m4a'],
      ...['-map', '0:v', '-map', '1:a', '-c', 'copy', '-movflags', '+faststart', '/w/video.mp4'],
    ]);
  });

  it('loops, ducks, fades and mixes the music under the narration, copying the video', () => {
    const args = composeArgs({
      chunkList: '/w/chunks.txt',
      durationSeconds: 12,
      output: '/w/video.mp4',
      sound: { bed: { file: '/up/music.mp3', volume: 0.2 }, narration: [{ file: '/w/a.wav', startSeconds: 0.4 }] },
    });
    expect(args.slice(args.indexOf('-stream_loop'), args.indexOf('-stream_loop') + 4)).toEqual(['-stream_loop', '-1', '-i', '/up/music.mp3']);
    const graph = graphOf(args);
    expect(graph).toContain('[1:a]aformat'); // the narration clip
    expect(graph).toContain('[2:a]aformat'); // the music
    expect(graph).toContain('volume=0.2,atrim=duration=12.000');
    expect(graph).toContain('afade=t=out:st=9.500:d=2.500');
    expect(graph).toContain('[bed][key]sidechaincompress');
    expect(graph).toContain('[speech][ducked]amix=inputs=2:normalize=0');
    expect(args).toEqual(expect.arrayContaining(['-map', '0:v', '-c:v', 'copy', '-map', '[a]', '+faststart']));
  });
});

describe('concatList', () => {
  it('quotes paths for the concat script syntax', () => {
    expect(concatList(['/w/a.mp4', "/w/it's.mp4"])).toBe("file '/w/a.mp4'\nfile '/w/it'\\''s.mp4'\n");
  });
});
