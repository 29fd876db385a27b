/**
 * Vended STS credentials kept per (role, policy) inside one instance: bounded, least recently used out first,
 * served only while enough of their lifetime remains and, per request, never beyond what that request may have
 * (see `tokenBoundFor`), one in-flight AssumeRole per key, failures never kept.
 * STS allows 100 AssumeRole calls per second per account: a burst of users must not spend them twice.
 */

export interface Expiring {
  expiration: Date;
}

export interface CredentialCacheOptions {
  maxEntries: number;
  /** An entry is served only while at least this much of it remains (unless a request says otherwise). */
  minRemainingMs: number;
  clock: () => Date;
}

/** What one request may be served. */
export interface ServingBound {
  /** At least this much of the credentials' life must remain. */
  minRemainingMs: number;
  /** They must expire no later than this. */
  notAfter: Date;
}

export class CredentialCache<T extends Expiring> {
  private readonly entries = new Map<string, T>();
  private readonly inFlight = new Map<string, Promise<T>>();

  constructor(private readonly options: CredentialCacheOptions) {}

  get size(): number {
    return this.entries.size;
  }

  /** `bound` narrows what this request may be served; without it, anything with `minRemainingMs` left. */
  async get(key: string, fetch: () => Promise<T>, bound?: ServingBound): Promise<T> {
    const cached = this.entries.get(key);
    if (cached !== undefined && this.serves(cached, bound)) {
      this.entries.delete(key);
      this.entries.set(key, cached); // most recently used goes last
      return cached;
    }
    // An entry that does not serve this request stays for the requests it does serve, until a newer one replaces it.
    const pending = this.inFlight.get(key);
    if (pending !== undefined) {
      const shared = await pending;
      // A call made for another request may have asked for a longer life than this one may have: then a call of its
      // own, which the requests like this one arriving meanwhile share.
      if (this.serves(shared, bound)) return shared;
      const again = this.inFlight.get(key);
      if (again !== undefined && again !== pending) {
        const next = await again;
        if (this.serves(next, bound)) return next;
      }
    }

    const call = fetch().then((value) => {
      if (this.serves(value, bound)) this.remember(key, value);
      return value;
    });
    this.inFlight.set(key, call);
    const forget = (): void => {
      if (this.inFlight.get(key) === call) this.inFlight.delete(key);
    };
    call.then(forget, forget);
    return call;
  }

  private serves(value: T, bound: ServingBound | undefined): boolean {
    const remainingMs = value.expiration.getTime() - this.options.clock().getTime();
    if (bound === undefined) return remainingMs >= this.options.minRemainingMs;
    return remainingMs >= bound.minRemainingMs && value.expiration.getTime() <= bound.notAfter.getTime();
  }

  private remember(key: string, value: T): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }
}

/** Served credentials keep at least two thirds of their life (600 s of the default 900 s). */
export function minimumRemainingMs(durationSeconds: number): number {
  return Math.ceil((durationSeconds * 1000 * 2) / 3);
}

/** STS's shortest `DurationSeconds`: credentials can never be asked to expire sooner than this. */
export const STS_MIN_DURATION_SECONDS = 900;
/** Slack for the clocks of STS and the function, which set and read the expiration. */
const EXPIRATION_SLACK_MS = 30_000;

/**
 * Credentials for a caller whose token expires at `tokenExpiresAt` (seconds since the epoch) must not outlive it by
 * more than STS's minimum forces: the call asks for the configured duration cut down to what remains of the token
 * (never under 900 s), and what is served (cached or fresh) expires no later than a call made now for that duration
 * would: by the token's `exp` or, when the token has less than 900 s left, 900 s from now (30 s of slack for the
 * clocks). With the default 900 s nothing changes.
 *
 * `lifetimeClass` names what decides the lifetime of the credentials such a request gets, for the cache key: the
 * configured duration, STS's 900 s minimum, or (in between) the token's own `exp`. Requests of one class are served
 * the same credentials, and a class never evicts another's: a user alternating a long-lived token and a short-lived
 * one is served two sets of credentials, not a new call per request.
 */
export function tokenBoundFor(
  tokenExpiresAt: number,
  now: Date,
  configuredSeconds: number,
): { durationSeconds: number; bound: ServingBound; lifetimeClass: string } {
  // No credentials outlive the configured duration anyway: a far-off `exp` (even 1e300) bounds nothing more.
  const tokenRemainingSeconds = Math.min(configuredSeconds, Math.ceil(tokenExpiresAt - now.getTime() / 1000));
  const durationSeconds = Math.max(STS_MIN_DURATION_SECONDS, tokenRemainingSeconds);
  const notAfterMs = now.getTime() + durationSeconds * 1000 + EXPIRATION_SLACK_MS;
  const lifetimeClass =
    durationSeconds === configuredSeconds || durationSeconds === STS_MIN_DURATION_SECONDS
      ? `duration ${durationSeconds}`
      : `until ${tokenExpiresAt}`;
  return {
    durationSeconds,
    bound: { minRemainingMs: minimumRemainingMs(durationSeconds), notAfter: new Date(notAfterMs) },
    lifetimeClass,
  };
}
