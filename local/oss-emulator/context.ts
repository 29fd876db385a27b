/**
 * What every operation receives and returns, and the small helpers they share. Kept apart from the operations
 * so that objects, listing and multipart modules depend on this file and not on each other.
 */
import { createHash } from 'node:crypto';
import { firstQueryValue } from './canonical';
import { OssError, invalidArgument } from './errors';
import type { BucketSettings } from './bucket-settings';
import type { OverwriteProtection } from './overwrite-config';
import type { OssRequest } from './request';
import type { ObjectStorage } from './storage';
import { type XmlTree, toXml } from './xml';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body?: Buffer | string;
}

export interface OperationContext {
  request: OssRequest;
  body: Buffer;
  storage: ObjectStorage;
  now: Date;
  /** The URL a client GETs an object at, addressed as this request was (`Location` elements). */
  objectUrl(key: string): string;
  /** The bucket's overwrite configuration: every write asks it, with the request's own forbid-overwrite header. */
  overwriteProtection: OverwriteProtection;
  /** Who signed the request (FoundCredential.principal); undefined for an anonymous one or a caller of no known principal. */
  principal: string | undefined;
  /** The bucket's CORS rules (which preflights follow) and lifecycle rules. */
  bucketSettings: BucketSettings;
}

export interface Operation {
  name: string;
  /** RAM action checked with the resolver's `isAllowed`. */
  action: string;
  scope: 'object' | 'bucket';
  /** Condition keys this operation adds to the RAM context (e.g. `oss:Prefix` for listing). */
  conditions: Record<string, string>;
  /** Further permissions it needs on other objects of the bucket (CopyObject reads its source). */
  alsoRequires?: Array<{ action: string; key: string }>;
  run(context: OperationContext): Reply;
}

/** OSS's single-request and single-part limit. */
export const MAX_OBJECT_BYTES = 5 * 1024 ** 3;

export function xmlReply(root: string, tree: XmlTree, extraHeaders: Record<string, string> = {}): Reply {
  return { status: 200, headers: { 'Content-Type': 'application/xml', ...extraHeaders }, body: toXml(root, tree) };
}

export function md5Etag(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex').toUpperCase()}"`;
}

export function normaliseEtag(etag: string): string {
  return etag.trim().replace(/^"|"$/g, '').toUpperCase();
}

export function entityTooLarge(): OssError {
  return new OssError(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size.');
}

export function fileAlreadyExists(): OssError {
  return new OssError(409, 'FileAlreadyExists', 'The object you specified already exists and can not be overwritten.');
}

export function forbidsOverwrite(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'true';
}

export function checkKey(key: string): void {
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes === 0 || bytes > 1023 || key.startsWith('/') || key.startsWith('\\')) {
    throw new OssError(
      400,
      'InvalidObjectName',
      'The specified object is not valid: keys are 1 to 1023 bytes and do not start with "/" or "\\".',
    );
  }
}

/**
 * Request headers (or PostObject form fields, lower-cased) stored with an object and returned on GET/HEAD; also
 * its ACL (`x-oss-object-acl`, checked by `directives.ts`, never returned).
 */
export function storedHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (
      name.startsWith('x-oss-meta-') ||
      ['cache-control', 'content-disposition', 'content-encoding', 'content-language', 'expires', 'x-oss-object-acl'].includes(name)
    ) {
      kept[name] = value;
    }
  }
  return kept;
}

/** `Content-MD5`: malformed → InvalidDigest, different from the body → BadDigest. */
export function checkContentMd5(header: string | undefined, body: Buffer): void {
  if (header === undefined) return;
  const digest = Buffer.from(header, 'base64');
  if (digest.length !== 16 || digest.toString('base64') !== header.trim()) {
    throw new OssError(400, 'InvalidDigest', 'The Content-MD5 you specified was invalid.');
  }
  if (!digest.equals(createHash('md5').update(body).digest())) {
    throw new OssError(400, 'BadDigest', 'The Content-MD5 you specified did not match what was received.', {
      ExpectedMD5: header,
      CalculatedMD5: createHash('md5').update(body).digest('base64'),
    });
  }
}

/** An integer query parameter from 0 to `limit`, `fallback` when absent. */
export function queryInteger(request: OssRequest, name: string, fallback: number, limit: number): number {
  const raw = firstQueryValue(request.query, name);
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) > limit)
    throw invalidArgument(`${name} must be an integer from 0 to ${limit}.`, { ArgumentName: name, ArgumentValue: raw });
  return Number(raw);
}
