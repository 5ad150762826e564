import { PRESET_COLORS, THEME_PRESETS, resolveTheme } from './theme';

describe('resolveTheme', () => {
  it('turns #rrggbb into ffmpeg colours and derives the rest', () => {
    const theme = resolveTheme(PRESET_COLORS.midnight);
    expect(theme).toMatchObject({ backgroundFrom: '0x0b1120', backgroundTo: '0x1e1b4b', heading: '0xf8fafc', accent: '0x38bdf8' });
    expect(theme.body).toMatch(/^0x[0-9a-f]{6}$/u);
    expect(theme.track).toBe('0xf8fafc@0.14');
  });

  it('gives every preset its own look', () => {
    const looks = THEME_PRESETS.map((preset) => JSON.stringify(resolveTheme(PRESET_COLORS[preset])));
    expect(new Set(looks).size).toBe(THEME_PRESETS.length);
  });

  it('adapts shadow and vignette to light and dark themes', () => {
    const dark = resolveTheme(PRESET_COLORS.midnight);
    const light = resolveTheme(PRESET_COLORS.daylight);
    expect(dark).toMatchObject({ vignette: true, textShadow: '0x000000@0.45' });
    expect(light).toMatchObject({ vignette: false, textShadow: '0xffffff@0.35' });
    // Captions keep light text on a dark box everywhere.
    expect(light.captionText).toBe('0xffffff');
    expect(light.captionBox).toBe(dark.captionBox);
  });

  it('mixes body and muted text towards the background', () => {
    const theme = resolveTheme({ background: ['#000000', '#000000'], text: '#ffffff', accent: '#ff0000' });
    expect(theme.body).toBe('0xe6e6e6');
    expect(theme.muted).toBe('0x9e9e9e');
  });
});
