/**
 * Request authentication, in the order OSS applies it: find which of the four forms (V1/V4 × header/query) the
 * request uses, refuse it early if it is malformed, expired or too skewed (no secret needed for that), and hand
 * back who claims to have signed it plus a `verify(secret)` to run once the resolver has found the secret.
 * Pure: no I/O, the clock is a parameter, so the official vectors can be replayed at their own time.
 */
import { type SignableRequest, firstQueryValue, sameSignature } from './canonical';
import { parseV1AuthorizationHeader, v1Sign, v1StringToSign } from './auth-v1';
import {
  V4_ALGORITHM,
  V4_QUERY_SIGNATURE,
  checkV4Scope,
  parseV4AuthorizationHeader,
  parseV4Datetime,
  parseV4Query,
  v4CanonicalRequest,
  v4Scope,
  v4Sign,
  v4StringToSign,
} from './auth-v4';
import { OssError, accessDenied, invalidArgument } from './errors';

/** OSS accepts header-signed requests whose time is within 15 minutes of its own clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

export interface AuthOptions {
  /** Bare region id the emulator serves, e.g. `cn-hangzhou`. */
  region: string;
  now: Date;
}

export interface SignedClaim {
  kind: 'signed';
  version: 'v1' | 'v4';
  location: 'header' | 'query';
  accessKeyId: string;
  securityToken: string | undefined;
  /** Recomputes the signature with `secret`; throws `SignatureDoesNotMatch` when it differs. */
  verify(secret: string): void;
}

export type Authentication = { kind: 'anonymous' } | SignedClaim;

export function signatureDoesNotMatch(
  accessKeyId: string,
  provided: string,
  stringToSign: string,
  extra: Record<string, string> = {},
): OssError {
  return new OssError(
    403,
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    { OSSAccessKeyId: accessKeyId, SignatureProvided: provided, StringToSign: stringToSign, ...extra },
  );
}

function tooSkewed(requestTime: Date, now: Date): OssError {
  return new OssError(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', {
    RequestTime: requestTime.toISOString(),
    ServerTime: now.toISOString(),
    MaxAllowedSkewMilliseconds: String(MAX_CLOCK_SKEW_MS),
  });
}

function checkSkew(requestTime: Date, now: Date): void {
  if (Math.abs(requestTime.getTime() - now.getTime()) > MAX_CLOCK_SKEW_MS) throw tooSkewed(requestTime, now);
}

function v4Header(request: SignableRequest, authorization: string, options: AuthOptions): SignedClaim {
  const auth = parseV4AuthorizationHeader(authorization);
  const datetime = request.headers['x-oss-date'];
  if (datetime === undefined) throw accessDenied('OSS authentication requires a valid Date: x-oss-date is missing.');
  const requestTime = parseV4Datetime(datetime);
  if (requestTime === undefined) throw accessDenied('OSS authentication requires a valid Date: x-oss-date is not yyyymmddTHHMMSSZ.');
  checkV4Scope(auth.credential, datetime, options.region, 'Authorization header');
  if (request.headers['x-oss-content-sha256'] === undefined) {
    throw invalidArgument('Missing x-oss-content-sha256 header: V4 header signing needs it (UNSIGNED-PAYLOAD).');
  }
  checkSkew(requestTime, options.now);
  return {
    kind: 'signed',
    version: 'v4',
    location: 'header',
    accessKeyId: auth.credential.accessKeyId,
    securityToken: request.headers['x-oss-security-token'],
    verify(secret) {
      const canonicalRequest = v4CanonicalRequest(request, auth.additionalHeaders);
      const scope = v4Scope(auth.credential.date, options.region);
      const stringToSign = v4StringToSign(datetime, scope, canonicalRequest);
      const expected = v4Sign(secret, auth.credential.date, options.region, stringToSign);
      if (!sameSignature(expected, auth.signature.toLowerCase())) {
        throw signatureDoesNotMatch(auth.credential.accessKeyId, auth.signature, stringToSign, { CanonicalRequest: canonicalRequest });
      }
    },
  };
}

function v4Query(request: SignableRequest, options: AuthOptions): SignedClaim {
  const auth = parseV4Query(request);
  checkV4Scope(auth.credential, auth.datetime, options.region, 'x-oss-credential');
  const signedAt = parseV4Datetime(auth.datetime);
  if (signedAt === undefined) throw invalidArgument('Invalid x-oss-date: expected yyyymmddTHHMMSSZ.');
  const expiresAt = new Date(signedAt.getTime() + auth.expiresSeconds * 1000);
  if (options.now.getTime() > expiresAt.getTime()) {
    throw new OssError(403, 'AccessDenied', 'Request has expired.', {
      Expires: expiresAt.toISOString(),
      ServerTime: options.now.toISOString(),
    });
  }
  // A URL dated in the future would outlive the validity its signer meant to give it.
  if (signedAt.getTime() - options.now.getTime() > MAX_CLOCK_SKEW_MS) throw tooSkewed(signedAt, options.now);
  return {
    kind: 'signed',
    version: 'v4',
    location: 'query',
    accessKeyId: auth.credential.accessKeyId,
    securityToken: auth.securityToken,
    verify(secret) {
      const canonicalRequest = v4CanonicalRequest(request, auth.additionalHeaders, new Set([V4_QUERY_SIGNATURE]));
      const scope = v4Scope(auth.credential.date, options.region);
      const stringToSign = v4StringToSign(auth.datetime, scope, canonicalRequest);
      const expected = v4Sign(secret, auth.credential.date, options.region, stringToSign);
      if (!sameSignature(expected, auth.signature.toLowerCase())) {
        throw signatureDoesNotMatch(auth.credential.accessKeyId, auth.signature, stringToSign, { CanonicalRequest: canonicalRequest });
      }
    },
  };
}

function v1Header(request: SignableRequest, authorization: string, options: AuthOptions): SignedClaim {
  const auth = parseV1AuthorizationHeader(authorization);
  // Browsers cannot set `Date`, so clients send `x-oss-date` and sign its value on the date line.
  const dateLine = request.headers['x-oss-date'] ?? request.headers['date'];
  const requestTime = dateLine === undefined ? Number.NaN : Date.parse(dateLine);
  if (dateLine === undefined || Number.isNaN(requestTime)) throw accessDenied('OSS authentication requires a valid Date.');
  checkSkew(new Date(requestTime), options.now);
  return {
    kind: 'signed',
    version: 'v1',
    location: 'header',
    accessKeyId: auth.accessKeyId,
    securityToken: request.headers['x-oss-security-token'],
    verify(secret) {
      const stringToSign = v1StringToSign(request, dateLine);
      if (!sameSignature(v1Sign(secret, stringToSign), auth.signature)) {
        throw signatureDoesNotMatch(auth.accessKeyId, auth.signature, stringToSign);
      }
    },
  };
}

function v1Query(request: SignableRequest, options: AuthOptions): SignedClaim {
  const accessKeyId = firstQueryValue(request.query, 'OSSAccessKeyId');
  const expires = firstQueryValue(request.query, 'Expires');
  const signature = firstQueryValue(request.query, 'Signature');
  if (accessKeyId === undefined || expires === undefined || signature === undefined) {
    throw invalidArgument('A V1 signed URL needs OSSAccessKeyId, Expires and Signature.');
  }
  if (!/^\d+$/.test(expires)) throw invalidArgument('Expires must be a Unix time in seconds.');
  if (options.now.getTime() > Number(expires) * 1000) {
    throw new OssError(403, 'AccessDenied', 'Request has expired.', {
      Expires: new Date(Number(expires) * 1000).toISOString(),
      ServerTime: options.now.toISOString(),
    });
  }
  return {
    kind: 'signed',
    version: 'v1',
    location: 'query',
    accessKeyId,
    securityToken: firstQueryValue(request.query, 'security-token'),
    verify(secret) {
      const stringToSign = v1StringToSign(request, expires);
      if (!sameSignature(v1Sign(secret, stringToSign), signature)) throw signatureDoesNotMatch(accessKeyId, signature, stringToSign);
    },
  };
}

/**
 * Which form the request is signed with. Throws `OssError` for a malformed, expired or skewed request;
 * returns `{kind: 'anonymous'}` when nothing is signed (the server refuses those: the bucket is private).
 */
export function authenticateRequest(request: SignableRequest, options: AuthOptions): Authentication {
  const authorization = request.headers['authorization'];
  const hasQuery = (name: string): boolean => firstQueryValue(request.query, name) !== undefined;
  const v4QuerySigned = hasQuery('x-oss-signature-version') || hasQuery(V4_QUERY_SIGNATURE);
  const v1QuerySigned = hasQuery('OSSAccessKeyId') || hasQuery('Signature');
  if (authorization !== undefined && (v4QuerySigned || v1QuerySigned)) {
    throw invalidArgument('Only one authentication mechanism is allowed: an Authorization header or a signed URL, not both.');
  }
  if (authorization !== undefined) {
    if (authorization.startsWith(`${V4_ALGORITHM} `)) return v4Header(request, authorization, options);
    if (authorization.startsWith('OSS ')) return v1Header(request, authorization, options);
    throw invalidArgument('Unsupported Authorization header: expected "OSS4-HMAC-SHA256 …" or "OSS <AccessKeyId>:<Signature>".');
  }
  if (v4QuerySigned) return v4Query(request, options);
  if (v1QuerySigned) return v1Query(request, options);
  return { kind: 'anonymous' };
}
