/**
 * Bundled in place of `zlib` in the function bundles (scripts/build.mjs). httpx, under the STS SDK, requires zlib at
 * load but uses it only in `httpx.read` to decompress an answer sent with `Content-Encoding: gzip` or `deflate`. The
 * SDK asks for no compression (no `Accept-Encoding`) and reads AssumeRole answers without `httpx.read`, so for us
 * zlib is never used; should a path reach it, Node's zlib is loaded then, and behaves as ever. That keeps it out of
 * every cold start (~0.5 ms, README "Performance"). Anything else of zlib is absent, so a new use fails at once.
 */
import type * as Zlib from 'node:zlib';

let zlib: typeof Zlib | undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, not at cold start
const load = (): typeof Zlib => (zlib ??= require('node:zlib') as typeof Zlib);

export function createGunzip(options?: Zlib.ZlibOptions): Zlib.Gunzip {
  return load().createGunzip(options);
}

export function createInflate(options?: Zlib.ZlibOptions): Zlib.Inflate {
  return load().createInflate(options);
}
