/**
 * Variables in the environment that are probably meant to be one `npm start` reads: `ALLOWED_ORIGIN` for
 * `ALLOWED_ORIGINS`, `AUTH_JWKS` for `AUTH_JWKS_URL`. An unknown name is otherwise ignored without a word, and the
 * setting it was meant to make silently does not happen.
 */

/** Each unknown name close to a known one, with the known name it is probably meant to be. */
export function nearMisses(given: Iterable<string>, known: readonly string[]): Array<{ given: string; meant: string }> {
  const knownSet = new Set(known);
  const misses: Array<{ given: string; meant: string }> = [];
  for (const name of given) {
    if (knownSet.has(name) || !/^[A-Z][A-Z0-9]*_[A-Z0-9_]+$/.test(name)) continue;
    const meant = known.find((candidate) => isNearMiss(name, candidate));
    if (meant !== undefined) misses.push({ given: name, meant });
  }
  return misses;
}

/** A word (`_`-separated part) added or dropped at the end, or at most two edits apart in a name long enough to tell. */
function isNearMiss(name: string, known: string): boolean {
  if (known.startsWith(`${name}_`) || name.startsWith(`${known}_`)) return true;
  return Math.min(name.length, known.length) >= 8 && editDistance(name, known) <= 2;
}

/** Levenshtein distance (insertions, deletions, substitutions), one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}
