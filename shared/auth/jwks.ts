/**
 * Signatures made with an identity provider's keys, checked with jose: its local key set picks the key for the
 * token's `kid` and `alg` (RFC 7517 `use`/`key_ops` rules) and `compactVerify` checks the signature. The key set
 * itself is fetched and kept by `remote-key-set.ts` on node:http, not by jose's remote key set, whose `fetch` and
 * `Headers` load undici (measured, README "Dependencies"). Only this module imports jose, and `identity.ts` loads it
 * only when AUTH_JWKS_URL is set, so an HS256 deployment never evaluates jose at cold start.
 */
import { compactVerify, createLocalJWKSet, errors as joseErrors, type CompactVerifyGetKey, type JSONWebKeySet } from 'jose';
import { HttpError } from '../edge/errors';
import type { CompactJwt } from './jwt-rules';
import { KeySetUnavailable, remoteKeySet, type RemoteKeySetOptions } from './remote-key-set';
import { tokenRejected } from './token-rejections';

/** Checks the signature of an already parsed token; answers the payload's bytes. */
export type JwksSignatureCheck = (jwt: CompactJwt) => Promise<Uint8Array>;

export function jwksSignatureCheck(jwksUrl: URL, algorithms: readonly string[], options: RemoteKeySetOptions = {}): JwksSignatureCheck {
  // jose checks the set's shape again and refuses it (JWKSInvalid) if it cannot serve as one: a key-set failure.
  const keySet = remoteKeySet(jwksUrl, (jwks) => createLocalJWKSet(jwks as JSONWebKeySet), options);
  // What jose's remote key set did: the set held, and for a `kid` it lacks, a newer set once the cooldown is over.
  const keyFor: CompactVerifyGetKey = async (header, token) => {
    const local = await keySet.current();
    try {
      return await local(header, token);
    } catch (error) {
      if (!(error instanceof joseErrors.JWKSNoMatchingKey)) throw error;
      const newer = await keySet.refetchedForUnknownKey();
      if (newer === undefined) throw error;
      return newer(header, token);
    }
  };
  return async (jwt) => {
    try {
      const { payload } = await compactVerify(`${jwt.signingInput}.${jwt.signaturePart}`, keyFor, { algorithms: [...algorithms] });
      return payload;
    } catch (error) {
      if (isKeySetFailure(error)) {
        // The identity provider's keys could not be had: the caller's token may be fine, so 503, not 401.
        throw new HttpError(503, 'UpstreamUnavailable', 'the token keys could not be fetched, retry shortly', {
          headers: { 'Retry-After': '5' },
          reason: 'jwks_unavailable',
          logDetail: `JWKS: ${error instanceof KeySetUnavailable ? error.message : 'JWKSInvalid'}`,
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

/**
 * The JWKS endpoint failed (network, timeout, not 200, not a key set), or jose found the set's chosen key unusable
 * (a private key, say, refused when it is imported), as opposed to the token being wrong.
 */
function isKeySetFailure(error: unknown): error is KeySetUnavailable | InstanceType<typeof joseErrors.JWKSInvalid> {
  return error instanceof KeySetUnavailable || error instanceof joseErrors.JWKSInvalid;
}
