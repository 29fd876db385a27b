/**
 * OSS signature V4 (`OSS4-HMAC-SHA256`), written from the specification (docs/oss-facts.md), not from any SDK, so that
 * a signing bug in our own code shows up as a refusal here.
 */
import { createHash, createHmac } from 'node:crypto';
import { type SignableRequest, firstQueryValue, rfc3986Encode } from './canonical';
import { invalidArgument } from './errors';

export const V4_ALGORITHM = 'OSS4-HMAC-SHA256';
export const V4_TERMINATOR = 'aliyun_v4_request';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const DATETIME_PATTERN = /^(\d{8})T\d{6}Z$/;

/** `/<bucket>/<key>`, percent-encoded with `/` kept. */
export function v4CanonicalUri(bucket: string, key: string): string {
  return rfc3986Encode(`/${bucket}/${key}`).replace(/%2F/g, '/');
}

/**
 * Keys and values RFC 3986-encoded, sorted by encoded key in byte order, `k=v`, or bare `k` for an empty value.
 * The bare form is what the Go and Python SDKs sign and what ali-oss signs for its own sub-resources (`uploads`)
 * even though its URL carries `uploads=`: the server cannot tell `?k` from `?k=`, so it must pick one form.
 */
export function v4CanonicalQuery(query: SignableRequest['query'], omit: ReadonlySet<string> = new Set()): string {
  return query
    .filter(([name]) => !omit.has(name))
    .map(([name, value]) => [rfc3986Encode(name), rfc3986Encode(value)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => (value === '' ? name : `${name}=${value}`))
    .join('&');
}

function isDefaultSignedHeader(name: string): boolean {
  return name.startsWith('x-oss-') || name === 'content-type' || name === 'content-md5';
}

/** Every `x-oss-*`, `content-type` and `content-md5` header present, plus the additional headers, sorted. */
export function v4CanonicalHeaders(headers: SignableRequest['headers'], additionalHeaders: readonly string[]): string {
  const names = new Set(Object.keys(headers).filter(isDefaultSignedHeader));
  for (const name of additionalHeaders) names.add(name.toLowerCase());
  return [...names]
    .sort()
    .map((name) => `${name}:${(headers[name] ?? '').trim()}\n`)
    .join('');
}

export function v4CanonicalRequest(
  request: SignableRequest,
  additionalHeaders: readonly string[],
  omitQuery: ReadonlySet<string> = new Set(),
): string {
  return [
    request.method.toUpperCase(),
    v4CanonicalUri(request.bucket, request.key),
    v4CanonicalQuery(request.query, omitQuery),
    v4CanonicalHeaders(request.headers, additionalHeaders),
    additionalHeaders.join(';'),
    request.headers['x-oss-content-sha256'] ?? UNSIGNED_PAYLOAD,
  ].join('\n');
}

export function v4Scope(date: string, region: string, product = 'oss'): string {
  return `${date}/${region}/${product}/${V4_TERMINATOR}`;
}

export function v4StringToSign(datetime: string, scope: string, canonicalRequest: string): string {
  return [V4_ALGORITHM, datetime, scope, createHash('sha256').update(canonicalRequest, 'utf8').digest('hex')].join('\n');
}

export function v4SigningKey(secret: string, date: string, region: string, product = 'oss'): Buffer {
  const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();
  return hmac(hmac(hmac(hmac(`aliyun_v4${secret}`, date), region), product), V4_TERMINATOR);
}

/** Hex HMAC-SHA256 of `message` (a string to sign, or a base64 POST policy) with the derived signing key. */
export function v4Sign(secret: string, date: string, region: string, message: string, product = 'oss'): string {
  return createHmac('sha256', v4SigningKey(secret, date, region, product))
    .update(message, 'utf8')
    .digest('hex');
}

/** `<ak>/<yyyymmdd>/<region>/<product>/aliyun_v4_request`, as in the header, the query and the POST form. */
export interface V4Credential {
  accessKeyId: string;
  date: string;
  region: string;
  product: string;
}

export function parseV4Credential(credential: string, where: string): V4Credential {
  const parts = credential.split('/');
  const terminator = parts.pop();
  const product = parts.pop();
  const region = parts.pop();
  const date = parts.pop();
  const accessKeyId = parts.join('/');
  if (terminator !== V4_TERMINATOR || !product || !region || !date || !/^\d{8}$/.test(date) || accessKeyId === '') {
    throw invalidArgument(`Invalid credential in ${where}: expected <AccessKeyId>/<yyyymmdd>/<region>/oss/${V4_TERMINATOR}.`);
  }
  return { accessKeyId, date, region, product };
}

/** Checks the credential scope against the signing time and the region this emulator serves. */
export function checkV4Scope(credential: V4Credential, datetime: string, region: string, where: string): void {
  const dateOfDatetime = DATETIME_PATTERN.exec(datetime)?.[1];
  if (dateOfDatetime === undefined) throw invalidArgument(`Invalid x-oss-date in ${where}: expected yyyymmddTHHMMSSZ.`);
  if (credential.date !== dateOfDatetime) {
    throw invalidArgument(`Invalid signing date in ${where}: the credential says ${credential.date}, x-oss-date says ${datetime}.`);
  }
  if (credential.region !== region) {
    throw invalidArgument(`Invalid signing region in ${where}: expected ${region}, got ${credential.region}.`);
  }
  if (credential.product !== 'oss') throw invalidArgument(`Invalid signing product in ${where}: expected oss.`);
}

/** `yyyymmddTHHMMSSZ` → Date, or undefined when it is not that shape or not a real instant. */
export function parseV4Datetime(datetime: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(datetime);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return date.getUTCDate() === d && date.getUTCHours() === h ? date : undefined;
}

export interface V4HeaderAuth {
  credential: V4Credential;
  additionalHeaders: string[];
  signature: string;
}

/** `OSS4-HMAC-SHA256 Credential=…[,AdditionalHeaders=a;b],Signature=…` */
export function parseV4AuthorizationHeader(value: string): V4HeaderAuth {
  const fields = new Map<string, string>();
  for (const item of value.slice(V4_ALGORITHM.length).split(',')) {
    const at = item.indexOf('=');
    if (at > 0) fields.set(item.slice(0, at).trim(), item.slice(at + 1).trim());
  }
  const credential = fields.get('Credential');
  const signature = fields.get('Signature');
  if (credential === undefined || signature === undefined) {
    throw invalidArgument('Invalid Authorization header: Credential and Signature are required.');
  }
  const additional = fields.get('AdditionalHeaders') ?? '';
  return {
    credential: parseV4Credential(credential, 'Authorization header'),
    additionalHeaders: additional === '' ? [] : additional.split(';').map((name) => name.trim().toLowerCase()),
    signature,
  };
}

/** The signing parameters of a V4 presigned URL; all but `x-oss-signature` take part in the canonical query. */
export interface V4QueryAuth extends V4HeaderAuth {
  datetime: string;
  expiresSeconds: number;
  securityToken: string | undefined;
}

export const V4_QUERY_SIGNATURE = 'x-oss-signature';

export function parseV4Query(request: SignableRequest): V4QueryAuth {
  const get = (name: string): string | undefined => firstQueryValue(request.query, name);
  const version = get('x-oss-signature-version');
  if (version !== V4_ALGORITHM) throw invalidArgument(`Unsupported x-oss-signature-version: expected ${V4_ALGORITHM}.`);
  const credential = get('x-oss-credential');
  const datetime = get('x-oss-date');
  const expires = get('x-oss-expires');
  const signature = get(V4_QUERY_SIGNATURE);
  if (credential === undefined || datetime === undefined || expires === undefined || signature === undefined) {
    throw invalidArgument('A V4 signed URL needs x-oss-credential, x-oss-date, x-oss-expires and x-oss-signature.');
  }
  if (!/^\d+$/.test(expires) || Number(expires) < 1 || Number(expires) > 604800) {
    throw invalidArgument('x-oss-expires must be a whole number of seconds from 1 to 604800.');
  }
  const additional = get('x-oss-additional-headers') ?? '';
  return {
    credential: parseV4Credential(credential, 'x-oss-credential'),
    additionalHeaders: additional === '' ? [] : additional.split(';').map((name) => name.trim().toLowerCase()),
    signature,
    datetime,
    expiresSeconds: Number(expires),
    securityToken: get('x-oss-security-token'),
  };
}
