/**
 * OSS signature V1 (HMAC-SHA1), written from the specification (docs/oss-facts.md): legacy, but ali-oss still signs
 * with it by default, so the emulator must accept it and check it just as strictly.
 */
import { createHmac } from 'node:crypto';
import type { SignableRequest } from './canonical';
import { invalidArgument } from './errors';

/** Query parameters that take part in the canonical resource; any `x-oss-*` parameter does too. */
export const V1_SIGNED_SUBRESOURCES: ReadonlySet<string> = new Set([
  'acl',
  'bucketInfo',
  'location',
  'stat',
  'delete',
  'append',
  'tagging',
  'objectMeta',
  'uploads',
  'uploadId',
  'partNumber',
  'security-token',
  'position',
  'response-content-type',
  'response-content-language',
  'response-expires',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'restore',
  'callback',
  'callback-var',
  'versions',
  'versioning',
  'versionId',
  'sequential',
  'continuation-token',
  'regionList',
  'cloudboxes',
  'symlink',
  'cors',
  'lifecycle',
  'logging',
  'referer',
  'website',
  'policy',
  'encryption',
  'qos',
  'live',
  'status',
  'vod',
  'startTime',
  'endTime',
  'img',
  'style',
  'styleName',
  'udf',
  'inventory',
  'inventoryId',
  'worm',
  'wormId',
  'wormExtend',
  'requestPayment',
  'replication',
  'resourceGroup',
]);

/** `x-oss-*` headers lower-cased, trimmed, sorted, each `name:value\n`. */
export function v1CanonicalHeaders(headers: SignableRequest['headers']): string {
  return Object.keys(headers)
    .filter((name) => name.startsWith('x-oss-'))
    .sort()
    .map((name) => `${name}:${(headers[name] ?? '').trim()}\n`)
    .join('');
}

/** `/<bucket>/<key>` with the key not encoded, then the signed sub-resources sorted (`k=v`, or `k` when empty). */
export function v1CanonicalResource(request: SignableRequest): string {
  const signed = request.query
    .filter(([name]) => V1_SIGNED_SUBRESOURCES.has(name) || name.startsWith('x-oss-'))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => (value === '' ? name : `${name}=${value}`));
  const resource = `/${request.bucket}/${request.key}`;
  return signed.length > 0 ? `${resource}?${signed.join('&')}` : resource;
}

/** `VERB\nContent-MD5\nContent-Type\n<date line>\n<x-oss headers><resource>` */
export function v1StringToSign(request: SignableRequest, dateLine: string): string {
  return [
    request.method.toUpperCase(),
    request.headers['content-md5'] ?? '',
    request.headers['content-type'] ?? '',
    dateLine,
    `${v1CanonicalHeaders(request.headers)}${v1CanonicalResource(request)}`,
  ].join('\n');
}

/** Base64 HMAC-SHA1; also the V1 POST policy signature, with the base64 policy as the message. */
export function v1Sign(secret: string, message: string): string {
  return createHmac('sha1', secret).update(message, 'utf8').digest('base64');
}

/** `OSS <AccessKeyId>:<Signature>` */
export function parseV1AuthorizationHeader(value: string): { accessKeyId: string; signature: string } {
  const match = /^OSS ([^:\s]+):(\S+)$/.exec(value.trim());
  if (!match || match[1] === undefined || match[2] === undefined) {
    throw invalidArgument('Invalid Authorization header: expected "OSS <AccessKeyId>:<Signature>".');
  }
  return { accessKeyId: match[1], signature: match[2] };
}
