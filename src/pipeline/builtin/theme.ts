/**
 * Colour themes. A request picks a preset or gives its own background gradient, text and accent colours;
 * every other colour on screen (body, muted text, tracks, shadows) is derived from those, so any valid
 * choice stays legible and consistent.
 */

export const THEME_PRESETS = ['midnight', 'daylight', 'forest', 'sunset'] as const;
export type ThemePreset = (typeof THEME_PRESETS)[number];
export const DEFAULT_THEME_PRESET: ThemePreset = 'midnight';

/** What a request may set, as #rrggbb strings. */
export interface ThemeColors {
  /** Diagonal gradient from the top-left to the bottom-right corner. */
  background: [string, string];
  text: string;
  accent: string;
}

export const PRESET_COLORS: Record<ThemePreset, ThemeColors> = {
  midnight: { background: ['#0b1120', '#1e1b4b'], text: '#f8fafc', accent: '#38bdf8' },
  daylight: { background: ['#f8fafc', '#dbeafe'], text: '#0f172a', accent: '#2563eb' },
  forest: { background: ['#052e1a', '#14432f'], text: '#f0fdf4', accent: '#4ade80' },
  sunset: { background: ['#2e1065', '#7c2d12'], text: '#fff7ed', accent: '#fb923c' },
};

export const HEX_COLOR = /^#[0-9a-f]{6}$/iu;

/** Colours as ffmpeg colour strings (0xRRGGBB, optionally @alpha), ready for drawtext/drawbox. */
export interface Theme {
  backgroundFrom: string;
  backgroundTo: string;
  heading: string;
  body: string;
  muted: string;
  accent: string;
  /** Unfilled part of the progress bar and the mat around pictures. */
  track: string;
  textShadow: string;
  /** A vignette darkens the corners: pleasant on dark backgrounds, dirty-looking on light ones. */
  vignette: boolean;
  captionBox: string;
  captionText: string;
}

export function resolveTheme(colors: ThemeColors): Theme {
  const [from, to] = colors.background.map(parseHex);
  const text = parseHex(colors.text);
  const middle = mix(from, to, 0.5);
  const darkBackground = luminance(middle) < 0.4;
  return {
    backgroundFrom: ffmpegColor(from),
    backgroundTo: ffmpegColor(to),
    heading: ffmpegColor(text),
    body: ffmpegColor(mix(text, middle, 0.1)),
    muted: ffmpegColor(mix(text, middle, 0.38)),
    accent: ffmpegColor(parseHex(colors.accent)),
    track: `${ffmpegColor(text)}@0.14`,
    // A shadow opposite to the text's lightness lifts it off the gradient without a visible halo.
    textShadow: luminance(text) > 0.5 ? '0x000000@0.45' : '0xffffff@0.35',
    vignette: darkBackground,
    // Captions keep the broadcast convention (light text on a dark translucent box) on every theme.
    captionBox: '0x000000@0.62',
    captionText: '0xffffff',
  };
}

type Rgb = [number, number, number];

/** #rrggbb of a theme colour (ffmpeg's 0xRRGGBB[@alpha], its alpha dropped), for SVG drawings. */
export function hexColor(ffmpegColor: string): string {
  return `#${ffmpegColor.slice(2, 8)}`;
}

/** True for theme colours light enough that dark ones read well on them (relative luminance above 0.5). */
export function isLightColor(ffmpegColor: string): boolean {
  return luminance(parseHex(hexColor(ffmpegColor))) > 0.5;
}

function parseHex(hex: string): Rgb {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];
}

function ffmpegColor(rgb: Rgb): string {
  return `0x${rgb.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;
}

/** `a` moved towards `b` by `amount` (0–1). */
function mix(a: Rgb, b: Rgb, amount: number): Rgb {
  return [0, 1, 2].map((i) => a[i] + (b[i] - a[i]) * amount) as Rgb;
}

/** Relative luminance (WCAG), 0 = black, 1 = white. */
function luminance(rgb: Rgb): number {
  const [r, g, b] = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
