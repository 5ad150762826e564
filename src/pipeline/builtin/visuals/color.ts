/** Theme colours (ffmpeg's 0xRRGGBB[@alpha]) for SVG drawings. */

/** #rrggbb of an ffmpeg colour (its alpha dropped). */
export function hexColor(ffmpegColor: string): string {
  return `#${ffmpegColor.slice(2, 8)}`;
}

/** True for colours light enough that dark ones read well on them (WCAG relative luminance above 0.5). */
export function isLightColor(ffmpegColor: string): boolean {
  const value = Number.parseInt(ffmpegColor.slice(2, 8), 16);
  const [r, g, b] = [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff].map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.5;
}
