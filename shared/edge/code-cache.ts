/**
 * A function's bundle compiled with a V8 code cache: the bytecode of everything the build's own run of the function
 * compiled (`scripts/train-code-cache.ts`), so a cold start neither parses nor compiles it again (what Node 22's
 * `module.enableCompileCache` does, which FC's nodejs20 runtime lacks). V8 takes a cache only from the same V8
 * version with the same V8 flags; otherwise, or when the cache is missing or stale, the bundle compiles from source
 * as usual: the cache can make a cold start faster, never different.
 */
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/** The bundle and its cache, beside the entry FC loads (`index.js`). */
export const BUNDLE_FILE = 'function.js';
export const CACHE_FILE = 'function.js.cache';

/** `used`; `absent` (no cache file); `stale` (made for another bundle); `rejected` (by V8: another V8 version or flags). */
export type CodeCacheStatus = 'used' | 'absent' | 'stale' | 'rejected';

export interface CompiledBundle {
  status: CodeCacheStatus;
  /** Runs the bundle's top level, as Node runs a CommonJS module, and returns its exports. */
  run(require: NodeJS.Require): Record<string, unknown>;
  /** A cache of everything compiled so far (after a run, what it called too), for `compileBundle` to take. */
  createCache(): Buffer;
}

// V8 checks a cache against the length of the source only, so the SHA-256 of the source heads the cache file: a cache
// never runs beside a bundle it was not made from.
const DIGEST_BYTES = 32;

export function compileBundle(source: string, filename: string, cache: Buffer | undefined): CompiledBundle {
  const digest = createHash('sha256').update(source).digest();
  const fits = cache !== undefined && cache.length > DIGEST_BYTES && digest.equals(cache.subarray(0, DIGEST_BYTES));
  // Node's own CommonJS wrapper, opened on the bundle's first line so that stack traces keep the bundle's line numbers.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename,
    ...(fits ? { cachedData: cache.subarray(DIGEST_BYTES) } : {}),
  });
  const status: CodeCacheStatus =
    cache === undefined ? 'absent' : !fits ? 'stale' : script.cachedDataRejected === true ? 'rejected' : 'used';
  return {
    status,
    run(require) {
      const module = { exports: {} as Record<string, unknown> };
      const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
      wrapper(module.exports, require, module, filename, dirname(filename));
      return module.exports;
    },
    createCache: () => Buffer.concat([digest, script.createCachedData()]),
  };
}
