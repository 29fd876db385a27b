/**
 * STS credentials for the browser: fetched from `sts-token`, refreshed *before* they expire (measured on the
 * server's clock, so a device whose clock is off still refreshes in time), one refresh at a time however many
 * uploads ask. Pure: the clock and the fetch are injected, so the logic is tested with a fake clock.
 */
import type { StsTokenAnswer } from '../shared/contract.js';

export interface CredentialProviderOptions {
  fetchCredentials: () => Promise<StsTokenAnswer>;
  /** Local clock in ms. */
  now?: () => number;
  /** Refresh when less than this remains (server time). Default 5 minutes. */
  refreshMarginMs?: number;
}

export interface CredentialProvider {
  /** Fresh credentials: cached while more than the margin remains, else one shared refresh. */
  get(): Promise<StsTokenAnswer>;
  /** Local-clock instant at which the current credentials expire, corrected for skew; undefined before the first fetch. */
  expiresAtLocal(): number | undefined;
  /** Server clock minus local clock, in ms, as last measured. */
  skewMs(): number;
  /** Forget the cached credentials (after the server refused them). */
  invalidate(): void;
}

export const DEFAULT_REFRESH_MARGIN_MS = 5 * 60_000;

export function createCredentialProvider(options: CredentialProviderOptions): CredentialProvider {
  const now = options.now ?? (() => Date.now());
  const margin = options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
  let current: { answer: StsTokenAnswer; expiresAtLocal: number } | undefined;
  let inFlight: Promise<StsTokenAnswer> | undefined;
  let skew = 0;

  const fetchOnce = async (): Promise<StsTokenAnswer> => {
    const requestedAt = now();
    const answer = await options.fetchCredentials();
    const receivedAt = now();
    const serverTime = Date.parse(answer.serverTime);
    const expiration = Date.parse(answer.expiration);
    if (Number.isNaN(serverTime) || Number.isNaN(expiration)) throw new Error('sts-token answered without serverTime or expiration');
    // The server stamped its time somewhere between our request and its answer: take the midpoint.
    skew = serverTime - (requestedAt + receivedAt) / 2;
    current = { answer, expiresAtLocal: expiration - skew };
    return answer;
  };

  const refresh = (): Promise<StsTokenAnswer> => {
    if (inFlight !== undefined) return inFlight;
    // An async function turns even a synchronous throw of fetchCredentials into this promise's rejection.
    const call = fetchOnce();
    inFlight = call;
    const release = (): void => {
      if (inFlight === call) inFlight = undefined; // only this call's own slot
    };
    call.then(release, release);
    return call;
  };

  return {
    get: async () => {
      if (current !== undefined && now() < current.expiresAtLocal - margin) return current.answer;
      return refresh();
    },
    expiresAtLocal: () => current?.expiresAtLocal,
    skewMs: () => skew,
    invalidate: () => {
      current = undefined;
    },
  };
}
