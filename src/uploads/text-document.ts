/**
 * Recognises text documents (for use_rag) from their bytes, and normalises what is kept. Like the media
 * types, the decision is the content's: strict UTF-8, no control characters a text editor would not write,
 * and not the start of a known binary format. Only the choice between Markdown and plain text may follow
 * the file name, since a Markdown file need not use any Markdown syntax.
 */

export type DocumentFormat = 'markdown' | 'text';
/** File extensions of kept documents. */
export const DOCUMENT_EXTENSIONS = ['md', 'txt'] as const;
export const DOCUMENT_CONTENT_TYPES = ['text/plain', 'text/markdown'] as const;

export interface TextDocument {
  format: DocumentFormat;
  contentType: (typeof DOCUMENT_CONTENT_TYPES)[number];
  ext: (typeof DOCUMENT_EXTENSIONS)[number];
  /** UTF-8 without a byte order mark, lines ending in LF. */
  text: string;
  /** Unicode code points in `text`. */
  characters: number;
}

/**
 * Containers that can be valid UTF-8 all the way through (PDF, RTF and PostScript may be pure ASCII), and
 * archives and executables, named here rather than left to the control-character check.
 */
const BINARY_SIGNATURES = ['%PDF-', '{\\rtf', '%!PS', 'PK\x03\x04', '\x1f\x8b', '\x7fELF'].map((s) => Buffer.from(s, 'latin1'));
/** C0 and C1 controls other than tab, line feed, form feed and carriage return (and DEL). */
const CONTROL = /[\u0000-\u0008\u000b\u000e-\u001f\u007f-\u009f]/u;
const decoder = new TextDecoder('utf-8', { fatal: true });

const MARKDOWN_NAME = /\.(md|markdown)$/iu;
const HEADING = /^ {0,3}#{1,6}[ \t]+\S/mu;
const FENCE = /^ {0,3}(```|~~~)/mu;
const LINK = /\[[^\]\n]+\]\([^)\s]+(?:[ \t]+"[^"\n]*")?\)/u;
const LIST_ITEM = /^ {0,3}(?:[-*+]|\d{1,9}[.)])[ \t]+\S/gmu;

/**
 * The document these bytes hold, or null when they are not text. The BOM goes (the decoder drops it) and
 * every CRLF or lone CR becomes LF, so offsets and passages do not depend on the writer's platform.
 */
export function sniffTextDocument(bytes: Buffer, filename: string): TextDocument | null {
  if (bytes.length === 0 || BINARY_SIGNATURES.some((signature) => bytes.subarray(0, signature.length).equals(signature))) return null;
  let decoded: string;
  try {
    decoded = decoder.decode(bytes);
  } catch {
    return null;
  }
  if (CONTROL.test(decoded)) return null;
  const text = decoded.replace(/\r\n?/gu, '\n');
  const markdown = MARKDOWN_NAME.test(filename) || looksLikeMarkdown(text);
  return {
    format: markdown ? 'markdown' : 'text',
    contentType: markdown ? 'text/markdown' : 'text/plain',
    ext: markdown ? 'md' : 'txt',
    text,
    characters: countCodePoints(text),
  };
}

/** Headings, fences and links are Markdown on their own; list items only when there are a few (plain notes have dashes too). */
export function looksLikeMarkdown(text: string): boolean {
  if (HEADING.test(text) || FENCE.test(text) || LINK.test(text)) return true;
  return (text.match(LIST_ITEM)?.length ?? 0) >= 3;
}

function countCodePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // A high surrogate followed by a low one is a single code point (strict decoding leaves no lone halves).
    if (code >= 0xd800 && code <= 0xdbff) i++;
    count++;
  }
  return count;
}
