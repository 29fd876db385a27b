/**
 * The entry FC loads for every function (`index.handler`, built into dist/<function>/index.js): the function's bundle
 * (`function.js`), and the modules it requires lazily, compiled with the code caches the build made for them
 * (`code-cache.ts`). A cache V8 refuses is said once in the log, with why; the function works the same either way.
 */
import { BUNDLE_FILE, cacheFileOf, functionModules, type CodeCacheStatus } from './code-cache';

const modules = functionModules(__dirname, {
  nodeRequire: require,
  useCaches: true,
  onRefused(file, status, refusal) {
    const line = {
      level: 'warn',
      requestId: 'cold-start',
      codeCache: status,
      cause: `${cacheFileOf(file)}: ${refusal}; compiled from source (slower cold start)`,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  },
});

/** What FC calls: the bundle's own handler. */
export const handler = modules.load(BUNDLE_FILE)['handler'];
/** How the bundle was compiled at this cold start (read by tests and the benchmark). */
export const codeCache: CodeCacheStatus = modules.statuses[BUNDLE_FILE]!;
/** The same for every module loaded so far, lazily required ones included (a live view). */
export const codeCaches = modules.statuses;
