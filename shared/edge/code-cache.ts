/**
 * A function's bundle compiled with a V8 code cache: the bytecode of everything the build's own run of the function
 * compiled (`scripts/train-code-cache.ts`), so a cold start neither parses nor compiles it again (what Node 22's
 * `module.enableCompileCache` does, which FC's nodejs20 runtime lacks). V8 takes a cache only from the same V8
 * version with the same V8 flags; otherwise, or when the cache is missing or stale, the bundle compiles from source
 * as usual: the cache can make a cold start faster, never different.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** The bundle and its cache, beside the entry FC loads (`index.js`); a lazily required `<name>.js` has `<name>.js.cache`. */
export const BUNDLE_FILE = 'function.js';
export const cacheFileOf = (file: string): string => `${file}.cache`;
export const CACHE_FILE = cacheFileOf(BUNDLE_FILE);

/** What a bundle's top level is given for `require`. */
export type BundleRequire = (id: string) => unknown;

/** `used`; `absent` (no cache file); `stale` (made for another bundle); `rejected` (by V8: another V8 version or flags). */
export type CodeCacheStatus = 'used' | 'absent' | 'stale' | 'rejected';

export interface CompiledBundle {
  status: CodeCacheStatus;
  /** Runs the bundle's top level, as Node runs a CommonJS module, and returns its exports. */
  run(require: BundleRequire): Record<string, unknown>;
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

/** A function's folder: its bundle and the modules it requires lazily, each compiled (once) with its own cache. */
export interface FunctionModules {
  /** The exports of `<folder>/<file>`, run on first load. */
  load(file: string): Record<string, unknown>;
  /** How each module loaded so far was compiled. */
  readonly statuses: Readonly<Record<string, CodeCacheStatus>>;
  /** The cache of each module loaded so far, of what has been compiled by now (for the build). */
  caches(): Map<string, Buffer>;
}

export interface FunctionModulesOptions {
  /** Node's `require` for everything that is not one of the folder's own modules (Node's built-ins). */
  nodeRequire: BundleRequire;
  /** False when the build compiles from source to make the caches. */
  useCaches: boolean;
  /** Told once per module whose cache is stale or rejected. */
  onRefused?(file: string, status: 'stale' | 'rejected'): void;
}

/**
 * `require('./<name>')` inside a bundle loads `<folder>/<name>.js` through here (as esbuild leaves the modules it
 * bundled apart), so lazily required modules get their caches too; anything else goes to Node's `require`.
 */
export function functionModules(folder: string, options: FunctionModulesOptions): FunctionModules {
  const loaded = new Map<string, { compiled: CompiledBundle; exports: Record<string, unknown> }>();
  const statuses: Record<string, CodeCacheStatus> = {};
  const bundleRequire: BundleRequire = (id) => (id.startsWith('./') ? load(`${id.slice(2)}.js`) : options.nodeRequire(id));
  function load(file: string): Record<string, unknown> {
    const known = loaded.get(file);
    if (known !== undefined) return known.exports;
    const path = join(folder, file);
    const cache = options.useCaches ? readOptional(join(folder, cacheFileOf(file))) : undefined;
    const compiled = compileBundle(readFileSync(path, 'utf8'), path, cache);
    statuses[file] = compiled.status;
    if (compiled.status === 'stale' || compiled.status === 'rejected') options.onRefused?.(file, compiled.status);
    const moduleExports = compiled.run(bundleRequire);
    loaded.set(file, { compiled, exports: moduleExports });
    return moduleExports;
  }
  return {
    load,
    statuses,
    caches: () => new Map([...loaded].map(([file, { compiled }]) => [file, compiled.createCache()])),
  };
}

function readOptional(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}
