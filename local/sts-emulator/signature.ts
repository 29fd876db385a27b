/**
 * The two request signatures STS accepts, written from the specifications with `node:crypto` only.
 *
 * RPC (signature version 1.0, what sts20150401 1.1.x sends; docs/oss-facts.md):
 *   StringToSign = METHOD + "&" + enc("/") + "&" + enc(sorted `enc(k)=enc(v)` pairs joined by "&")
 *   Signature    = base64(HMAC-SHA1(secret + "&", StringToSign)), over every parameter but Signature.
 *
 * ACS3-HMAC-SHA256 (Alibaba Cloud "Request syntax and signature method V3"):
 *   CanonicalRequest = METHOD \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n HashedPayload
 *   - CanonicalURI: the path, each segment RFC 3986-encoded ("/" for RPC-style APIs).
 *   - CanonicalQuery: `enc(k)=enc(v)` sorted by encoded name (then value), joined by "&"; empty value gives `k=`.
 *   - CanonicalHeaders: `name:trimmed value\n` for each signed header (lower-case, sorted); SignedHeaders
 *     is the same names joined by ";". Signed: host, content-type when present, and every x-acs-* header.
 *   - HashedPayload: the `x-acs-content-sha256` header, hex SHA-256 of the body (of "" when there is none).
 *   StringToSign = "ACS3-HMAC-SHA256\n" + hex(SHA-256(CanonicalRequest)); Signature = hex(HMAC-SHA256(secret, StringToSign)).
 *   Header: `Authorization: ACS3-HMAC-SHA256 Credential=<ak>,SignedHeaders=<a;b>,Signature=<hex>`.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { stsErrors } from './errors';
import { headerValue } from './request';

export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256';

/** RFC 3986 unreserved characters stay, everything else is %XX (so space is %20, `*` is %2A, `~` stays). */
export function percentEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function canonicalPairs(pairs: Iterable<readonly [string, string]>): string {
  const encoded = Array.from(pairs, ([name, value]) => [percentEncode(name), percentEncode(value)] as const);
  encoded.sort(([an, av], [bn, bv]) => compareBytes(an, bn) || compareBytes(av, bv));
  return encoded.map(([name, value]) => `${name}=${value}`).join('&');
}

/** Encoded strings are ASCII, so UTF-16 order is byte order. */
function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

// ---------------------------------------------------------------------------------------------------------------
// RPC HMAC-SHA1

export function rpcStringToSign(method: string, params: ReadonlyMap<string, string>): string {
  const signed = [...params].filter(([name]) => name !== 'Signature');
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonicalPairs(signed))}`;
}

export function rpcSignature(accessKeySecret: string, stringToSign: string): string {
  return createHmac('sha1', `${accessKeySecret}&`).update(stringToSign, 'utf8').digest('base64');
}

// ---------------------------------------------------------------------------------------------------------------
// ACS3-HMAC-SHA256

export interface Acs3Authorization {
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses `ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..`; anything else is IncompleteSignature. */
export function parseAcs3Authorization(value: string): Acs3Authorization {
  const space = value.indexOf(' ');
  const algorithm = space < 0 ? value : value.slice(0, space);
  if (algorithm !== ACS3_ALGORITHM) throw stsErrors.unsupportedSignature(`Unsupported signature algorithm "${algorithm}".`);
  const fields = new Map<string, string>();
  for (const part of value.slice(space + 1).split(',')) {
    const equals = part.indexOf('=');
    if (equals < 0) throw stsErrors.unsupportedSignature('Malformed Authorization header.');
    fields.set(part.slice(0, equals).trim(), part.slice(equals + 1).trim());
  }
  const accessKeyId = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKeyId || !signedHeaders || !signature || fields.size !== 3) {
    throw stsErrors.unsupportedSignature('The Authorization header needs exactly Credential, SignedHeaders and Signature.');
  }
  const names = signedHeaders.split(';');
  const sortedUnique = names.every((name, i) => name !== '' && name === name.toLowerCase() && (i === 0 || (names[i - 1] ?? '') < name));
  if (!sortedUnique) throw stsErrors.unsupportedSignature('SignedHeaders must be lower-case, sorted and unique.');
  return { accessKeyId, signedHeaders: names, signature };
}

/** Headers that must be signed when present; an unsigned one could be changed in flight. */
export function requiredSignedHeaders(headers: IncomingHttpHeaders): string[] {
  return Object.keys(headers).filter((name) => name === 'host' || name === 'content-type' || name.startsWith('x-acs-'));
}

export interface Acs3CanonicalInput {
  method: string;
  rawPath: string;
  query: ReadonlyArray<readonly [string, string]>;
  headers: IncomingHttpHeaders;
  signedHeaders: readonly string[];
  hashedPayload: string;
}

export function acs3CanonicalRequest(input: Acs3CanonicalInput): string {
  const canonicalHeaders = input.signedHeaders
    .map((name) => {
      const value = headerValue(input.headers, name);
      if (value === undefined) throw stsErrors.unsupportedSignature(`Signed header "${name}" is missing from the request.`);
      return `${name}:${value.trim()}\n`;
    })
    .join('');
  return [
    input.method.toUpperCase(),
    canonicalUri(input.rawPath),
    canonicalPairs(input.query),
    canonicalHeaders,
    input.signedHeaders.join(';'),
    input.hashedPayload,
  ].join('\n');
}

function canonicalUri(rawPath: string): string {
  if (rawPath === '') return '/';
  return rawPath
    .split('/')
    .map((segment) => {
      try {
        return percentEncode(decodeURIComponent(segment));
      } catch {
        throw stsErrors.invalidParameter('The request path contains a malformed percent-encoding.');
      }
    })
    .join('/');
}

export function acs3Signature(accessKeySecret: string, canonicalRequest: string): string {
  const stringToSign = `${ACS3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
  return createHmac('sha256', accessKeySecret).update(stringToSign, 'utf8').digest('hex');
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Constant-time comparison of two strings of any length (hashing first equalises the lengths). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
