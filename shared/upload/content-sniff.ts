/**
 * What the first bytes of an object really are. Binary formats are recognised by `file-type` (sindresorhus,
 * 175 types by magic number); markup a browser would run (HTML, SVG, XML, MHTML) by the patterns browsers
 * themselves look for (WHATWG MIME Sniffing, "rules for identifying an unknown MIME type", and the legacy
 * sniffers that found HTML anywhere in the first bytes), since `file-type` deliberately leaves text alone.
 * `file-type` is loaded on first use, so an instance that never sniffs never pays for it.
 */

/** How many leading bytes are read and sniffed: `file-type` needs ~4 KB for most formats. */
export const SNIFF_BYTES = 8192;

/** Markup a browser may execute or render with script. */
export type ActiveKind = 'html' | 'svg' | 'xml' | 'mhtml';

export interface Sniffed {
  /** The format `file-type` recognised, as a MIME type; undefined when it recognised none. */
  binaryType: string | undefined;
  /** Markup found in the bytes, whatever else they are. */
  active: ActiveKind | undefined;
  /** Whether `file-type` can recognise the declared type at all (so not recognising it means the bytes lie). */
  declaredIsRecognisable: boolean;
}

type FileTypeModule = typeof import('file-type/core');
let fileType: Promise<FileTypeModule> | undefined;

/** Loads the sniffer now (say, while a request is in flight), so the first sniff does not wait for it. */
export function preloadSniffer(): Promise<FileTypeModule> {
  return (fileType ??= import('file-type/core'));
}

export async function sniffContent(bytes: Uint8Array, declaredType: string): Promise<Sniffed> {
  const module = await preloadSniffer();
  const detected = await module.fileTypeFromBuffer(bytes);
  return {
    binaryType: detected?.mime,
    active: activeContentOf(bytes),
    declaredIsRecognisable: module.supportedMimeTypes.has(declaredType),
  };
}

/** Tags that make a browser treat bytes as HTML wherever they appear in the sniffed window (the legacy sniffers did). */
const HTML_ANYWHERE = [
  '<!doctype html',
  '<html',
  '<head',
  '<body',
  '<script',
  '<iframe',
  '<frameset',
  '<object',
  '<embed',
  '<meta http-equiv',
  'http://www.w3.org/1999/xhtml',
];
/** WHATWG's HTML patterns, which count at the start of the resource (after whitespace), each ended by a space or `>`. */
const HTML_AT_START = ['<h1', '<div', '<font', '<table', '<a', '<style', '<title', '<b', '<br', '<p', '<!--'];
const MIME_HEADER_AT_START = /^(mime-version|content-type|content-transfer-encoding|from|to|subject|date|message-id)[ \t]*:/;

/** The markup kind found in the bytes, if any: SVG before HTML before MHTML before XML. */
export function activeContentOf(bytes: Uint8Array): ActiveKind | undefined {
  const raw = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  // UTF-16 markup (with or without a byte-order mark) reads as ASCII once its NUL bytes are gone.
  for (const text of raw.includes('\0') ? [raw, raw.replace(/\0/g, '')] : [raw]) {
    const kind = markupKind(text.replace(/^(\xef\xbb\xbf|\xfe\xff|\xff\xfe)/, '').toLowerCase());
    if (kind !== undefined) return kind;
  }
  return undefined;
}

function markupKind(text: string): ActiveKind | undefined {
  const start = text.replace(/^[\t\n\f\r ]+/, '');
  if (text.includes('<svg')) return 'svg';
  if (HTML_ANYWHERE.some((pattern) => text.includes(pattern))) return 'html';
  if (HTML_AT_START.some((pattern) => start.startsWith(pattern) && /^[ >]/.test(start.slice(pattern.length)))) return 'html';
  if (MIME_HEADER_AT_START.test(start) && (text.includes('mime-version:') || text.includes('multipart/related'))) return 'mhtml';
  if (start.startsWith('<?xml') || text.includes('<?xml-stylesheet') || text.includes('<xsl:stylesheet')) return 'xml';
  return undefined;
}
