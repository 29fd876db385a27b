/**
 * The entry FC loads for every function (`index.handler`, built into dist/<function>/index.js): the function's bundle
 * (`function.js`) compiled with the code cache the build made for it (`code-cache.ts`). A cache V8 refuses is said once
 * in the log, with what a cold start then costs more; the function works the same either way.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE_FILE, CACHE_FILE, compileBundle, type CodeCacheStatus } from './code-cache';

function readCache(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

const bundlePath = join(__dirname, BUNDLE_FILE);
const compiled = compileBundle(readFileSync(bundlePath, 'utf8'), bundlePath, readCache(join(__dirname, CACHE_FILE)));
if (compiled.status === 'rejected' || compiled.status === 'stale') {
  // V8 flags (NODE_OPTIONS, a runtime's heap sizes) or a Node other than the build's make V8 refuse the cache.
  const cause =
    compiled.status === 'stale'
      ? `${CACHE_FILE} was not made from this ${BUNDLE_FILE}: rebuild`
      : `V8 refused ${CACHE_FILE}: Node ${process.version} with flags [${process.execArgv.join(' ')}] differs from the build's`;
  process.stdout.write(
    `${JSON.stringify({ level: 'warn', requestId: 'cold-start', codeCache: compiled.status, cause: `${cause}; compiled from source (slower cold start)` })}\n`,
  );
}
const loaded = compiled.run(require);

/** What FC calls: the bundle's own handler. */
export const handler = loaded['handler'];
/** How the bundle was compiled at this cold start (read by tests and the benchmark). */
export const codeCache: CodeCacheStatus = compiled.status;
