/**
 * Bundled in place of `debug` in the function bundles (scripts/build.mjs). Only httpx uses it, under the STS SDK, to
 * print each request line and its headers when `DEBUG=httpx:*` is set: an AssumeRole request line carries the
 * caller's AccessKeyId, security token and signature, which must never reach a log. The real package (with
 * `supports-color`, `ms`, `tty`) also cost ~1 ms of sts-token's cold start (README "Performance"). Every logger here
 * is off and writes nothing.
 */

interface Debugger {
  (...args: unknown[]): void;
  enabled: false;
  namespace: string;
}

function createDebug(namespace: string): Debugger {
  return Object.assign(() => undefined, { enabled: false as const, namespace });
}

// httpx calls `require('debug')(namespace)`: the module itself must be the function.
export = createDebug;
