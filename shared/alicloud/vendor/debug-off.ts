/**
 * Bundled in place of `debug` in every function bundle (tools/build.mjs); every logger here is off and writes
 * nothing. Two users:
 * - httpx, under the STS SDK, prints each request line and its headers when `DEBUG=httpx:*` is set: an AssumeRole
 *   request line carries the caller's AccessKeyId, security token and signature, which must never reach a log.
 * - file-type's zip reader (@tokenizer/inflate, in upload-completed) creates one logger and never enables it.
 * The real package (with `supports-color`, `ms`, `tty`) also probes the terminal and the environment when loaded:
 * ~1 ms of sts-token's cold start and ~3 ms of upload-completed's first sniff (docs/internals.md, "Dependencies").
 */

interface Debugger {
  (...args: unknown[]): void;
  enabled: false;
  namespace: string;
  extend(namespace: string): Debugger;
}

function createDebug(namespace: string): Debugger {
  return Object.assign(() => undefined, {
    enabled: false as const,
    namespace,
    extend: (sub: string) => createDebug(`${namespace}:${sub}`),
  });
}

// httpx calls `require('debug')(namespace)`: the module itself must be the function; debug's own statics are no-ops.
export = Object.assign(createDebug, { enable: () => undefined, disable: () => '', enabled: () => false });
