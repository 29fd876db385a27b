/**
 * A function's bundle compiled with a V8 code cache: the bytecode of everything the build's own run of the function
 * compiled (`scripts/train-code-cache.ts`), so a cold start neither parses nor compiles it again (what Node 22's
 * `module.enableCompileCache` does, which FC's nodejs20 runtime lacks). A cache is taken only by the Node that made it,
 * with the same V8 flags, for the very source it was made from, undamaged; otherwise, or when it is missing, the
 * bundle compiles from source as usual: the cache can make a cold start faster, never different.
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

/**
 * `used`; `absent` (no cache file); `stale` (made for another bundle, or damaged); `rejected` (made by another Node,
 * or refused by V8: other V8 flags).
 */
export type CodeCacheStatus = 'used' | 'absent' | 'stale' | 'rejected';

export interface CompiledBundle {
  status: CodeCacheStatus;
  /** Why a cache was not used, in words fit for a log line (`stale` and `rejected` only). */
  refusal?: string;
  /** Runs the bundle's top level, as Node runs a CommonJS module, and returns its exports. */
  run(require: BundleRequire): Record<string, unknown>;
  /** A cache of everything compiled so far (after a run, what it called too), for `compileBundle` to take. */
  createCache(): Buffer;
}

export interface CompileInput {
  source: string;
  /** The module's path, its `__filename`. */
  filename: string;
  /** The name stack traces show (the file's name alone: a cache keeps it, and the build machine's folders stay out). */
  scriptName: string;
  cache: Buffer | undefined;
}

/**
 * The Node that makes or takes a cache, as Node's own compile cache keys it: V8 checks only its own version number, and
 * Node releases patch V8 in between, so a cache is taken only by the very Node (and architecture) that made it.
 */
export const RUNTIME_ID = `node ${process.version} ${process.arch} v8 ${process.versions.v8}`;
// A cache file: the maker's RUNTIME_ID and a newline, the SHA-256 of the module's source and of V8's data together
// (V8 checks the source's length only, and does not checksum its data: damaged data would crash it), V8's data.
const DIGEST_BYTES = 32;

const digestOf = (source: string, data: Uint8Array): Buffer => createHash('sha256').update(source).update(data).digest();

/** V8's data from a cache file made for `source` by this Node, or why it may not be used. */
function cachedDataFor(source: string, cache: Buffer): { data: Buffer } | { status: 'stale' | 'rejected'; refusal: string } {
  const newline = cache.indexOf(10);
  const maker = newline > 0 && newline <= 128 ? cache.toString('utf8', 0, newline) : undefined;
  if (maker !== RUNTIME_ID) return { status: 'rejected', refusal: `made by ${maker ?? 'an unknown maker'}, this is ${RUNTIME_ID}` };
  const digest = cache.subarray(newline + 1, newline + 1 + DIGEST_BYTES);
  const data = cache.subarray(newline + 1 + DIGEST_BYTES);
  if (data.length === 0 || !digest.equals(digestOf(source, data)))
    return { status: 'stale', refusal: 'not made from this module, or damaged' };
  return { data };
}

export function compileBundle({ source, filename, scriptName, cache }: CompileInput): CompiledBundle {
  const checked = cache === undefined ? undefined : cachedDataFor(source, cache);
  const cachedData = checked !== undefined && 'data' in checked ? checked.data : undefined;
  // Node's own CommonJS wrapper, on a line of its own that stack traces do not count.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {\n${source}\n})`, {
    filename: scriptName,
    lineOffset: -1,
    ...(cachedData === undefined ? {} : { cachedData }),
  });
  let status: CodeCacheStatus = 'absent';
  let refusal: string | undefined;
  if (checked !== undefined && !('data' in checked)) ({ status, refusal } = checked);
  else if (cachedData !== undefined && script.cachedDataRejected === true) {
    status = 'rejected';
    refusal = `V8 refused it: flags [${process.execArgv.join(' ')}] differ from the build's`;
  } else if (cachedData !== undefined) status = 'used';
  return {
    status,
    ...(refusal === undefined ? {} : { refusal }),
    run(require) {
      const module = { exports: {} as Record<string, unknown> };
      const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
      // As Node runs a module: `this` at its top level is its exports.
      wrapper.call(module.exports, module.exports, require, module, filename, dirname(filename));
      return module.exports;
    },
    createCache() {
      const data = script.createCachedData();
      return Buffer.concat([Buffer.from(`${RUNTIME_ID}\n`), digestOf(source, data), data]);
    },
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
  /** Told once per module whose cache is stale or rejected, and why. */
  onRefused?(file: string, status: 'stale' | 'rejected', refusal: string): void;
}

/**
 * `require('./<name>')` inside a bundle loads `<folder>/<name>.js` through here (as esbuild leaves the modules it
 * bundled apart), so lazily required modules get their caches too; anything else goes to Node's `require`.
 */
export function functionModules(folder: string, options: FunctionModulesOptions): FunctionModules {
  const loaded = new Map<string, { compiled: CompiledBundle; exports: Record<string, unknown> }>();
  const statuses: Record<string, CodeCacheStatus> = {};
  const bundleRequire: BundleRequire = (id) =>
    id.startsWith('./') ? load(id.endsWith('.js') ? id.slice(2) : `${id.slice(2)}.js`) : options.nodeRequire(id);
  function load(file: string): Record<string, unknown> {
    const known = loaded.get(file);
    if (known !== undefined) return known.exports;
    const path = join(folder, file);
    const cache = options.useCaches ? readOptional(join(folder, cacheFileOf(file))) : undefined;
    const compiled = compileBundle({ source: readFileSync(path, 'utf8'), filename: path, scriptName: file, cache });
    statuses[file] = compiled.status;
    if (compiled.status === 'stale' || compiled.status === 'rejected') options.onRefused?.(file, compiled.status, compiled.refusal ?? '');
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
