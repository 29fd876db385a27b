/**
 * The identity provider's keys, for jose's `jwtVerify` (`identity.ts`): jose's local key set picks the key for a
 * token's `kid` and `alg` (and the keys' `use` and `key_ops`). The key set itself is fetched and kept by
 * `remote-key-set.ts` on node:http, not by jose's remote key set, whose `fetch` and `Headers` load undici (docs/internals.md,
 * "Dependencies"). A set that cannot be had is the identity provider's failure, not the caller's: a 503.
 */
import { createLocalJWKSet, errors as joseErrors, type JWTVerifyGetKey } from 'jose';
import { HttpError } from '../edge/errors';
import { KeySetUnavailable, remoteKeySet, type RemoteKeySetOptions } from './remote-key-set';

export function jwksKeys(jwksUrl: URL, options: RemoteKeySetOptions = {}): JWTVerifyGetKey {
  // jose checks the set's shape again and refuses it (JWKSInvalid) if it cannot serve as one: a key-set failure.
  const keySet = remoteKeySet(jwksUrl, (jwks) => createLocalJWKSet(jwks), options);
  // What jose's remote key set did: the set held, and for a `kid` it lacks, a newer set once the cooldown is over.
  return async (header, token) => {
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
}

/**
 * The 503 for a key set that could not be had (network, timeout, not 200, not a key set), or whose chosen key jose
 * finds unusable (a private key, say, refused when it is imported); undefined for any other error.
 */
export function keySetUnavailable(error: unknown): HttpError | undefined {
  if (!(error instanceof KeySetUnavailable || error instanceof joseErrors.JWKSInvalid)) return undefined;
  // The caller's token may be fine: retry shortly.
  return new HttpError(503, 'UpstreamUnavailable', 'the token keys could not be fetched, retry shortly', {
    headers: { 'Retry-After': '5' },
    reason: 'jwks_unavailable',
    logDetail: `JWKS: ${error instanceof KeySetUnavailable ? error.message : 'JWKSInvalid'}`,
  });
}
