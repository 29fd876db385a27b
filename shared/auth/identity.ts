/**
 * Who is calling: the `Authorization: Bearer` JWT verified with jose, and the `{user}` path segment derived
 * from its subject. The segment encoding is injective and yields only `[A-Za-z0-9_-]`, so it can never carry a
 * wildcard, a separator or `..`, and, with the `/` that UPLOAD_PREFIX requires after it, one user's prefix is
 * never inside another's.
 */
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { AuthConfig } from '../config/sections';
import { HttpError, unauthorized } from '../edge/errors';

export interface Identity {
  /** The token's `sub`, as issued. Never logged. */
  subject: string;
  /** The `{user}` segment of the upload prefix. */
  userSegment: string;
}

/** Clock tolerance for `exp` and `nbf`: small, so a stolen token does not live on. */
export const CLOCK_TOLERANCE_SECONDS = 30;
const HMAC_ALGORITHMS = ['HS256'];
/** Asymmetric only: an HS256 token "signed" with the public key can never pass (HS/RS confusion). */
const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA'];
const MAX_TOKEN_LENGTH = 8192;
/** Longer encoded segments are replaced by a digest so prefixes and session policies stay short. */
export const MAX_USER_SEGMENT_LENGTH = 64;

export type TokenVerifier = (authorization: string | undefined) => Promise<Identity>;

export function createTokenVerifier(auth: AuthConfig): TokenVerifier {
  // The JWKS is fetched lazily and cached by jose, so a cold start costs nothing until the first request.
  // The HS256 secret is imported as a CryptoKey once: jose would import a raw secret again on every call (~2x slower).
  let hmacKey: Promise<CryptoKey> | undefined;
  const key: (() => Promise<CryptoKey>) | JWTVerifyGetKey =
    auth.kind === 'secret'
      ? () =>
          (hmacKey ??= crypto.subtle.importKey('raw', Uint8Array.from(auth.secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']))
      : createRemoteJWKSet(auth.jwksUrl, { timeoutDuration: 3000, cooldownDuration: 30_000 });
  const algorithms = auth.kind === 'secret' ? HMAC_ALGORITHMS : JWKS_ALGORITHMS;
  const options = {
    algorithms,
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    requiredClaims: ['sub', 'exp'],
    ...(auth.issuer === undefined ? {} : { issuer: auth.issuer }),
    ...(auth.audience === undefined ? {} : { audience: auth.audience }),
  };

  return async (authorization) => {
    const token = bearerToken(authorization);
    let subject: unknown;
    let expiry: unknown;
    try {
      const { payload } =
        auth.kind === 'secret'
          ? await jwtVerify(token, await (key as () => Promise<CryptoKey>)(), options)
          : await jwtVerify(token, key as JWTVerifyGetKey, options);
      subject = payload.sub;
      expiry = payload.exp;
    } catch (error) {
      if (auth.kind === 'jwks' && isKeySetFailure(error)) {
        // The identity provider's keys could not be had: the caller's token may be fine, so 503, not 401.
        throw new HttpError(503, 'UpstreamUnavailable', 'the token keys could not be fetched, retry shortly', {
          headers: { 'Retry-After': '5' },
          logDetail: `JWKS: ${error instanceof Error ? error.name : 'unknown'}`,
        });
      }
      throw unauthorized(describeJoseError(error), error instanceof Error ? error.name : 'unknown');
    }
    // `"exp": 1e400` parses to Infinity, which jose's comparisons accept: such a token would never expire.
    if (typeof expiry !== 'number' || !Number.isFinite(expiry)) throw unauthorized('token claim exp is missing or invalid');
    if (typeof subject !== 'string' || subject === '') throw unauthorized('token has no subject');
    // Lone surrogates all encode to U+FFFD in UTF-8: distinct subjects would share one prefix.
    if (!subject.isWellFormed()) throw unauthorized('token subject is not well-formed Unicode');
    return { subject, userSegment: userSegmentFor(subject) };
  };
}

function bearerToken(authorization: string | undefined): string {
  if (authorization === undefined || authorization.trim() === '') throw unauthorized('missing bearer token');
  const match = /^Bearer[ ]+([A-Za-z0-9_.~+/=-]+)\s*$/i.exec(authorization);
  if (match?.[1] === undefined) throw unauthorized('Authorization must be "Bearer <token>"');
  if (match[1].length > MAX_TOKEN_LENGTH) throw unauthorized('token is too long');
  return match[1];
}

/** The JWKS endpoint failed (network, timeout, not 200, not a key set), as opposed to the token being wrong. */
function isKeySetFailure(error: unknown): boolean {
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) return true;
  const { name, message } = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; message?: unknown };
  if (name === 'TypeError' && typeof message === 'string' && /fetch/i.test(message)) return true; // fetch itself failed (from any realm)
  return error instanceof joseErrors.JOSEError && error.code === 'ERR_JOSE_GENERIC' && /JSON Web Key Set|200 OK/i.test(error.message);
}

/** Messages the caller may see: they say what is wrong without echoing the token. */
function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'token is not yet valid';
    if (error.claim === 'aud') return 'token audience is not accepted';
    if (error.claim === 'iss') return 'token issuer is not accepted';
    return `token claim ${error.claim} is missing or invalid`;
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'token algorithm is not accepted';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'token signature is invalid';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'token key is unknown';
  return 'token is malformed';
}

/**
 * `[A-Za-z0-9-]` stay as they are; every other UTF-8 byte becomes `_` and two lower-case hex digits. Since `_` is
 * always escaped itself, the code is prefix-free and so injective. Segments longer than MAX_USER_SEGMENT_LENGTH
 * become `_h` + the subject's SHA-256 in hex: `_h` never starts an escape (h is not a hex digit), so the two forms
 * cannot collide.
 */
export function userSegmentFor(subject: string): string {
  let encoded = '';
  for (const byte of Buffer.from(subject, 'utf8')) {
    const char = String.fromCharCode(byte);
    encoded += /[A-Za-z0-9-]/.test(char) ? char : `_${byte.toString(16).padStart(2, '0')}`;
    if (encoded.length > MAX_USER_SEGMENT_LENGTH) break;
  }
  if (encoded.length > MAX_USER_SEGMENT_LENGTH || encoded === '') {
    return `_h${createHash('sha256').update(subject, 'utf8').digest('hex')}`;
  }
  return encoded;
}

/** A short, stable, non-reversible tag for logs. */
export function userHash(userSegment: string): string {
  return createHash('sha256').update(userSegment).digest('hex').slice(0, 16);
}
