/** Failures turned into messages a person can act on, never raw XML; sizes in MiB/GiB, the exact bytes in fields. */
import type { ErrorSizes, RejectionReason } from '../shared/contract.js';
import { formatBytes } from '../shared/upload/byte-size.js';

export { formatBytes } from '../shared/upload/byte-size.js';

export type UploadErrorCode =
  | 'Cancelled'
  | 'Unauthorized'
  | 'Refused'
  | 'TooLarge'
  | 'TypeNotAllowed'
  | 'ClockSkew'
  | 'CredentialsExpired'
  | 'AlreadyExists'
  | 'Blocked'
  | 'Offline'
  | 'NetworkLost'
  | 'TooSlow'
  | 'EtagNotExposed'
  | 'Unavailable'
  | 'Failed'
  /** The file was uploaded, then judged against the rules and removed: `reason` says why, the message in words. */
  | 'Rejected'
  /** The file was uploaded but not judged within `verdictTimeoutMs`: it may still be accepted or removed. */
  | 'VerdictTimeout'
  /** The file was uploaded, but the upload service refused to say its verdict (an older service, a sign-in lost). */
  | 'VerdictUnavailable';

export interface UploadErrorDetails extends ErrorSizes {
  /** Worth another try as it is: no answer at all, a 5xx, a 429. */
  transient?: boolean;
  /** The server's `Retry-After`, in ms. */
  retryAfterMs?: number | undefined;
  /** `Rejected`: why, as a stable code to branch on. */
  reason?: RejectionReason | undefined;
  /** The verdict's errors: the key the file was uploaded to. */
  key?: string | undefined;
}

export class UploadError extends Error {
  readonly code: UploadErrorCode;
  /** The service's own code (OSS's or the function's), for logs and support. */
  readonly serviceCode: string | undefined;
  /** Whether the upload tries again by itself after this failure (the error reaches the caller only once it stops). */
  readonly transient: boolean;
  readonly retryAfterMs: number | undefined;
  /** The size the refusal is about, and the limit, in bytes (the message says them in MiB or GiB). */
  readonly size: number | undefined;
  readonly maxBytes: number | undefined;
  /** `Rejected`: why the file was removed after it landed (`ContentMismatch`, `TooLarge`, …: docs/api.md). */
  readonly reason: RejectionReason | undefined;
  /** `Rejected`, `VerdictTimeout`, `VerdictUnavailable`: the key the file was uploaded to. */
  readonly key: string | undefined;

  constructor(code: UploadErrorCode, message: string, serviceCode?: string, details: UploadErrorDetails = {}) {
    super(message);
    this.name = 'UploadError';
    this.code = code;
    this.serviceCode = serviceCode;
    this.transient = details.transient ?? false;
    this.retryAfterMs = details.retryAfterMs;
    this.size = details.size;
    this.maxBytes = details.maxBytes;
    this.reason = details.reason;
    this.key = details.key;
  }
}

/** Reads `<Code>` and `<Message>` out of an OSS XML error body. */
export function parseOssError(xml: string): { code: string; message: string } | undefined {
  const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
  if (code === undefined) return undefined;
  return { code, message: /<Message>([^<]*)<\/Message>/.exec(xml)?.[1] ?? '' };
}

export function fromOssCode(code: string, context: { maxBytes?: number; status?: number } = {}): UploadError {
  switch (code) {
    case 'EntityTooLarge':
      return new UploadError(
        'TooLarge',
        `The file is too large${context.maxBytes === undefined ? '' : `: the limit is ${formatBytes(context.maxBytes)}`}.`,
        code,
        context.maxBytes === undefined ? {} : { maxBytes: context.maxBytes },
      );
    case 'EntityTooSmall':
      return new UploadError('Refused', 'The file is empty, or a part is smaller than OSS allows.', code);
    case 'RequestTimeTooSkewed':
      return new UploadError(
        'ClockSkew',
        "This device's clock is more than 15 minutes off. Set the clock to the right time and try again.",
        code,
      );
    case 'SecurityTokenExpired':
    case 'InvalidAccessKeyId':
    case 'InvalidSecurityToken':
      return new UploadError('CredentialsExpired', 'The upload permission expired before the upload finished. Try again.', code);
    case 'FileAlreadyExists':
      return new UploadError(
        'AlreadyExists',
        'An object with this key already exists and cannot be overwritten. Ask for a new upload URL.',
        code,
      );
    case 'SignatureDoesNotMatch':
      return new UploadError(
        'Refused',
        'OSS refused the signature: the upload must send exactly the headers and fields it was given.',
        code,
      );
    case 'AccessDenied':
      return new UploadError(
        'Refused',
        'OSS refused the upload: the permission expired, or the file does not match what was signed (key, type or size).',
        code,
      );
    default:
      return new UploadError('Failed', `OSS refused the upload (${code}).`, code);
  }
}

/**
 * Errors from our functions: `{"error": {"code", "message", "size"?, "maxBytes"?}}` (`ErrorBody` in
 * shared/contract.ts); `retryAfter` is the answer's `Retry-After` header.
 */
export function fromFunctionError(status: number, body: unknown, retryAfterMs?: number): UploadError {
  const error = fieldOf(body, 'error');
  const givenCode = fieldOf(error, 'code');
  const givenMessage = fieldOf(error, 'message');
  const code = typeof givenCode === 'string' ? givenCode : `HTTP ${status}`;
  const message = typeof givenMessage === 'string' ? givenMessage : `the server answered ${status}`;
  const sizes = sizesOf(error);
  if (status === 401) return new UploadError('Unauthorized', `Sign in again: ${message}.`, code);
  if (code === 'InvalidContentType') return new UploadError('TypeNotAllowed', `This kind of file cannot be uploaded: ${message}.`, code);
  if (code === 'EntityTooLarge') return new UploadError('TooLarge', `The file is too large: ${message}.`, code, sizes);
  if (code === 'FileAlreadyExists') return new UploadError('AlreadyExists', `The upload cannot be completed: ${message}.`, code);
  if (status === 429 || status === 503) {
    return new UploadError('Unavailable', 'The upload service is busy. Try again in a moment.', code, { transient: true, retryAfterMs });
  }
  if (status >= 500)
    return new UploadError('Failed', 'The upload service failed. Try again later.', code, { transient: true, retryAfterMs });
  return new UploadError('Refused', `The upload was refused: ${message}.`, code, sizes);
}

function sizesOf(error: unknown): ErrorSizes {
  const [size, maxBytes] = [fieldOf(error, 'size'), fieldOf(error, 'maxBytes')];
  return {
    ...(Number.isSafeInteger(size) ? { size: size as number } : {}),
    ...(Number.isSafeInteger(maxBytes) ? { maxBytes: maxBytes as number } : {}),
  };
}

/** A field of a value of unknown shape (parsed JSON, a library's error): undefined where there is no such field. */
export function fieldOf(value: unknown, name: string): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  const field: unknown = Reflect.get(value, name);
  return field;
}

/** No answer at all from OSS, when nothing more is known (STS mode: ali-oss does not say more). */
export const blockedMessage =
  "The browser got no answer at all from OSS. Either the network to it is down, or the bucket's CORS rule does not allow this page's origin or method (PUT, POST): the browser console says which.";

/** A request that got no answer at all (a network failure, or a refusal the browser hides): retried until it stops. */
export function noAnswer(target: string): UploadError {
  return new UploadError('Blocked', `The browser got no answer at all from ${target}.`, undefined, { transient: true });
}

export interface LostConnection {
  /** `OSS` or `the upload service`. */
  target: 'OSS' | 'the upload service';
  /** Where it was sent. */
  url: string;
  /** Whether any request of this upload to it got an answer before. */
  reached: boolean;
  /** Whether the browser says it is offline. */
  offline: boolean;
  /** How long the client kept trying. */
  triedFor: string;
  /** Multipart: parts at OSS so far, of how many (they are kept: the same file uploaded again goes on from there). */
  parts?: { done: number; total: number } | undefined;
}

/**
 * The final word on an upload that got no answer for as long as it kept trying, naming the likely cause from what
 * was seen: the browser offline; the connection lost part-way (it worked before); or no answer to the very first
 * request, where a network fault and a refusal the browser hides (CORS) look the same.
 */
export function lostConnection(lost: LostConnection): UploadError {
  const resume =
    lost.parts === undefined || lost.parts.done === 0
      ? ''
      : ` ${lost.parts.done} of ${lost.parts.total} parts are uploaded and kept: upload the same file again to go on from there.`;
  if (lost.offline) {
    return new UploadError('Offline', `This device is offline: the upload waited ${lost.triedFor} for the network to come back.${resume}`);
  }
  if (lost.reached) {
    return new UploadError(
      'NetworkLost',
      `The connection to ${lost.target} was lost part-way through the upload and did not come back within ${lost.triedFor}.${resume}`,
    );
  }
  const origin = originOf(lost.url);
  const refusal =
    lost.target === 'OSS'
      ? `the bucket's CORS rule does not allow this page's origin${pageOrigin()} to PUT and POST`
      : `the upload service does not allow this page's origin${pageOrigin()} (its ALLOWED_ORIGINS) or its URL is wrong`;
  return new UploadError(
    'Blocked',
    `The browser got no answer at all from ${lost.target} (${origin}) to the first request of this upload. Either the network to it is down, or ${refusal}: the browser console says which.`,
  );
}

function originOf(url: string): string {
  try {
    return new URL(url, globalThis.location?.href).origin;
  } catch {
    return url;
  }
}

function pageOrigin(): string {
  const origin = globalThis.location?.origin;
  return origin === undefined ? '' : ` (${origin})`;
}

/**
 * A part refused as expired although its URL was valid when it was sent, one part at a time: OSS judged the URL when
 * the part was in, and the link is too slow to send a part within the URL's lifetime.
 */
export function tooSlow(slow: { partBytes: number; bytesPerSecond: number | undefined; lifetimeMs: number }): UploadError {
  const rate = slow.bytesPerSecond === undefined ? '' : ` at the ${formatBytes(Math.round(slow.bytesPerSecond))}/s measured here`;
  return new UploadError(
    'TooSlow',
    `This connection is too slow for the upload: a part of ${formatBytes(slow.partBytes)}${rate} takes longer than the ` +
      `${Math.round(slow.lifetimeMs / 1000)} s its upload URL lives (SIGNED_URL_TTL_SECONDS, at most 3600). ` +
      'Upload the same file again on a faster connection to go on from the parts already sent.',
  );
}
