/**
 * Signatures made with an identity provider's keys, checked with jose against its JWKS (fetched on first use,
 * cached, refetched for an unknown `kid`). Only this module imports jose, and `identity.ts` loads it only when
 * AUTH_JWKS_URL is set, so an HS256 deployment never evaluates jose at cold start.
 */
import { compactVerify, createRemoteJWKSet, errors as joseErrors } from 'jose';
import { HttpError } from '../edge/errors';
import type { CompactJwt } from './jwt-rules';
import { tokenRejected } from './token-rejections';

/** Checks the signature of an already parsed token; answers the payload's bytes. */
export type JwksSignatureCheck = (jwt: CompactJwt) => Promise<Uint8Array>;

export function jwksSignatureCheck(jwksUrl: URL, algorithms: readonly string[]): JwksSignatureCheck {
  const keySet = createRemoteJWKSet(jwksUrl, { timeoutDuration: 3000, cooldownDuration: 30_000 });
  return async (jwt) => {
    try {
      const { payload } = await compactVerify(`${jwt.signingInput}.${jwt.signaturePart}`, keySet, { algorithms: [...algorithms] });
      return payload;
    } catch (error) {
      if (isKeySetFailure(error)) {
        // The identity provider's keys could not be had: the caller's token may be fine, so 503, not 401.
        throw new HttpError(503, 'UpstreamUnavailable', 'the token keys could not be fetched, retry shortly', {
          headers: { 'Retry-After': '5' },
          reason: 'jwks_unavailable',
          logDetail: `JWKS: ${error instanceof Error ? error.name : 'unknown'}`,
        });
      }
      if (error instanceof joseErrors.JWSSignatureVerificationFailed) throw tokenRejected('bad_signature');
      if (error instanceof joseErrors.JOSEAlgNotAllowed) throw tokenRejected('alg_not_allowed');
      // No key for the token's `kid` and `alg`, several candidates, or one of a type that cannot verify it.
      if (
        error instanceof joseErrors.JWKSNoMatchingKey ||
        error instanceof joseErrors.JWKSMultipleMatchingKeys ||
        error instanceof joseErrors.JOSENotSupported
      ) {
        throw tokenRejected('unknown_key');
      }
      throw tokenRejected('malformed_token');
    }
  };
}

/** The JWKS endpoint failed (network, timeout, not 200, not a key set), as opposed to the token being wrong. */
function isKeySetFailure(error: unknown): boolean {
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) return true;
  const { name, message } = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; message?: unknown };
  if (name === 'TypeError' && typeof message === 'string' && /fetch/i.test(message)) return true; // fetch itself failed (from any realm)
  return error instanceof joseErrors.JOSEError && error.code === 'ERR_JOSE_GENERIC' && /JSON Web Key Set|200 OK/i.test(error.message);
}
