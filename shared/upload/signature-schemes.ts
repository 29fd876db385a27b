/**
 * OSS's two signature schemes, each behind one object: what authorises a presigned PUT, and what authorises a
 * POST form policy. The canonical forms and the V1 HMAC are ali-oss's own low-level helpers (`lib/common/signUtils`,
 * ~20 ms to load, where the whole client costs ~130 ms); V4's final HMAC uses a signing key derived once per
 * credential, day and region (`v4-signing-key.ts`).
 */
import signUtils from 'ali-oss/lib/common/signUtils';
import type { SignerCredentials } from '../alicloud/access-key';
import type { SignatureVersion } from '../config/variables';
import { v4SignatureOf } from './v4-signing-key';

export const V4_ALGORITHM = 'OSS4-HMAC-SHA256';
/** What a V4 part URL binds besides its query: the part's length. */
const PART_BOUND_HEADER = 'content-length';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

export interface PresignInput {
  bucket: string;
  region: string;
  key: string;
  /** Lower-case names: the client must send exactly these. */
  headers: Record<string, string>;
  /**
   * Which of `headers` the signature must bind besides the ones every scheme signs (`x-oss-*`, `Content-Type`,
   * `Content-MD5`). V4 binds them (`x-oss-additional-headers`); V1 has no way to, and leaves them unsigned.
   */
  additionalHeaders: readonly string[];
  credentials: SignerCredentials;
  now: Date;
  lifetimeSeconds: number;
}

export interface PolicySigner {
  credentials: SignerCredentials;
  region: string;
  now: Date;
}

/** One part of a multipart upload: `partNumber` and `uploadId` are signed sub-resources of its URL. */
export interface PresignPartInput extends Omit<PresignInput, 'headers' | 'additionalHeaders'> {
  uploadId: string;
  partNumber: number;
  /** The part's exact length: V4 signs it (`Content-Length`, an additional header); V1 has no way to. */
  contentLength: number;
}

/** A request the function sends to OSS itself, authorised by headers. */
export interface SignedRequestInput {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  bucket: string;
  region: string;
  key: string;
  /** OSS sub-resources (`uploads`, `uploadId`); `null` for one sent without a value (`?uploads`). */
  subResources: Record<string, string | null>;
  /** Other query parameters (`max-parts`, `part-number-marker`). */
  query: Record<string, string>;
  /** Lower-case names; every `x-oss-*` header and `content-type` is signed. */
  headers: Record<string, string>;
  credentials: SignerCredentials;
  now: Date;
}

export interface SignatureScheme {
  /** The query parameters that authorise one PUT, the signature last. */
  presignPut(input: PresignInput): Record<string, string>;
  /**
   * The query parameters that authorise one part PUT, signature last. The client sends no header of its own; V4
   * binds the `Content-Length` every HTTP client sends, so the URL takes a part of exactly `contentLength` bytes.
   */
  presignPart(input: PresignPartInput): Record<string, string>;
  /** The headers to add to a request the function sends itself (date, token, `Authorization`). */
  signRequest(input: SignedRequestInput): Record<string, string>;
  /** The form fields that identify the signer: the policy pins each of them. */
  policyIdentityFields(signer: PolicySigner): Record<string, string>;
  /** The `policy` field and the fields carrying its signature. */
  signPolicy(encodedPolicy: string, signer: PolicySigner): Record<string, string>;
}

/** `yyyymmddTHHMMSSZ`, the V4 timestamp (cut out of `yyyy-mm-ddTHH:MM:SS.sssZ`: no regular expression per request). */
export function v4Timestamp(now: Date): string {
  const iso = now.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

/** Header names in lower case, each once, sorted (as V4's additional headers are listed). */
function lowerCaseSet(names: readonly string[]): string[] {
  const lower: string[] = [];
  for (const name of names) {
    const low = name.toLowerCase();
    if (!lower.includes(low)) lower.push(low);
  }
  return lower.sort();
}

const securityTokenOf = (name: string, credentials: SignerCredentials): Record<string, string> =>
  credentials.securityToken === undefined ? {} : { [name]: credentials.securityToken };

export const v4: SignatureScheme = {
  presignPut({ bucket, region, key, headers, additionalHeaders, credentials, now, lifetimeSeconds }) {
    const timestamp = v4Timestamp(now);
    const day = timestamp.slice(0, 8);
    const additional = lowerCaseSet(additionalHeaders);
    // Built in place, not spread (every warm PUT runs this): the order is the URL's.
    const queries: Record<string, string> = {};
    if (additional.length > 0) queries['x-oss-additional-headers'] = additional.join(';');
    queries['x-oss-credential'] = signUtils.getCredential(day, region, credentials.accessKeyId);
    queries['x-oss-date'] = timestamp;
    queries['x-oss-expires'] = String(lifetimeSeconds);
    queries['x-oss-signature-version'] = V4_ALGORITHM;
    if (credentials.securityToken !== undefined) queries['x-oss-security-token'] = credentials.securityToken;
    const canonicalRequest = signUtils.getCanonicalRequest('PUT', { headers, queries }, bucket, key, additional);
    const stringToSign = signUtils.getStringToSign(region, timestamp, canonicalRequest);
    queries['x-oss-signature'] = v4SignatureOf(credentials.accessKeySecret, day, region, stringToSign);
    return queries;
  },
  policyIdentityFields({ credentials, region, now }) {
    const timestamp = v4Timestamp(now);
    return {
      'x-oss-signature-version': V4_ALGORITHM,
      'x-oss-credential': signUtils.getCredential(timestamp.slice(0, 8), region, credentials.accessKeyId),
      'x-oss-date': timestamp,
      ...securityTokenOf('x-oss-security-token', credentials),
    };
  },
  signPolicy(encodedPolicy, { credentials, region, now }) {
    const day = v4Timestamp(now).slice(0, 8);
    return { policy: encodedPolicy, 'x-oss-signature': v4SignatureOf(credentials.accessKeySecret, day, region, encodedPolicy) };
  },
  presignPart({ bucket, region, key, uploadId, partNumber, contentLength, credentials, now, lifetimeSeconds }) {
    const timestamp = v4Timestamp(now);
    const day = timestamp.slice(0, 8);
    const queries: Record<string, string> = {
      partNumber: String(partNumber),
      uploadId,
      'x-oss-additional-headers': PART_BOUND_HEADER,
      'x-oss-credential': signUtils.getCredential(day, region, credentials.accessKeyId),
      'x-oss-date': timestamp,
      'x-oss-expires': String(lifetimeSeconds),
      'x-oss-signature-version': V4_ALGORITHM,
      ...securityTokenOf('x-oss-security-token', credentials),
    };
    const headers = { [PART_BOUND_HEADER]: String(contentLength) };
    const canonicalRequest = signUtils.getCanonicalRequest('PUT', { headers, queries }, bucket, key, [PART_BOUND_HEADER]);
    const stringToSign = signUtils.getStringToSign(region, timestamp, canonicalRequest);
    return { ...queries, 'x-oss-signature': v4SignatureOf(credentials.accessKeySecret, day, region, stringToSign) };
  },
  signRequest({ method, bucket, region, key, subResources, query, headers, credentials, now }) {
    const timestamp = v4Timestamp(now);
    const day = timestamp.slice(0, 8);
    const added: Record<string, string> = {
      'x-oss-date': timestamp,
      'x-oss-content-sha256': UNSIGNED_PAYLOAD,
      ...securityTokenOf('x-oss-security-token', credentials),
    };
    const queries: Record<string, string | null> = { ...subResources, ...query };
    const canonicalRequest = signUtils.getCanonicalRequest(method, { headers: { ...headers, ...added }, queries }, bucket, key, []);
    const signature = v4SignatureOf(
      credentials.accessKeySecret,
      day,
      region,
      signUtils.getStringToSign(region, timestamp, canonicalRequest),
    );
    const credential = signUtils.getCredential(day, region, credentials.accessKeyId);
    return { ...added, authorization: `${V4_ALGORITHM} Credential=${credential},Signature=${signature}` };
  },
};

export const v1: SignatureScheme = {
  presignPut({ bucket, key, headers, credentials, now, lifetimeSeconds }) {
    const expires = String(Math.floor(now.getTime() / 1000) + lifetimeSeconds);
    const subResources = securityTokenOf('security-token', credentials);
    const canonical = signUtils.buildCanonicalString('PUT', `/${bucket}/${key}`, { headers, parameters: subResources }, expires);
    return {
      OSSAccessKeyId: credentials.accessKeyId,
      Expires: expires,
      ...subResources,
      Signature: signUtils.computeSignature(credentials.accessKeySecret, canonical),
    };
  },
  policyIdentityFields: ({ credentials }) => securityTokenOf('x-oss-security-token', credentials),
  signPolicy: (encodedPolicy, { credentials }) => ({
    OSSAccessKeyId: credentials.accessKeyId,
    policy: encodedPolicy,
    Signature: signUtils.computeSignature(credentials.accessKeySecret, encodedPolicy),
  }),
  // V1 signs no Content-Length: a V1 part URL takes a part of any length (COMPLETE checks every part's).
  presignPart({ bucket, key, uploadId, partNumber, credentials, now, lifetimeSeconds }) {
    const expires = String(Math.floor(now.getTime() / 1000) + lifetimeSeconds);
    const subResources = { partNumber: String(partNumber), uploadId, ...securityTokenOf('security-token', credentials) };
    const canonical = signUtils.buildCanonicalString('PUT', `/${bucket}/${key}`, { headers: {}, parameters: subResources }, expires);
    return {
      ...subResources,
      OSSAccessKeyId: credentials.accessKeyId,
      Expires: expires,
      Signature: signUtils.computeSignature(credentials.accessKeySecret, canonical),
    };
  },
  signRequest({ method, bucket, key, subResources, headers, credentials, now }) {
    // Only sub-resources take part in V1's canonical resource; `max-parts` and the like are not signed.
    const date = now.toUTCString();
    const added: Record<string, string> = { date, ...securityTokenOf('x-oss-security-token', credentials) };
    const canonical = signUtils.buildCanonicalString(
      method,
      `/${bucket}/${key}`,
      { headers: { ...headers, ...added }, parameters: subResources },
      date,
    );
    return {
      ...added,
      authorization: `OSS ${credentials.accessKeyId}:${signUtils.computeSignature(credentials.accessKeySecret, canonical)}`,
    };
  },
};

export const SIGNATURE_SCHEMES: Readonly<Record<SignatureVersion, SignatureScheme>> = { v4, v1 };
