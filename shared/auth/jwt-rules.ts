/**
 * A compact JWT taken apart, and the rules its header and claims must meet, the same for both ways a signature is
 * checked (HS256 here with node:crypto, JWKS with jose). The rules follow jose's `jwtVerify` (RFC 7519), and are
 * stricter where that costs nobody a valid token: base64url without padding, strict UTF-8, no `crit` header at all,
 * finite NumericDates, a non-empty, well-formed `sub`. Every refusal names its reason (`token-rejections.ts`).
 */
import { tokenRejected } from './token-rejections';

export interface CompactJwt {
  header: Readonly<Record<string, unknown>>;
  /** `<header>.<payload>` as it arrived: what the signature covers. */
  signingInput: string;
  payloadPart: string;
  signaturePart: string;
}

export interface ClaimRules {
  issuer: string | undefined;
  audience: string | undefined;
  /** Refuse tokens issued longer ago than this (requires `iat`). */
  maxAgeSeconds: number | undefined;
  clockToleranceSeconds: number;
}

export interface VerifiedClaims {
  subject: string;
  /** `exp`, in seconds since the epoch. */
  expiresAt: number;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** `<header>.<payload>.<signature>`, each base64url; the header a JSON object. The signature is not checked here. */
export function parseCompactJwt(token: string): CompactJwt {
  const parts = token.split('.');
  if (parts.length !== 3) throw tokenRejected('malformed_token');
  const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
  if (!isBase64url(payloadPart, false) || !isBase64url(signaturePart, true)) throw tokenRejected('malformed_token');
  return { header: decodeJsonObject(headerPart), signingInput: `${headerPart}.${payloadPart}`, payloadPart, signaturePart };
}

/** Before the signature is checked: no `crit` extension (none is supported), and an allowed `alg`. */
export function checkHeader(header: CompactJwt['header'], algorithms: ReadonlySet<string>): string {
  if (Object.hasOwn(header, 'crit')) throw tokenRejected('crit_not_supported');
  const alg = header['alg'];
  if (typeof alg !== 'string' || !algorithms.has(alg)) throw tokenRejected('alg_not_allowed');
  return alg;
}

/** When AUTH_TOKEN_TYPE is set: `typ` must name it, compared as jose does (case-insensitive, `application/` optional). */
export function checkType(header: CompactJwt['header'], expected: string | undefined): void {
  if (expected === undefined) return;
  const typ = header['typ'];
  if (typeof typ !== 'string' || normaliseType(typ) !== normaliseType(expected)) throw tokenRejected('typ_mismatch');
}

function normaliseType(value: string): string {
  const lower = value.toLowerCase();
  return lower.includes('/') ? lower : `application/${lower}`;
}

/** The claims of a token whose signature has been verified; `now` in seconds since the epoch. */
export function checkClaims(payload: Uint8Array | string, rules: ClaimRules, now: number): VerifiedClaims {
  const claims = typeof payload === 'string' ? decodeJsonObject(payload) : parseJsonObject(payload);
  const tolerance = rules.clockToleranceSeconds;
  // `"exp": 1e400` parses to Infinity, which a comparison would accept: such a token would never expire.
  const exp = numericDate(claims, 'exp', 'invalid_exp');
  if (exp === undefined) throw tokenRejected('invalid_exp');
  const nbf = numericDate(claims, 'nbf', 'invalid_nbf');
  const iat = numericDate(claims, 'iat', 'invalid_iat');
  if (rules.issuer !== undefined && claims['iss'] !== rules.issuer) throw tokenRejected('issuer_mismatch');
  if (rules.audience !== undefined && !hasAudience(claims['aud'], rules.audience)) throw tokenRejected('audience_mismatch');
  if (nbf !== undefined && nbf > now + tolerance) throw tokenRejected('token_not_yet_valid');
  if (exp <= now - tolerance) throw tokenRejected('token_expired');
  if (rules.maxAgeSeconds !== undefined) {
    if (iat === undefined) throw tokenRejected('invalid_iat');
    if (now - iat - tolerance > rules.maxAgeSeconds) throw tokenRejected('token_too_old');
    if (now - iat < -tolerance) throw tokenRejected('iat_in_future');
  }
  const subject = claims['sub'];
  if (typeof subject !== 'string' || subject === '') throw tokenRejected('missing_subject');
  // Lone surrogates all encode to U+FFFD in UTF-8: distinct subjects would share one prefix.
  if (!subject.isWellFormed()) throw tokenRejected('subject_not_well_formed');
  return { subject, expiresAt: exp };
}

/** Absent, or a finite number. */
function numericDate(
  claims: Readonly<Record<string, unknown>>,
  name: string,
  reason: 'invalid_exp' | 'invalid_nbf' | 'invalid_iat',
): number | undefined {
  if (!Object.hasOwn(claims, name)) return undefined;
  const value = claims[name];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw tokenRejected(reason);
  return value;
}

function hasAudience(aud: unknown, audience: string): boolean {
  return typeof aud === 'string' ? aud === audience : Array.isArray(aud) && aud.includes(audience);
}

/** Canonical base64url without padding: a length of 1 mod 4 can never be one. */
function isBase64url(part: string, allowEmpty: boolean): boolean {
  return (allowEmpty || part !== '') && part.length % 4 !== 1 && BASE64URL.test(part);
}

function decodeJsonObject(part: string): Record<string, unknown> {
  if (!isBase64url(part, false)) throw tokenRejected('malformed_token');
  return parseJsonObject(Buffer.from(part, 'base64url'));
}

function parseJsonObject(bytes: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(strictUtf8.decode(bytes));
  } catch {
    throw tokenRejected('malformed_token');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw tokenRejected('malformed_token');
  return value as Record<string, unknown>;
}
