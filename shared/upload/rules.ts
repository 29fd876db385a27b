/**
 * One description of what a user may upload, from which every artifact (PUT URL, POST policy, STS session
 * policy) is built, so they can never disagree; and the parser of an upload request against it.
 */
import type { Identity } from '../auth/identity';
import type { UploadConfig } from '../config/sections';
import type { UploadMethod } from '../contract';
import { HttpError, badRequest } from '../edge/errors';
import { CONTENT_TYPE, isContentTypeAllowed } from './content-types';
import { formatBytes } from './byte-size';

export interface UploadRules {
  bucket: string;
  region: string;
  ossEndpoint: string;
  /** Ends with `/`; contains the user's segment. */
  prefix: string;
  allowedContentTypes: readonly string[];
  maxBytes: number;
  ttlSeconds: number;
}

/** The same rules for every user, but for the prefix, which holds the user's segment. */
export function uploadRulesFromConfig(identity: Pick<Identity, 'userSegment'>, config: UploadConfig): UploadRules {
  return {
    bucket: config.bucket,
    region: config.region,
    ossEndpoint: config.ossEndpoint,
    prefix: `${config.uploadPrefix.before}${identity.userSegment}${config.uploadPrefix.after}`,
    allowedContentTypes: config.allowedContentTypes,
    maxBytes: config.maxUploadBytes,
    ttlSeconds: config.signedUrlTtlSeconds,
  };
}

/** A PUT always declares its size: the V4 signature binds `Content-Length` to it. A POST form enforces its own range. */
export type UploadRequest =
  | { filename: string; contentType: string; size: number; method: 'PUT' }
  | { filename: string; contentType: string; size: number | undefined; method: Exclude<UploadMethod, 'PUT'> };

export const MAX_FILENAME_LENGTH = 255;

/** Reads only own, known fields of the parsed body: `__proto__`, `constructor` and extras change nothing. */
export function parseUploadRequest(body: unknown, rules: UploadRules): UploadRequest {
  const file = parseFileFields(body, rules);
  const method = ownField(body, 'method') ?? 'PUT';
  if (method !== 'PUT' && method !== 'POST') throw badRequest('InvalidMethod', 'method must be "PUT" or "POST"');
  if (method === 'POST') return { ...file, method };
  if (file.size === undefined) {
    throw badRequest('InvalidSize', 'size is required for PUT: the signed URL is bound to the exact number of bytes');
  }
  return { ...file, size: file.size, method };
}

/** The body as an object whose own fields can be read, or a 400. */
export function requestObject(body: unknown): object {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('BadRequest', 'body must be a JSON object');
  return body;
}

/** An own field of the parsed body, never one inherited (`__proto__`, `constructor`). */
export function ownField(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null && Object.prototype.hasOwnProperty.call(body, name)
    ? (body as Record<string, unknown>)[name]
    : undefined;
}

/** What a request says of the file to upload: `filename`, `contentType` and `size`, each checked against the rules. */
export function parseFileFields(body: unknown, rules: UploadRules): Omit<UploadRequest, 'method'> {
  requestObject(body);
  const field = (name: string): unknown => ownField(body, name);

  const filename = field('filename');
  if (typeof filename !== 'string') throw badRequest('InvalidFilename', 'filename must be a string');
  checkFilename(filename);

  const contentType = field('contentType');
  if (typeof contentType !== 'string' || contentType === '')
    throw badRequest('InvalidContentType', 'contentType must be a non-empty string');
  if (!CONTENT_TYPE.test(contentType)) {
    throw badRequest('InvalidContentType', 'contentType must be a lower-case type/subtype without parameters');
  }
  if (!isContentTypeAllowed(contentType, rules.allowedContentTypes)) {
    throw badRequest('InvalidContentType', `contentType ${contentType} is not allowed; allowed: ${rules.allowedContentTypes.join(', ')}`);
  }

  const size = field('size');
  return { filename, contentType, size: size === undefined || size === null ? undefined : parseSize(size, rules) };
}

/** A declared size: a whole number of bytes from 1 to the limit. */
export function parseSize(size: unknown, rules: Pick<UploadRules, 'maxBytes'>): number {
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 1) {
    throw badRequest('InvalidSize', 'size must be a whole number of bytes, at least 1');
  }
  if (size > rules.maxBytes) {
    throw new HttpError(413, 'EntityTooLarge', `size ${formatBytes(size)} is over the limit of ${formatBytes(rules.maxBytes)}`, {
      sizes: { size, maxBytes: rules.maxBytes },
    });
  }
  return size;
}

/** Rejected rather than sanitised: a name like this is a client bug worth reporting, and only its extension is used. */
function checkFilename(filename: string): void {
  if (filename === '') throw badRequest('InvalidFilename', 'filename must not be empty');
  if (filename.length > MAX_FILENAME_LENGTH)
    throw badRequest('InvalidFilename', `filename is longer than ${MAX_FILENAME_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(filename))
    throw badRequest('InvalidFilename', 'filename must not contain control characters');
  if (/[/\\]/.test(filename)) throw badRequest('InvalidFilename', 'filename must not contain path separators');
  if (filename.includes('..')) throw badRequest('InvalidFilename', 'filename must not contain ..');
}
