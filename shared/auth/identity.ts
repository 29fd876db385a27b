/**
 * Who is calling: the `Authorization: Bearer` JWT verified by jose's `jwtVerify` (HS256 with the shared secret, or
 * the identity provider's keys from its JWKS, `jwks.ts`), then a short check of what jose leaves open, and the names
 * the user goes by outside the token (`user-ids.ts`). Every refusal is a 401 with a reason code
 * (`token-rejections.ts`); a key set that cannot be had is a 503.
 */
import {
  errors,
  jwtVerify,
  type JWTHeaderParameters,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  type JWTVerifyResult,
} from 'jose';
import type { EdgeConfig } from '../config/sections';
import type { HttpError } from '../edge/errors';
import { jwksKeys, keySetUnavailable } from './jwks';
import { tokenRejected, type TokenRejectionReason } from './token-rejections';
import { createUserIds } from './user-ids';

export { MAX_USER_SEGMENT_LENGTH, userSegmentFor } from './user-ids';

export interface Identity {
  /** The token's `sub`, as issued. Never logged. */
  subject: string;
  /** The `{user}` segment of the upload prefix. */
  userSegment: string;
  /** The user's keyed tag: log lines and STS session names carry this, never the subject. */
  userTag: string;
  /** The token's `exp`, in seconds since the epoch: nothing handed out should outlive it by much. */
  expiresAt: number;
  /** Every claim of the verified token, for the profiles' `requireClaims`. Never logged. */
  claims: Readonly<Record<string, unknown>>;
}

/** Clock tolerance for `exp`, `nbf` and `iat`: small, so a stolen token does not live on. */
export const CLOCK_TOLERANCE_SECONDS = 30;
const HMAC_ALGORITHMS = ['HS256'];
/** Asymmetric only: an HS256 token "signed" with the public key can never pass (HS/RS confusion). */
const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA'];
const MAX_TOKEN_LENGTH = 8192;
/**
 * Three base64url parts, unpadded. jose's base64url decoding (`atob` on Node 20) also takes `=` padding: the same token
 * would verify in several spellings.
 */
const COMPACT_JWS = /^[\w-]+\.[\w-]+\.[\w-]*$/;

export type TokenVerifier = (authorization: string | undefined) => Promise<Identity>;

export function createTokenVerifier(edge: Pick<EdgeConfig, 'auth' | 'users'>, options: { clock?: () => Date } = {}): TokenVerifier {
  const { auth } = edge;
  const clock = options.clock ?? (() => new Date());
  const userIds = createUserIds(edge.users, auth);
  const checks: JWTVerifyOptions = {
    algorithms: auth.kind === 'secret' ? HMAC_ALGORITHMS : JWKS_ALGORITHMS,
    requiredClaims: ['sub', 'exp'],
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    ...(auth.issuer === undefined ? {} : { issuer: auth.issuer }),
    ...(auth.audience === undefined ? {} : { audience: auth.audience }),
    ...(auth.tokenType === undefined ? {} : { typ: auth.tokenType }),
    ...(auth.maxTokenAgeSeconds === undefined ? {} : { maxTokenAge: auth.maxTokenAgeSeconds }),
  };
  // The key set's age is read from the same clock as the claims (tests move it past the cache's 10 minutes).
  const keys = auth.kind === 'secret' ? hmacKey(auth.secret) : jwksKeys(auth.jwksUrl, { now: () => clock().getTime() });

  return async (authorization) => {
    const token = bearerToken(authorization);
    let keyLookedUp = false;
    let verified: JWTVerifyResult;
    try {
      const key: JWTVerifyGetKey = (header, jws) => {
        keyLookedUp = true;
        return keys(header, jws);
      };
      verified = await jwtVerify(token, key, { ...checks, currentDate: clock() });
    } catch (error) {
      throw refusalOf(error, { keyLookedUp, issuer: auth.issuer, audience: auth.audience });
    }
    const { subject, expiresAt } = checkVerified(verified.protectedHeader, verified.payload);
    const userSegment = userIds.segmentFor(subject);
    return { subject, userSegment, userTag: userIds.tagFor(userSegment), expiresAt, claims: verified.payload };
  };
}

/** The shared secret as an HMAC key, imported once (given the bytes, jose would import them at every verification). */
function hmacKey(secret: Uint8Array): JWTVerifyGetKey {
  let key: Promise<CryptoKey> | undefined;
  return () => (key ??= crypto.subtle.importKey('raw', new Uint8Array(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']));
}

function bearerToken(authorization: string | undefined): string {
  if (authorization === undefined || authorization.trim() === '') throw tokenRejected('missing_token');
  const match = /^Bearer[ ]+([A-Za-z0-9_.~+/=-]+)\s*$/i.exec(authorization);
  if (match?.[1] === undefined) throw tokenRejected('not_bearer');
  if (match[1].length > MAX_TOKEN_LENGTH) throw tokenRejected('token_too_long');
  if (!COMPACT_JWS.test(match[1])) throw tokenRejected('malformed_token');
  return match[1];
}

/**
 * What jose accepts and our rules do not: a `crit` header it knows (`b64`; we support no extension at all), NumericDates
 * that are not finite (`"exp": 1e400` parses to Infinity, which would never expire), and a `sub` that is not a
 * non-empty string of well-formed Unicode (lone surrogates all encode to U+FFFD: distinct subjects would share a prefix).
 */
function checkVerified(header: JWTHeaderParameters, claims: JWTPayload): { subject: string; expiresAt: number } {
  if (Object.hasOwn(header, 'crit')) throw tokenRejected('crit_not_supported');
  const { exp, nbf, iat, sub } = claims;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw tokenRejected('invalid_exp');
  if (nbf !== undefined && !Number.isFinite(nbf)) throw tokenRejected('invalid_nbf');
  if (iat !== undefined && !Number.isFinite(iat)) throw tokenRejected('invalid_iat');
  if (typeof sub !== 'string' || sub === '') throw tokenRejected('missing_subject');
  if (!sub.isWellFormed()) throw tokenRejected('subject_not_well_formed');
  return { subject: sub, expiresAt: exp };
}

/** jose's refusal as our reason code; a key set that could not be had stays a 503 (`jwks.ts`). */
function refusalOf(error: unknown, context: { keyLookedUp: boolean; issuer: string | undefined; audience: string | undefined }): HttpError {
  const unavailable = keySetUnavailable(error);
  if (unavailable !== undefined) return unavailable;
  // A past `exp`; with AUTH_MAX_TOKEN_AGE_SECONDS, an `iat` too long ago.
  if (error instanceof errors.JWTExpired) return tokenRejected(error.claim === 'iat' ? 'token_too_old' : 'token_expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return tokenRejected('issuer_mismatch', issuerMismatch(context.issuer, error.payload.iss));
    if (error.claim === 'aud') return tokenRejected('audience_mismatch', audienceMismatch(context.audience, error.payload));
    return tokenRejected(claimRejection(error.claim, error.reason));
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return tokenRejected('bad_signature');
  if (error instanceof errors.JOSEAlgNotAllowed) return tokenRejected('alg_not_allowed');
  // No key for the token's `kid` and `alg`, or several.
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) return tokenRejected('unknown_key');
  // Before a key is looked up, what jose does not support is a `crit` extension; after, a key it cannot verify with.
  if (error instanceof errors.JOSENotSupported) return tokenRejected(context.keyLookedUp ? 'unknown_key' : 'crit_not_supported');
  // JWSInvalid, JWTInvalid: not a compact JWS, no `alg`, header or claims not a UTF-8 JSON object, an unencoded payload.
  return tokenRejected('malformed_token');
}

/** jose names the claim a check failed on, and whether it was missing, `invalid` (not a number) or `check_failed`. */
function claimRejection(claim: string, reason: string): TokenRejectionReason {
  switch (claim) {
    case 'typ':
      return 'typ_mismatch';
    case 'sub':
      return 'missing_subject';
    case 'exp':
      return 'invalid_exp'; // missing or not a number: a past one is JWTExpired
    case 'nbf':
      return reason === 'check_failed' ? 'token_not_yet_valid' : 'invalid_nbf';
    case 'iat':
      return reason === 'check_failed' ? 'iat_in_future' : 'invalid_iat';
    default:
      return 'malformed_token';
  }
}

/**
 * A claim's value as the caller and the log see it: quoted, cut short and kept to printable ASCII (it reaches the
 * `WWW-Authenticate` header). Issuer and audience names are never secrets.
 */
function quoted(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}...` : value).replace(
    /[^\x20-\x7e]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** What a token carried where a string was wanted: the string, quoted, or only the kind of value it was. */
function claimed(got: unknown): string {
  return got === undefined ? 'none' : typeof got === 'string' ? quoted(got) : `a ${Array.isArray(got) ? 'list' : typeof got}`;
}

/** The configured value against what the token carried (already shown). */
function expectedAgainst(expected: string | undefined, shownGot: string): string {
  return `expected ${expected === undefined ? 'none' : quoted(expected)}, got ${shownGot}`;
}

/** Expected against got, since the usual cause is a trailing slash. */
function issuerMismatch(expected: string | undefined, got: unknown): string {
  return expectedAgainst(expected, claimed(got));
}

/** The entries of an audience list shown; a longer list is cut, saying how long it was. */
const MAX_AUDIENCES_SHOWN = 3;

/**
 * Expected against got, since the usual cause is the wrong token: an ID token, whose audience is the app's client
 * id, sent where the access token for this API belongs. `aud` is a string or a list of strings (RFC 7519); the hint
 * is added only when the token says it is an ID token (`nonce`, `at_hash` or `c_hash`, which only ID tokens carry,
 * Cognito's `token_use: "id"`, Keycloak's `typ: "ID"`): some providers' ID tokens are what an API is meant to get.
 */
function audienceMismatch(expected: string | undefined, payload: JWTPayload): string {
  const got = payload.aud;
  const list = (values: unknown[]): string => {
    const shown = values.slice(0, MAX_AUDIENCES_SHOWN).map(claimed).join(', ');
    return `[${shown}${values.length > MAX_AUDIENCES_SHOWN ? `, ... (${values.length} in all)` : ''}]`;
  };
  const detail = expectedAgainst(expected, Array.isArray(got) ? list(got) : claimed(got));
  const idToken =
    ['nonce', 'at_hash', 'c_hash'].some((claim) => Object.hasOwn(payload, claim)) ||
    payload['token_use'] === 'id' ||
    payload['typ'] === 'ID';
  return idToken ? `${detail} (an ID token's audience is the client id: send the access token)` : detail;
}

/** Configurations that work but deserve a line in the log at every cold start. */
export function identityWarnings(edge: Pick<EdgeConfig, 'auth' | 'users'>): string[] {
  const warnings: string[] = [];
  const { auth } = edge;
  if (auth.kind === 'secret' && (auth.issuer === undefined || auth.audience === undefined)) {
    warnings.push(
      'AUTH_JWT_SECRET is used without AUTH_ISSUER and AUTH_AUDIENCE: any token signed with this secret is accepted, ' +
        'whatever service it was issued for; set both',
    );
  }
  if (auth.kind === 'jwks' && edge.users.hashSecret === undefined) {
    warnings.push(
      'USER_HASH_SECRET is not set: user tags in log lines and STS session names are keyed per instance and differ between instances ' +
        '(sign-url refuses to start without it: its multipart upload handles need a key every instance shares)',
    );
  }
  return warnings;
}
