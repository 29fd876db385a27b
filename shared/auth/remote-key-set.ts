/**
 * An identity provider's JSON Web Key Set, fetched over `node:http`/`node:https` (`shared/net/http-request.ts`) on
 * first use and kept, by the rules of jose's `createRemoteJWKSet`, which it replaces: one fetch shared by concurrent
 * callers; the set kept for 10 minutes, then fetched again; a key the set lacks (a rotation) fetches again only when
 * the last fetch is older than 30 s; 3 s per fetch; redirects not followed. A failed fetch is remembered for those 30 s
 * too: while the provider is down, callers are refused at once with its failure rather than each waiting up to 3 s on
 * a fetch of its own (one wait per 30 s, shared by whoever arrives meanwhile). Not `fetch`: on Node 20 its first use (undici, web streams) cost a cold start ~38 ms and
 * the process ~50 ms more before it could exit (docs/internals.md, "Dependencies"). What the keys are is not this
 * module's business: `prepare` turns the fetched set into what the caller verifies with (jose's local key set).
 */
import { httpRequest } from '../net/http-request';

/** The rules of jose's `createRemoteJWKSet`, as this project configured it (timeout 3 s, jose's other defaults). */
export const KEY_SET_TIMEOUT_MS = 3000;
export const KEY_SET_MAX_AGE_MS = 10 * 60_000;
export const KEY_SET_COOLDOWN_MS = 30_000;
/** A real key set is a few KB; a larger answer is refused whole, never cut and parsed. */
export const KEY_SET_MAX_BYTES = 64 * 1024;

export interface JsonWebKeySet {
  keys: Record<string, unknown>[];
}

/** The key set could not be had (network, timeout, not 200, not a JWK set): the caller's token may well be fine. */
export class KeySetUnavailable extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'KeySetUnavailable';
  }
}

export interface RemoteKeySet<Prepared> {
  /** The set held, fetched first if none is held or it is older than the maximum age. */
  current(): Promise<Prepared>;
  /**
   * For a key the set held lacks: a freshly fetched set, unless the last fetch is younger than the cooldown (then
   * `undefined`: a token with a made-up `kid` must not make every request a fetch).
   */
  refetchedForUnknownKey(): Promise<Prepared | undefined>;
}

export interface RemoteKeySetOptions {
  /** Milliseconds since the epoch; tests move it. */
  now?: () => number;
}

export function remoteKeySet<Prepared>(
  url: URL,
  prepare: (keySet: JsonWebKeySet) => Prepared,
  options: RemoteKeySetOptions = {},
): RemoteKeySet<Prepared> {
  const now = options.now ?? Date.now;
  let held: { prepared: Prepared; fetchedAt: number } | undefined;
  /** The last fetch that failed, while it is the last fetch at all. */
  let failed: { error: KeySetUnavailable; at: number } | undefined;
  let pending: Promise<Prepared> | undefined;
  const lastAttemptAt = (): number => Math.max(held?.fetchedAt ?? -Infinity, failed?.at ?? -Infinity);

  const refetch = (): Promise<Prepared> => {
    // Within the cooldown of a failure the answer is that failure: no request waits on a provider known to be down.
    if (failed !== undefined && now() < failed.at + KEY_SET_COOLDOWN_MS) return Promise.reject(failed.error);
    pending ??= fetchKeySet(url)
      .then((keySet) => {
        const prepared = prepareOrRefuse(prepare, keySet);
        held = { prepared, fetchedAt: now() };
        failed = undefined;
        return prepared;
      })
      .catch((error: unknown) => {
        if (error instanceof KeySetUnavailable) failed = { error, at: now() };
        throw error;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };

  return {
    current: async () => (held !== undefined && now() < held.fetchedAt + KEY_SET_MAX_AGE_MS ? held.prepared : refetch()),
    refetchedForUnknownKey: async () => (now() < lastAttemptAt() + KEY_SET_COOLDOWN_MS ? undefined : refetch()),
  };
}

async function fetchKeySet(url: URL): Promise<JsonWebKeySet> {
  const answer = await httpRequest({
    method: 'GET',
    url,
    // No keep-alive: the next fetch is minutes away, and a kept socket the provider has closed since would fail it.
    headers: { accept: 'application/json, application/jwk-set+json', 'user-agent': 'oss-direct-upload', connection: 'close' },
    timeoutMs: KEY_SET_TIMEOUT_MS,
    maxBodyBytes: KEY_SET_MAX_BYTES,
  }).catch((error: unknown) => {
    throw new KeySetUnavailable(error instanceof Error ? error.message : 'request failed', { cause: error });
  });
  // Not 200 includes every redirect: the key set's address is configured, never taken from an answer.
  if (answer.status !== 200) throw new KeySetUnavailable(`answered ${answer.status}, not 200`);
  if (!answer.complete) throw new KeySetUnavailable(`answer larger than ${KEY_SET_MAX_BYTES} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (cause) {
    throw new KeySetUnavailable('answer is not JSON', { cause });
  }
  if (!isJsonWebKeySet(parsed)) throw new KeySetUnavailable('answer is not a JSON Web Key Set');
  return parsed;
}

function prepareOrRefuse<Prepared>(prepare: (keySet: JsonWebKeySet) => Prepared, keySet: JsonWebKeySet): Prepared {
  try {
    return prepare(keySet);
  } catch (cause) {
    throw new KeySetUnavailable(`key set refused: ${cause instanceof Error ? cause.message : 'unknown'}`, { cause });
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `{"keys": [ {...}, ... ]}`, as RFC 7517 §5 (and jose's own check) has it; each key's fields are jose's to judge. */
function isJsonWebKeySet(value: unknown): value is JsonWebKeySet {
  return isObject(value) && Array.isArray(value['keys']) && value['keys'].every(isObject);
}
