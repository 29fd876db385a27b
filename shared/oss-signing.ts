/**
 * Signed PUT URLs and POST form policies for one server-chosen key. The canonical forms and HMAC chains are
 * ali-oss's own low-level helpers (`lib/common/signUtils`, ~20 ms to load, where the whole client costs ~130 ms);
 * this module only decides what gets signed.
 */
import signUtils from 'ali-oss/lib/common/signUtils';
import type { SignatureVersion } from './config';
import type { SignerCredentials } from './credentials';
import type { UploadRules } from './rules';

export const V4_ALGORITHM = 'OSS4-HMAC-SHA256';
/** 201 makes OSS answer the form upload with an XML body carrying the key and ETag. */
export const POST_SUCCESS_STATUS = '201';

export interface SignedPutUpload {
  method: 'PUT';
  url: string;
  /** Every header the client must send, with exactly these values. */
  headers: Record<string, string>;
  bucket: string;
  key: string;
  expiresAt: string;
}

export interface SignedPostUpload {
  method: 'POST';
  url: string;
  /** Every form field, in order; the client appends `file` last. */
  fields: Record<string, string>;
  bucket: string;
  key: string;
  expiresAt: string;
  maxBytes: number;
}

export interface SigningInput {
  rules: UploadRules;
  key: string;
  contentType: string;
  credentials: SignerCredentials;
  now: Date;
  lifetimeSeconds: number;
  version: SignatureVersion;
}

/** RFC 3986: what OSS's canonical forms expect, and safe in a URL. */
export function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function objectUrl(ossEndpoint: string, key: string): string {
  return `${ossEndpoint}/${key.split('/').map(encodeRfc3986).join('/')}`;
}

/** `yyyymmddTHHMMSSZ`, the V4 timestamp. */
export function v4Timestamp(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function queryString(params: Record<string, string>): string {
  return Object.entries(params)
    .map(([name, value]) => `${encodeRfc3986(name)}=${encodeRfc3986(value)}`)
    .join('&');
}

export function signPutUpload(input: SigningInput): SignedPutUpload {
  const { rules, key, contentType, credentials, now, lifetimeSeconds } = input;
  const headers = { 'Content-Type': contentType, 'x-oss-forbid-overwrite': 'true' };
  const expiresAt = new Date(now.getTime() + lifetimeSeconds * 1000);
  const base = { method: 'PUT' as const, headers, bucket: rules.bucket, key, expiresAt: expiresAt.toISOString() };

  if (input.version === 'v1') {
    const expires = String(Math.floor(expiresAt.getTime() / 1000));
    const subResources: Record<string, string> =
      credentials.securityToken === undefined ? {} : { 'security-token': credentials.securityToken };
    const canonical = signUtils.buildCanonicalString(
      'PUT',
      `/${rules.bucket}/${key}`,
      { headers: lowerCaseKeys(headers), parameters: subResources },
      expires,
    );
    const query = {
      OSSAccessKeyId: credentials.accessKeyId,
      Expires: expires,
      ...subResources,
      Signature: signUtils.computeSignature(credentials.accessKeySecret, canonical),
    };
    return { ...base, url: `${objectUrl(rules.ossEndpoint, key)}?${queryString(query)}` };
  }

  const timestamp = v4Timestamp(now);
  const day = timestamp.slice(0, 8);
  const queries: Record<string, string> = {
    'x-oss-credential': signUtils.getCredential(day, rules.region, credentials.accessKeyId),
    'x-oss-date': timestamp,
    'x-oss-expires': String(lifetimeSeconds),
    'x-oss-signature-version': V4_ALGORITHM,
    ...(credentials.securityToken === undefined ? {} : { 'x-oss-security-token': credentials.securityToken }),
  };
  const canonicalRequest = signUtils.getCanonicalRequest('PUT', { headers: lowerCaseKeys(headers), queries }, rules.bucket, key, []);
  const signature = signUtils.getSignatureV4(
    credentials.accessKeySecret,
    day,
    rules.region,
    signUtils.getStringToSign(rules.region, timestamp, canonicalRequest),
  );
  return { ...base, url: `${objectUrl(rules.ossEndpoint, key)}?${queryString({ ...queries, 'x-oss-signature': signature })}` };
}

export type PolicyCondition = Record<string, string> | ['content-length-range', number, number];

export interface PostPolicy {
  expiration: string;
  conditions: PolicyCondition[];
}

export function signPostUpload(input: SigningInput): SignedPostUpload {
  const { rules, key, contentType, credentials, now, lifetimeSeconds } = input;
  const expiresAt = new Date(now.getTime() + lifetimeSeconds * 1000).toISOString();
  // Every field that matters for security is pinned exactly; the size range is the one thing PUT cannot enforce.
  const pinned: Record<string, string> = {
    key,
    'Content-Type': contentType,
    'x-oss-forbid-overwrite': 'true',
    success_action_status: POST_SUCCESS_STATUS,
  };
  let authFields: Record<string, string>;
  if (input.version === 'v1') {
    authFields = credentials.securityToken === undefined ? {} : { 'x-oss-security-token': credentials.securityToken };
  } else {
    const timestamp = v4Timestamp(now);
    authFields = {
      'x-oss-signature-version': V4_ALGORITHM,
      'x-oss-credential': signUtils.getCredential(timestamp.slice(0, 8), rules.region, credentials.accessKeyId),
      'x-oss-date': timestamp,
      ...(credentials.securityToken === undefined ? {} : { 'x-oss-security-token': credentials.securityToken }),
    };
  }
  const policy: PostPolicy = {
    expiration: expiresAt,
    conditions: [
      { bucket: rules.bucket },
      ...Object.entries({ ...pinned, ...authFields }).map(([name, value]) => ({ [name]: value })),
      ['content-length-range', 1, rules.maxBytes],
    ],
  };
  const encodedPolicy = Buffer.from(JSON.stringify(policy), 'utf8').toString('base64');

  const signatureFields =
    input.version === 'v1'
      ? {
          OSSAccessKeyId: credentials.accessKeyId,
          policy: encodedPolicy,
          Signature: signUtils.computeSignature(credentials.accessKeySecret, encodedPolicy),
        }
      : {
          policy: encodedPolicy,
          'x-oss-signature': signUtils.getSignatureV4(
            credentials.accessKeySecret,
            (authFields['x-oss-date'] ?? '').slice(0, 8),
            rules.region,
            encodedPolicy,
          ),
        };

  return {
    method: 'POST',
    url: `${rules.ossEndpoint}/`,
    fields: { ...pinned, ...authFields, ...signatureFields },
    bucket: rules.bucket,
    key,
    expiresAt,
    maxBytes: rules.maxBytes,
  };
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
