/**
 * An image's dimensions as its header declares them, read without decoding anything: an upload declaring a
 * canvas too large to hold is refused before a decoder allocates it. Null when the header cannot be read here
 * (ffmpeg's own pixel limit still stands behind this).
 */
import { SniffedFormat } from './media-sniff';

export interface ImageDimensions {
  width: number;
  height: number;
}

export function imageDimensions(bytes: Buffer, format: SniffedFormat): ImageDimensions | null {
  if (format === 'png') return pngDimensions(bytes);
  if (format === 'jpeg') return jpegDimensions(bytes);
  if (format === 'webp') return webpDimensions(bytes);
  return null;
}

/** The IHDR chunk comes first, right after the 8-byte signature. */
function pngDimensions(bytes: Buffer): ImageDimensions | null {
  if (bytes.length < 24 || bytes.toString('latin1', 12, 16) !== 'IHDR') return null;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** Start-of-frame markers (baseline, progressive, lossless, arithmetic); C4, C8 and CC share the range but are not frames. */
const isStartOfFrame = (marker: number) => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

/** Walks the marker segments up to the first start-of-frame, which holds the height and width. */
function jpegDimensions(bytes: Buffer): ImageDimensions | null {
  let offset = 2; // after SOI
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return null;
    const marker = bytes[offset + 1];
    if (marker === 0xff) {
      offset++; // fill byte
      continue;
    }
    const length = bytes.readUInt16BE(offset + 2);
    if (isStartOfFrame(marker)) {
      if (offset + 9 > bytes.length) return null;
      return { width: bytes.readUInt16BE(offset + 7), height: bytes.readUInt16BE(offset + 5) };
    }
    if (marker === 0xda || length < 2) return null; // image data before any frame header
    offset += 2 + length;
  }
  return null;
}

/** RIFF header, then the first chunk: VP8X (extended: the canvas), VP8L (lossless) or VP8 (lossy). */
function webpDimensions(bytes: Buffer): ImageDimensions | null {
  if (bytes.length < 30) return null;
  const chunk = bytes.toString('latin1', 12, 16);
  if (chunk === 'VP8X') return { width: bytes.readUIntLE(24, 3) + 1, height: bytes.readUIntLE(27, 3) + 1 };
  if (chunk === 'VP8L') {
    const bits = bytes.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8 ') return { width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff };
  return null;
}
