/**
 * How long a presigned OSS URL works, read from the URL itself, for both signature schemes
 * (`signature-schemes.ts`): a V4 URL carries when it was signed and for how long (`x-oss-date`, `x-oss-expires`), a
 * V1 URL only the instant it stops working (`Expires`, Unix seconds). The browser clients (`web/multipart.ts`,
 * `web/uppy.ts`) renew part URLs from it. Dependency-free, so `web/` imports this file.
 */

/** What a signed URL says about its own validity, in milliseconds on the signer's clock. */
export interface UrlValidity {
  /** When it was signed: V4 URLs say, V1 URLs do not. */
  signedAt: number | undefined;
  expiresAt: number;
}

/** `yyyymmddTHHMMSSZ`, V4's timestamp. */
const V4_TIMESTAMP = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const SECONDS = /^\d{1,12}$/;

/** The URL's own account of its validity; undefined for a URL that carries none (or a malformed one). */
export function urlValidity(url: string): UrlValidity | undefined {
  let query: URLSearchParams;
  try {
    query = new URL(url).searchParams;
  } catch {
    return undefined;
  }
  const date = query.get('x-oss-date');
  const lifetime = query.get('x-oss-expires');
  if (date !== null || lifetime !== null) {
    const signedAt = v4Instant(date ?? '');
    if (signedAt === undefined || lifetime === null || !SECONDS.test(lifetime)) return undefined;
    return { signedAt, expiresAt: signedAt + Number(lifetime) * 1000 };
  }
  const expires = query.get('Expires');
  if (expires === null || !SECONDS.test(expires)) return undefined;
  return { signedAt: undefined, expiresAt: Number(expires) * 1000 };
}

function v4Instant(timestamp: string): number | undefined {
  const match = V4_TIMESTAMP.exec(timestamp);
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second] = match;
  const iso = `${year}-${month}-${day}T${hour}:${minute}:${second}.000Z`;
  const instant = Date.parse(iso);
  // Date.parse rolls 31 February over into March: only a timestamp that reads back the same is a date.
  return Number.isNaN(instant) || new Date(instant).toISOString() !== iso ? undefined : instant;
}

/**
 * The instant, on this device's clock, after which the URL no longer works; `requestedAt` is this device's clock
 * when the request that brought the URL was sent. A V4 URL's lifetime is counted from that moment: it was signed
 * later, so the result is never late, whatever the device's clock says. A V1 URL gives only the signer's instant,
 * which holds on a device whose clock agrees with the signer's.
 */
export function urlExpiresAtLocally(url: string, requestedAt: number): number | undefined {
  const validity = urlValidity(url);
  if (validity === undefined) return undefined;
  return validity.signedAt === undefined ? validity.expiresAt : requestedAt + (validity.expiresAt - validity.signedAt);
}

/** Part URLs are renewed when less than this is left of them (or a quarter of their lifetime, when that is shorter). */
export const URL_RENEW_MARGIN_MS = 30_000;

/**
 * When to ask for fresh URLs in place of an answer's part URLs (a `MULTIPART` or `PARTS` answer), on this device's
 * clock: read from the first URL, or from the answer's `expiresAt` (the signer's clock) when it has none.
 */
export function partUrlsRenewAt(answer: { parts: readonly { url: string }[]; expiresAt: string }, requestedAt: number): number {
  const first = answer.parts[0];
  const expiresAt = (first === undefined ? undefined : urlExpiresAtLocally(first.url, requestedAt)) ?? Date.parse(answer.expiresAt);
  return expiresAt - Math.min(URL_RENEW_MARGIN_MS, (expiresAt - requestedAt) / 4);
}
