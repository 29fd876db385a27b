/**
 * What both signature versions look at, independent of how the request arrived: the method, the bucket and key
 * the request addresses (the canonical URI/resource always names the bucket, whatever the URL looked like), the
 * decoded query parameters in the order sent, and the headers with lower-case names.
 */
import { timingSafeEqual } from 'node:crypto';

export interface SignableRequest {
  method: string;
  bucket: string;
  /** Decoded object key; '' for a bucket-level request (canonical URI `/<bucket>/`). */
  key: string;
  /** Decoded `[name, value]` pairs, as sent; a parameter sent without `=` has value ''. */
  query: ReadonlyArray<readonly [string, string]>;
  /** Lower-case header names; repeated headers joined by ','. */
  headers: Readonly<Record<string, string>>;
}

/** RFC 3986: everything but `A-Za-z0-9-_.~` percent-encoded as UTF-8 bytes, upper-case hex. */
export function rfc3986Encode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function firstQueryValue(query: SignableRequest['query'], name: string): string | undefined {
  return query.find(([key]) => key === name)?.[1];
}

export function headerValue(request: SignableRequest, name: string): string | undefined {
  return request.headers[name.toLowerCase()];
}

/** Constant-time comparison, so the emulator does not teach anyone to time signatures. */
export function sameSignature(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
