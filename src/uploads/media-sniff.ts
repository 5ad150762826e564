/**
 * Recognises the media upload formats from their first bytes (magic numbers). The file name and the client's
 * Content-Type are never consulted: both are whatever the client chose to send. Text documents are
 * recognised by text-document.ts.
 */

export const UPLOAD_KINDS = ['image', 'audio', 'document'] as const;
export type UploadKind = (typeof UPLOAD_KINDS)[number];
/** The kinds ffmpeg decodes and re-encodes. */
export type MediaKind = Exclude<UploadKind, 'document'>;

export type SniffedFormat = 'png' | 'jpeg' | 'webp' | 'wav' | 'mp3' | 'ogg';

export interface SniffedType {
  format: SniffedFormat;
  kind: MediaKind;
  /** The media type of what was uploaded. */
  contentType: string;
  /** The ffmpeg demuxer forced on the input, so ffmpeg never guesses (and never opens a playlist). */
  demuxer: string;
}

const TYPES: Record<SniffedFormat, SniffedType> = {
  png: { format: 'png', kind: 'image', contentType: 'image/png', demuxer: 'png_pipe' },
  jpeg: { format: 'jpeg', kind: 'image', contentType: 'image/jpeg', demuxer: 'jpeg_pipe' },
  webp: { format: 'webp', kind: 'image', contentType: 'image/webp', demuxer: 'webp_pipe' },
  wav: { format: 'wav', kind: 'audio', contentType: 'audio/wav', demuxer: 'wav' },
  mp3: { format: 'mp3', kind: 'audio', contentType: 'audio/mpeg', demuxer: 'mp3' },
  ogg: { format: 'ogg', kind: 'audio', contentType: 'audio/ogg', demuxer: 'ogg' },
};

/** The media types recognised here, as named to a client whose upload is none of them. */
export const MEDIA_CONTENT_TYPES = Object.values(TYPES).map((type) => type.contentType);

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const ascii = (bytes: Buffer, offset: number, text: string) =>
  bytes.length >= offset + text.length && bytes.toString('latin1', offset, offset + text.length) === text;

/**
 * An MPEG-1/2/2.5 Layer III frame header: 11 sync bits, a valid version, layer III, a bitrate index other
 * than "bad" and a valid sample rate. Checking more than the sync bits keeps random binary data (and
 * AAC's ADTS headers, layer 0) from passing as MP3.
 */
function isMp3FrameHeader(bytes: Buffer): boolean {
  if (bytes.length < 4 || bytes[0] !== 0xff || (bytes[1] & 0xe0) !== 0xe0) return false;
  const version = (bytes[1] >> 3) & 0b11;
  const layer = (bytes[1] >> 1) & 0b11;
  const bitrate = bytes[2] >> 4;
  const sampleRate = (bytes[2] >> 2) & 0b11;
  return version !== 0b01 && layer === 0b01 && bitrate !== 0b1111 && sampleRate !== 0b11;
}

/** The upload type these bytes start with, or null when they are none of the accepted formats. */
export function sniffMediaType(bytes: Buffer): SniffedType | null {
  if (bytes.length >= PNG_SIGNATURE.length && bytes.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) return TYPES.png;
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return TYPES.jpeg;
  if (ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WEBP')) return TYPES.webp;
  if (ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WAVE')) return TYPES.wav;
  if (ascii(bytes, 0, 'OggS')) return TYPES.ogg;
  if (ascii(bytes, 0, 'ID3') || isMp3FrameHeader(bytes)) return TYPES.mp3;
  return null;
}
