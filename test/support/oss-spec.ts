/**
 * OSS signatures recomputed from the rules in docs/oss-facts.md with node:crypto alone, so the tests never check our
 * signing code against itself. The official vectors (test/shared/upload/oss-vectors.test.ts) prove this file right.
 */
import { createHash, createHmac } from 'node:crypto';

export function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function v4SigningKey(secret: string, day: string, region: string): Buffer {
  const dateKey = createHmac('sha256', `aliyun_v4${secret}`).update(day).digest();
  const regionKey = createHmac('sha256', dateKey).update(region).digest();
  const serviceKey = createHmac('sha256', regionKey).update('oss').digest();
  return createHmac('sha256', serviceKey).update('aliyun_v4_request').digest();
}

export interface V4Request {
  method: string;
  bucket: string;
  key: string;
  /** Values of `null` are key-only parameters. */
  query: Record<string, string | null>;
  headers: Record<string, string>;
  additionalHeaders: string[];
}

export function v4CanonicalRequest(request: V4Request): string {
  const uri = `/${request.bucket}/${request.key}`.split('/').map(rfc3986).join('/');
  const query = Object.entries(request.query)
    .map(([name, value]) => [rfc3986(name), value === null || value === '' ? null : rfc3986(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => (value === null ? name : `${name}=${value}`))
    .join('&');
  const lower = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value.trim()]));
  const additional = request.additionalHeaders.map((name) => name.toLowerCase()).sort();
  const signed = Object.keys(lower)
    .filter((name) => name.startsWith('x-oss-') || name === 'content-type' || name === 'content-md5' || additional.includes(name))
    .sort();
  const canonicalHeaders = signed.map((name) => `${name}:${lower[name]}\n`).join('');
  return [request.method, uri, query, canonicalHeaders, additional.join(';'), lower['x-oss-content-sha256'] ?? 'UNSIGNED-PAYLOAD'].join(
    '\n',
  );
}

export function v4Signature(secret: string, region: string, timestamp: string, canonicalRequest: string): string {
  const day = timestamp.slice(0, 8);
  const stringToSign = [
    'OSS4-HMAC-SHA256',
    timestamp,
    `${day}/${region}/oss/aliyun_v4_request`,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  return createHmac('sha256', v4SigningKey(secret, day, region))
    .update(stringToSign)
    .digest('hex');
}

export function v4PolicySignature(secret: string, region: string, timestamp: string, base64Policy: string): string {
  return createHmac('sha256', v4SigningKey(secret, timestamp.slice(0, 8), region))
    .update(base64Policy)
    .digest('hex');
}

export function v1Signature(secret: string, stringToSign: string): string {
  return createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64');
}

export function timestampOf(unixSeconds: number): string {
  return new Date(unixSeconds * 1000)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}
