/**
 * A signed PUT URL or a signed POST form for one server-chosen key. This module decides *what* is signed (the
 * headers a PUT must carry, the conditions a form policy pins); the scheme (`signature-schemes.ts`) signs it.
 */
import type { SignerCredentials } from '../alicloud/access-key';
import type { SignatureVersion } from '../config/variables';
import type { PutHeaders, SignedPost, SignedPut } from '../contract';
import type { UploadRules } from './rules';
import { SIGNATURE_SCHEMES } from './signature-schemes';
import { CONTENT_DISPOSITION, OBJECT_ACL, STORAGE_CLASS } from './stored-object';

/** 201 makes OSS answer the form upload with an XML body carrying the key and ETag. */
export const POST_SUCCESS_STATUS = '201';

export interface SigningInput {
  rules: UploadRules;
  key: string;
  contentType: string;
  credentials: SignerCredentials;
  now: Date;
  lifetimeSeconds: number;
  version: SignatureVersion;
}

const LEFT_BY_ENCODE_URI_COMPONENT = /[!'()*]/;

/** RFC 3986: what OSS's canonical forms expect, and safe in a URL. */
export function encodeRfc3986(value: string): string {
  const encoded = encodeURIComponent(value);
  // Most values (keys, dates, credentials) hold none of the five: the test spares them the replace (~2 µs a request).
  if (!LEFT_BY_ENCODE_URI_COMPONENT.test(encoded)) return encoded;
  return encoded.replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A key as it stands in a URL path or `x-oss-copy-source`: each segment RFC 3986-encoded, `/` kept. */
export function encodeObjectKey(key: string): string {
  return key.split('/').map(encodeRfc3986).join('/');
}

export function objectUrl(ossEndpoint: string, key: string): string {
  return `${ossEndpoint}/${encodeObjectKey(key)}`;
}

export function queryString(params: Record<string, string>): string {
  return Object.entries(params)
    .map(([name, value]) => `${encodeRfc3986(name)}=${encodeRfc3986(value)}`)
    .join('&');
}

function expiresAt(input: SigningInput): string {
  return new Date(input.now.getTime() + input.lifetimeSeconds * 1000).toISOString();
}

/**
 * Besides what every scheme signs (`x-oss-*`, `Content-Type`), V4 binds `Content-Disposition` and `Content-Length`:
 * the URL takes exactly `size` bytes, stored as an attachment. `Content-Length` is not in the answer's headers
 * because clients set it from the body themselves (browsers refuse to let a page set it).
 */
export const PUT_BOUND_HEADERS = ['content-disposition', 'content-length'] as const;

export function signPutUpload(input: SigningInput & { size: number }): SignedPut {
  const { rules, key, credentials, now, lifetimeSeconds } = input;
  const headers: PutHeaders = {
    'Content-Type': input.contentType,
    'Content-Disposition': CONTENT_DISPOSITION,
    'x-oss-forbid-overwrite': 'true',
  };
  const query = SIGNATURE_SCHEMES[input.version].presignPut({
    bucket: rules.bucket,
    region: rules.region,
    key,
    headers: signedHeaders(headers, input.size),
    additionalHeaders: PUT_BOUND_HEADERS,
    credentials,
    now,
    lifetimeSeconds,
  });
  return {
    method: 'PUT',
    url: `${objectUrl(rules.ossEndpoint, key)}?${queryString(query)}`,
    headers,
    size: input.size,
    bucket: rules.bucket,
    key,
    expiresAt: expiresAt(input),
  };
}

export type PolicyCondition = Record<string, string> | ['content-length-range', number, number];

export interface PostPolicy {
  expiration: string;
  conditions: PolicyCondition[];
}

export function signPostUpload(input: SigningInput): SignedPost {
  const { rules, key, credentials, now } = input;
  const scheme = SIGNATURE_SCHEMES[input.version];
  const signer = { credentials, region: rules.region, now };
  // Every field that matters for security is pinned exactly, and sent: OSS ignores fields no condition names, so a
  // field we leave out (callback, x-oss-meta-*) cannot be forbidden here (docs/security.md).
  const pinned: Record<string, string> = {
    key,
    'Content-Type': input.contentType,
    'Content-Disposition': CONTENT_DISPOSITION,
    'x-oss-forbid-overwrite': 'true',
    'x-oss-object-acl': OBJECT_ACL,
    'x-oss-storage-class': STORAGE_CLASS,
    success_action_status: POST_SUCCESS_STATUS,
    ...scheme.policyIdentityFields(signer),
  };
  const policy: PostPolicy = {
    expiration: expiresAt(input),
    conditions: [
      { bucket: rules.bucket },
      ...Object.entries(pinned).map(([name, value]) => ({ [name]: value })),
      ['content-length-range', 1, rules.maxBytes],
    ],
  };
  const encodedPolicy = Buffer.from(JSON.stringify(policy), 'utf8').toString('base64');
  return {
    method: 'POST',
    url: `${rules.ossEndpoint}/`,
    fields: { ...pinned, ...scheme.signPolicy(encodedPolicy, signer) },
    bucket: rules.bucket,
    key,
    expiresAt: policy.expiration,
    maxBytes: rules.maxBytes,
  };
}

/** The headers the uploader sends, as V4 signs them (lower-case names), and the length the upload must have. */
function signedHeaders(headers: Record<string, string>, size: number): Record<string, string> {
  const signed: Record<string, string> = { 'content-length': String(size) };
  for (const [name, value] of Object.entries(headers)) signed[name.toLowerCase()] = value;
  return signed;
}
