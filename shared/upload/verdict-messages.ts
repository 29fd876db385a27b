/**
 * Every rejection reason in plain words, for the person who uploaded the file: one table, which `sign-url` words its
 * VERDICT answers with and the browser client bundles (it checks an answer's reason against it). Only the contract
 * and sizes are imported, so `web/` may import this file.
 */
import type { RejectionReason } from '../contract.js';
import { formatBytes } from './byte-size.js';

/** What the words may name besides the reason: the facts upload-completed kept with its verdict. */
export interface RejectionFacts {
  /** The declared type's essence (`image/png`). */
  contentType?: string | undefined;
  /** What the bytes were recognised as, when something was (`image/png`). */
  detectedType?: string | undefined;
  size?: number | undefined;
  /** The limit a `TooLarge` object broke. */
  maxBytes?: number | undefined;
}

/** How the common types are called in a sentence; any other is named by its type. */
const TYPE_NAMES: Readonly<Record<string, string>> = {
  'image/png': 'a PNG image',
  'image/jpeg': 'a JPEG image',
  'image/gif': 'a GIF image',
  'image/webp': 'a WebP image',
  'image/avif': 'an AVIF image',
  'image/heic': 'a HEIC image',
  'image/heif': 'a HEIF image',
  'image/bmp': 'a BMP image',
  'image/tiff': 'a TIFF image',
  'application/pdf': 'a PDF document',
  'application/zip': 'a ZIP archive',
  'video/mp4': 'an MP4 video',
  'audio/mpeg': 'an MP3 file',
};

function typeName(contentType: string | undefined): string {
  if (contentType === undefined || contentType === '') return 'what its type says';
  return TYPE_NAMES[contentType] ?? `a ${contentType} file`;
}

/** The clause that ends "The upload was rejected: …", one per reason. */
const CLAUSES: { readonly [R in RejectionReason]: (facts: RejectionFacts) => string } = {
  UnknownProfile: () => "the file was stored in no upload profile's folder",
  KeyNotGranted: () => 'the file was stored under a name no upload of its kind may have',
  UnsupportedObjectType: () => 'the file was stored as an appendable object or a link, which uploads may not be',
  Empty: () => 'the file is empty',
  TooSmall: () => 'the file is smaller than this kind of upload allows',
  TooLarge: ({ size, maxBytes }) =>
    maxBytes === undefined
      ? 'the file is larger than the limit'
      : `the file${size === undefined ? '' : ` (${formatBytes(size)})`} is larger than the limit of ${formatBytes(maxBytes)}`,
  EncodedContent: () => 'the file was stored compressed (with a Content-Encoding), so its contents cannot be checked',
  TypeNotAllowed: ({ contentType }) =>
    contentType === undefined || contentType === '' ? 'files of this type are not allowed' : `files of type ${contentType} are not allowed`,
  ExtensionMismatch: ({ contentType }) =>
    `the file name's extension does not fit its type${contentType === undefined || contentType === '' ? '' : ` (${contentType})`}`,
  UnreadableStorageClass: () => 'the file was stored in an archive storage class, whose contents cannot be checked',
  ActiveContent: () => 'the file holds web page or script markup (HTML, SVG or XML) that a browser could run',
  ContentMismatch: ({ contentType, detectedType }) =>
    `the file's contents are not ${typeName(contentType)}` +
    (detectedType === undefined || detectedType === contentType ? '' : ` (they look like ${typeName(detectedType)})`),
  QuotaExceeded: () => 'it would take you over your quota for this kind of upload',
  Removed: () => 'the file was removed before it could be checked',
};

export const REJECTION_REASON_CODES = Object.keys(CLAUSES) as RejectionReason[];

export function isRejectionReason(value: unknown): value is RejectionReason {
  return typeof value === 'string' && Object.hasOwn(CLAUSES, value);
}

/** `The upload was rejected: the file's contents are not a PNG image.` */
export function rejectionMessage(reason: RejectionReason, facts: RejectionFacts = {}): string {
  return `The upload was rejected: ${CLAUSES[reason](facts)}.`;
}
