/**
 * The verdict on an object after it landed, from the same rules that granted the upload (UPLOAD_PREFIX,
 * ALLOWED_CONTENT_TYPES, MAX_UPLOAD_BYTES): checked in a fixed order, cheapest first, the first rule broken giving
 * the stable reason code. Pure: the stored facts (HEAD), the sniffed bytes and the extension table come in.
 */
import type { UploadPrefix } from '../config/variables';
import { CONTENT_TYPE, isActiveContentType, isContentTypeAllowed } from './content-types';
import type { ActiveKind, Sniffed } from './content-sniff';
import { extensionOf } from './keys';
import type { TypeExtensions } from './type-extensions';
import { uploadOwnerOf, type UploadOwner } from './upload-owner';

/** Every reason an object is rejected, in the order the rules are checked (docs/api.md, "upload-completed"). */
export const REJECTION_REASONS = [
  'UnsupportedObjectType',
  'Empty',
  'TooLarge',
  'EncodedContent',
  'TypeNotAllowed',
  'ExtensionMismatch',
  'UnreadableStorageClass',
  'ActiveContent',
  'ContentMismatch',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export interface VerdictRules {
  uploadPrefix: UploadPrefix;
  allowedContentTypes: readonly string[];
  maxUploadBytes: number;
  /** Storage classes whose objects, which OSS will not read until restored, are accepted unread. */
  allowedUnreadableStorageClasses: readonly string[];
}

/** What HEAD says of the object. */
export interface StoredObjectFacts {
  key: string;
  size: number;
  /** The stored `Content-Type` header, as it is. */
  contentType: string;
  objectType: string | undefined;
  contentEncoding: string | undefined;
}

export type Verdict =
  /** In nobody's upload prefix: not ours to judge, never touched. */
  | { kind: 'outside' }
  | { kind: 'accepted'; owner: UploadOwner; contentType: string }
  | { kind: 'rejected'; owner: UploadOwner; contentType: string; reason: RejectionReason };

/** The rules HEAD alone can decide; `content` means the bytes must be sniffed before the verdict. */
export function judgeStoredObject(
  facts: StoredObjectFacts,
  rules: VerdictRules,
  extensions: TypeExtensions,
): Verdict | { kind: 'content'; owner: UploadOwner; contentType: string } {
  const owner = uploadOwnerOf(facts.key, rules.uploadPrefix);
  if (owner === undefined) return { kind: 'outside' };
  const contentType = essenceOf(facts.contentType);
  const reject = (reason: RejectionReason): Verdict => ({ kind: 'rejected', owner, contentType, reason });
  // Appendable objects change after the verdict; a symlink's bytes are another object's.
  if (facts.objectType !== undefined && facts.objectType !== 'Normal' && facts.objectType !== 'Multipart')
    return reject('UnsupportedObjectType');
  if (facts.size === 0) return reject('Empty');
  if (facts.size > rules.maxUploadBytes) return reject('TooLarge');
  // Compressed bytes are not what the type says, and cannot be sniffed from their first few KiB.
  if (facts.contentEncoding !== undefined && !/^\s*(identity)?\s*$/i.test(facts.contentEncoding)) return reject('EncodedContent');
  if (!CONTENT_TYPE.test(contentType) || !isContentTypeAllowed(contentType, rules.allowedContentTypes)) return reject('TypeNotAllowed');
  if (!extensionMatches(facts.key, contentType, extensions)) return reject('ExtensionMismatch');
  return { kind: 'content', owner, contentType };
}

/**
 * For an object whose metadata passed every rule but whose bytes OSS will not read (an Archive-type storage class,
 * until restored): accepted unread only when the rules allow its class; undefined when they do.
 */
export function judgeUnreadable(
  storageClass: string | undefined,
  rules: Pick<VerdictRules, 'allowedUnreadableStorageClasses'>,
): RejectionReason | undefined {
  return storageClass !== undefined && rules.allowedUnreadableStorageClasses.includes(storageClass) ? undefined : 'UnreadableStorageClass';
}

/** The rules of the bytes: undefined when they agree with the declared type. */
export function judgeContent(contentType: string, sniffed: Sniffed): RejectionReason | undefined {
  const declaredActive = isActiveContentType(contentType);
  if (sniffed.active !== undefined && !declaredActive) return 'ActiveContent';
  if (declaredActive) {
    if (sniffed.active !== undefined && !activeKindFits(sniffed.active, contentType)) return 'ContentMismatch';
    if (sniffed.binaryType !== undefined && !sameFormat(sniffed.binaryType, contentType) && sniffed.binaryType !== 'application/xml')
      return 'ContentMismatch';
    // A binary format the sniffer knows (PDF, Flash) must show its signature; markup types are judged by their markup.
    if (sniffed.binaryType === undefined && sniffed.active === undefined && sniffed.declaredIsRecognisable && !isXmlType(contentType))
      return 'ContentMismatch';
    return undefined;
  }
  if (sniffed.binaryType !== undefined) return sameFormat(sniffed.binaryType, contentType) ? undefined : 'ContentMismatch';
  // Nothing recognised: a lie when the type is one the sniffer knows; otherwise (text formats) nothing contradicts it.
  return sniffed.declaredIsRecognisable ? 'ContentMismatch' : undefined;
}

/** XML and its `+xml` dialects: text whose markup, not a magic number, says what it is. */
function isXmlType(contentType: string): boolean {
  const subtype = contentType.slice(contentType.indexOf('/') + 1);
  return subtype === 'xml' || subtype.endsWith('+xml');
}

/** `Image/PNG; charset=x` → `image/png`: what browsers act on. */
export function essenceOf(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

/** No extension, or one the type is known by; for a type the table does not know, one that names no other type. */
function extensionMatches(key: string, contentType: string, extensions: TypeExtensions): boolean {
  const name = key.slice(key.lastIndexOf('/') + 1);
  if (!name.includes('.')) return true;
  // `x.`, `x.ht ml`, `x.pn_g`: an extension nobody can vouch for (and systems that trim them would see another).
  const extension = extensionOf(name).slice(1);
  if (extension === '') return false;
  const known = extensions.extensionsOf(contentType);
  if (known !== undefined && known.size > 0) return known.has(extension);
  const named = extensions.typeOf(extension);
  return named === undefined || named === contentType;
}

/** Names the same format under different types (file-type's name first). */
const SAME_FORMAT: readonly (readonly string[])[] = [
  ['image/png', 'image/apng'],
  ['image/heic', 'image/heif', 'image/heic-sequence', 'image/heif-sequence'],
  ['image/jpeg', 'image/pjpeg'],
  ['image/x-icon', 'image/vnd.microsoft.icon'],
  ['application/xml', 'text/xml'],
  ['audio/mpeg', 'audio/mp3'],
  ['audio/wav', 'audio/x-wav', 'audio/wave'],
];

function sameFormat(detected: string, declared: string): boolean {
  return detected === declared || SAME_FORMAT.some((names) => names.includes(detected) && names.includes(declared));
}

function activeKindFits(kind: ActiveKind, contentType: string): boolean {
  const subtype = contentType.slice(contentType.indexOf('/') + 1);
  switch (kind) {
    case 'svg':
      return contentType === 'image/svg+xml' || subtype === 'xml';
    case 'html':
      return contentType === 'text/html' || contentType === 'application/xhtml+xml';
    case 'mhtml':
      return contentType === 'message/rfc822' || contentType === 'multipart/related' || contentType === 'application/x-mimearchive';
    case 'xml':
      return subtype === 'xml' || subtype.endsWith('+xml') || /xsl/.test(subtype);
  }
}
