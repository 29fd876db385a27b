/**
 * Vended STS credentials kept per (role, policy) inside one instance: bounded, least recently used out first,
 * served only while enough of their lifetime remains, one in-flight AssumeRole per key, failures never kept.
 * STS allows 100 AssumeRole calls per second per account: a burst of users must not spend them twice.
 */

export interface Expiring {
  expiration: Date;
}

export interface CredentialCacheOptions {
  maxEntries: number;
  /** An entry is served only while at least this much of it remains. */
  minRemainingMs: number;
  clock: () => Date;
}

export class CredentialCache<T extends Expiring> {
  private readonly entries = new Map<string, T>();
  private readonly inFlight = new Map<string, Promise<T>>();

  constructor(private readonly options: CredentialCacheOptions) {}

  get size(): number {
    return this.entries.size;
  }

  async get(key: string, fetch: () => Promise<T>): Promise<T> {
    const cached = this.entries.get(key);
    if (cached !== undefined) {
      this.entries.delete(key);
      if (this.isFresh(cached)) {
        this.entries.set(key, cached); // most recently used goes last
        return cached;
      }
    }
    const pending = this.inFlight.get(key);
    if (pending !== undefined) return pending;

    const call = fetch().then((value) => {
      if (this.isFresh(value)) this.remember(key, value);
      return value;
    });
    this.inFlight.set(key, call);
    const forget = (): void => {
      this.inFlight.delete(key);
    };
    call.then(forget, forget);
    return call;
  }

  private isFresh(value: T): boolean {
    return value.expiration.getTime() - this.options.clock().getTime() >= this.options.minRemainingMs;
  }

  private remember(key: string, value: T): void {
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
