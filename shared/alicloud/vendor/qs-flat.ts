/**
 * The one use ali-oss's signing helpers make of `qs`: `stringify` of a flat query object for the V4 canonical
 * query. Bundled in its place (tools/build.mjs aliases `qs` here for the functions only): the real qs pulls
 * in ~45 KB (object-inspect, get-intrinsic, side-channel…) and most of sign-url's module load time (docs/internals.md,
 * "Dependencies"). Anything outside that flat subset throws rather than signing something different.
 *
 * Keys are sorted by UTF-16 code units, the order the OSS specification gives, whatever comparator is passed:
 * ali-oss passes `localeCompare`, whose first call loads ICU collation data (~5 ms of every cold start) and whose
 * order differs from the specification for some keys (never for the `x-oss-*` keys we sign).
 */

export interface FlatStringifyOptions {
  encoder?: (value: string) => string;
  /** Accepted for qs compatibility; see above for why code-unit order is used instead. */
  sort?: (a: string, b: string) => number;
  strictNullHandling?: boolean;
}

export function stringify(object: Record<string, unknown>, options: FlatStringifyOptions = {}): string {
  const encode = options.encoder ?? encodeURIComponent;
  const keys = Object.keys(object);
  if (options.sort !== undefined) keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const parts: string[] = [];
  for (const key of keys) {
    const value = object[key];
    if (value === undefined) continue;
    if (value === null) {
      parts.push(options.strictNullHandling === true ? encode(key) : `${encode(key)}=`);
      continue;
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new Error('qs-flat: only flat string, number, boolean or null values are supported');
    }
    parts.push(`${encode(key)}=${encode(String(value))}`);
  }
  return parts.join('&');
}

export default { stringify };
