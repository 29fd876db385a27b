/**
 * `sign-url`'s request, read by `method`: one parser per method, one entry (`parseSignUrlRequest`). Every field is
 * checked against the caller's upload rules before anything is signed or sent to OSS.
 */
import type { CompletedPart, SignUrlMethod } from '../contract';
import { HttpError, badRequest } from '../edge/errors';
import { isIssuedKey } from './keys';
import { formatBytes } from './byte-size';
import { fixedObjectKey } from './profiles';
import { MAX_PART_URLS_PER_ANSWER, maxPartNumber } from './parts';
import { ownField, parseFileFields, parseSize, parseUploadRequest, requestObject, type UploadRequest, type UploadRules } from './rules';
import { parseUploadHandle, type SignedUploadHandle } from './upload-handle';

/**
 * A multipart upload as the client names it: its key and the `uploadId` sign-url answered (OSS's id with the
 * signed plan, `upload-handle.ts`); nothing else is kept anywhere. Whether sign-url issued it is checked with the
 * function's key (`multipart.ts`) before anything is signed or sent.
 */
export interface UploadHandle {
  key: string;
  /** OSS's id of the upload. */
  uploadId: string;
  /** The handle as sent, with the plan and MAC it carries. */
  signed: SignedUploadHandle;
}

export type SignUrlCommand =
  | { method: 'PUT'; upload: UploadRequest }
  | { method: 'POST'; upload: UploadRequest }
  | { method: 'MULTIPART'; filename: string; contentType: string; size: number }
  | { method: 'PARTS'; handle: UploadHandle; partNumbers: number[] }
  | { method: 'COMPLETE'; handle: UploadHandle; parts: CompletedPart[]; size: number | undefined }
  | { method: 'ABORT'; handle: UploadHandle }
  | { method: 'VERDICT'; key: string };

type Parser = (body: object, rules: UploadRules) => SignUrlCommand;

const upload: Parser = (body, rules) => {
  const request = parseUploadRequest(body, rules);
  return request.method === 'POST' ? { method: 'POST', upload: request } : { method: 'PUT', upload: request };
};

const PARSERS: Readonly<Record<SignUrlMethod, Parser>> = {
  PUT: upload,
  POST: upload,
  MULTIPART: (body, rules) => {
    const file = parseFileFields(body, rules);
    if (file.size === undefined) throw badRequest('InvalidSize', 'size is required for MULTIPART: it decides the part size');
    return { method: 'MULTIPART', filename: file.filename, contentType: file.contentType, size: file.size };
  },
  PARTS: (body, rules) => ({ method: 'PARTS', handle: parseHandle(body, rules), partNumbers: parsePartNumbers(body, rules) }),
  COMPLETE: (body, rules) => {
    const handle = parseHandle(body, rules);
    const size = ownField(body, 'size');
    return { method: 'COMPLETE', handle, parts: parseParts(body, rules), size: size === undefined ? undefined : parseSize(size, rules) };
  },
  ABORT: (body, rules) => ({ method: 'ABORT', handle: parseHandle(body, rules) }),
  VERDICT: (body, rules) => ({ method: 'VERDICT', key: parseOwnKey(body, rules) }),
};

export const SIGN_URL_METHODS = Object.keys(PARSERS) as SignUrlMethod[];

/** The one entry: `method` (default `PUT`) picks the parser. */
export function parseSignUrlRequest(body: unknown, rules: UploadRules): SignUrlCommand {
  const object = requestObject(body);
  const method = ownField(object, 'method') ?? 'PUT';
  const parser =
    typeof method === 'string' && Object.prototype.hasOwnProperty.call(PARSERS, method) ? PARSERS[method as SignUrlMethod] : undefined;
  if (parser === undefined) throw badRequest('InvalidMethod', `method must be one of ${SIGN_URL_METHODS.map((m) => `"${m}"`).join(', ')}`);
  return parser(object, rules);
}

const MAX_KEY_LENGTH = 1023;

/**
 * Only keys `sign-url` issues, under the caller's own prefix in the profile's folder (for a fixed-key profile, its
 * one key): another user's key, another profile's, or any other, is refused.
 */
export function parseHandle(body: object, rules: Pick<UploadRules, 'prefix' | 'profile'>): UploadHandle {
  const key = ownField(body, 'key');
  if (typeof key !== 'string' || key === '' || key.length > MAX_KEY_LENGTH) {
    throw badRequest('InvalidKey', `key must be the key of a MULTIPART answer (a string of 1 to ${MAX_KEY_LENGTH} characters)`);
  }
  if (!isGrantedKey(rules, key)) throw new HttpError(403, 'Forbidden', 'key is not an upload sign-url started for you');
  const uploadId = ownField(body, 'uploadId');
  const signed = typeof uploadId === 'string' ? parseUploadHandle(uploadId) : undefined;
  if (signed === undefined) {
    // Also an upload id from before sign-url signed them (a client's old checkpoint): the client starts over.
    throw badRequest('InvalidUploadId', 'uploadId must be the uploadId of a MULTIPART answer, unchanged');
  }
  return { key, uploadId: signed.ossUploadId, signed };
}

/** A key sign-url issues for this user and profile. */
export function isGrantedKey(rules: Pick<UploadRules, 'prefix' | 'profile'>, key: string): boolean {
  return rules.profile.key === 'fixed' ? key === fixedObjectKey(rules.prefix) : isIssuedKey(rules.prefix, key);
}

/**
 * Any key under the caller's own prefix (sign-url's keys and the STS folder's alike): another user's key, or one in
 * no user's prefix, is refused, so nobody learns anything of an object that is not theirs.
 */
export function parseOwnKey(body: object, rules: Pick<UploadRules, 'prefix'>): string {
  const key = ownField(body, 'key');
  if (typeof key !== 'string' || key === '' || Buffer.byteLength(key, 'utf8') > MAX_KEY_LENGTH) {
    throw badRequest('InvalidKey', `key must be the key of one of your uploads (a string of 1 to ${MAX_KEY_LENGTH} bytes)`);
  }
  if (!key.startsWith(rules.prefix)) throw new HttpError(403, 'Forbidden', 'key is not under your upload prefix');
  return key;
}

function isPartNumber(value: unknown, highest: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 && value <= highest;
}

/** 0 to 100 distinct part numbers, each one an upload under the limit can have. */
function parsePartNumbers(body: object, rules: Pick<UploadRules, 'maxBytes'>): number[] {
  const numbers = ownField(body, 'partNumbers');
  const highest = maxPartNumber(rules.maxBytes);
  if (!Array.isArray(numbers) || numbers.length > MAX_PART_URLS_PER_ANSWER) {
    throw badRequest('InvalidPartNumber', `partNumbers must be an array of at most ${MAX_PART_URLS_PER_ANSWER} part numbers`);
  }
  if (!numbers.every((n) => isPartNumber(n, highest))) {
    throw badRequest(
      'InvalidPartNumber',
      `part numbers are whole numbers from 1 to ${highest} (uploads of at most ${formatBytes(rules.maxBytes)})`,
    );
  }
  if (new Set(numbers).size !== numbers.length) throw badRequest('InvalidPartNumber', 'partNumbers must not repeat a number');
  return numbers;
}

/** An ETag as OSS sends it for a part (an MD5 in hex), quoted or not. */
const PART_ETAG = /^"?[0-9A-Za-z-]{1,64}"?$/;

/** 1 to the most parts an upload can have, each `{partNumber, etag}`, in strictly ascending order. */
function parseParts(body: object, rules: Pick<UploadRules, 'maxBytes'>): CompletedPart[] {
  const parts = ownField(body, 'parts');
  const highest = maxPartNumber(rules.maxBytes);
  if (!Array.isArray(parts) || parts.length === 0 || parts.length > highest) {
    throw badRequest('InvalidPart', `parts must list 1 to ${highest} parts, each {"partNumber", "etag"}`);
  }
  const read = parts.map((part: unknown) => {
    const partNumber = ownField(part, 'partNumber');
    const etag = ownField(part, 'etag');
    if (!isPartNumber(partNumber, highest)) throw badRequest('InvalidPart', `each part needs a partNumber from 1 to ${highest}`);
    if (typeof etag !== 'string' || !PART_ETAG.test(etag)) {
      throw badRequest('InvalidPart', `part ${partNumber} needs the etag OSS answered for it`);
    }
    return { partNumber, etag };
  });
  read.forEach((part, index) => {
    if (index > 0 && part.partNumber <= read[index - 1]!.partNumber) {
      throw badRequest('InvalidPartOrder', 'parts must be in strictly ascending order of partNumber, each once');
    }
  });
  return read;
}
