/**
 * Who is calling: the `Authorization: Bearer` JWT verified (HS256 with node:crypto, or the identity provider's JWKS
 * with jose, loaded only then), its claims checked by one set of rules, and the names the user goes by outside the
 * token (`user-ids.ts`). Every refusal is a 401 with a reason code (`token-rejections.ts`).
 */
import type { EdgeConfig } from '../config/sections';
import { hs256SignatureCheck } from './hs256';
import type * as JwksModule from './jwks';
import { checkClaims, checkHeader, checkType, parseCompactJwt, type ClaimRules } from './jwt-rules';
import { tokenRejected } from './token-rejections';
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
}

/** Clock tolerance for `exp`, `nbf` and `iat`: small, so a stolen token does not live on. */
export const CLOCK_TOLERANCE_SECONDS = 30;
const HMAC_ALGORITHMS: ReadonlySet<string> = new Set(['HS256']);
/** Asymmetric only: an HS256 token "signed" with the public key can never pass (HS/RS confusion). */
const JWKS_ALGORITHMS: ReadonlySet<string> = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA']);
const MAX_TOKEN_LENGTH = 8192;

export type TokenVerifier = (authorization: string | undefined) => Promise<Identity>;

export function createTokenVerifier(edge: Pick<EdgeConfig, 'auth' | 'users'>, options: { clock?: () => Date } = {}): TokenVerifier {
  const { auth } = edge;
  const clock = options.clock ?? (() => new Date());
  const userIds = createUserIds(edge.users, auth);
  const rules: ClaimRules = {
    issuer: auth.issuer,
    audience: auth.audience,
    maxAgeSeconds: auth.maxTokenAgeSeconds,
    clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS,
  };
  const algorithms = auth.kind === 'secret' ? HMAC_ALGORITHMS : JWKS_ALGORITHMS;
  const hs256 = auth.kind === 'secret' ? hs256SignatureCheck(auth.secret) : undefined;
  // The key set's age is read from the same clock as the claims (tests move it past the cache's 10 minutes).
  const jwks =
    auth.kind === 'jwks' ? loadJwksModule().jwksSignatureCheck(auth.jwksUrl, [...algorithms], { now: () => clock().getTime() }) : undefined;

  return async (authorization) => {
    const jwt = parseCompactJwt(bearerToken(authorization));
    checkHeader(jwt.header, algorithms);
    let payload: string | Uint8Array = jwt.payloadPart;
    if (hs256 !== undefined) hs256(jwt);
    else if (jwks !== undefined) payload = await jwks(jwt);
    checkType(jwt.header, auth.tokenType);
    const claims = checkClaims(payload, rules, Math.floor(clock().getTime() / 1000));
    const userSegment = userIds.segmentFor(claims.subject);
    return { subject: claims.subject, userSegment, userTag: userIds.tagFor(userSegment), expiresAt: claims.expiresAt };
  };
}

/**
 * jose, loaded when a JWKS verifier is built and not before: a `require` here (rather than an import at the top)
 * keeps it out of the cold start of every HS256 deployment, bundle included (esbuild initialises it on first call).
 */
function loadJwksModule(): typeof JwksModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./jwks') as typeof JwksModule;
}

function bearerToken(authorization: string | undefined): string {
  if (authorization === undefined || authorization.trim() === '') throw tokenRejected('missing_token');
  const match = /^Bearer[ ]+([A-Za-z0-9_.~+/=-]+)\s*$/i.exec(authorization);
  if (match?.[1] === undefined) throw tokenRejected('not_bearer');
  if (match[1].length > MAX_TOKEN_LENGTH) throw tokenRejected('token_too_long');
  return match[1];
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
      'USER_HASH_SECRET is not set: user tags in log lines and STS session names are keyed per instance and differ between instances',
    );
  }
  return warnings;
}
