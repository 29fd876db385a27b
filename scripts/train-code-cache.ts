/**
 * The last step of `npm run build`: makes each function's V8 code cache (`<dist>/<function>/function.js.cache`,
 * see shared/edge/code-cache.ts). Each bundle runs once in a fresh `node`, as FC starts it (no NODE_* variables, no
 * flags), on its example event against the emulators of `function-fixtures.ts`, so the cache holds what a cold start
 * compiles; then another fresh `node` loads the function's entry and must report the cache used.
 * `node dist/scripts/train-code-cache.js <dist folder>`; the children are this same file with `--run` or `--check`.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { FUNCTIONS } from '../functions/registry';
import { BUNDLE_FILE, CACHE_FILE, compileBundle } from '../shared/edge/code-cache';
import { startFunctionFixtures } from './function-fixtures';

type Handler = (event: Buffer, context: unknown) => Promise<{ statusCode?: number } | undefined>;

/** A fresh node running this file in `mode` on one function folder; resolves to what it printed on stdout's last line. */
function child(mode: '--run' | '--check', folder: string, env: Record<string, string>, input: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const process_ = spawn(process.execPath, [__filename, mode, folder], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let output = '';
    process_.stdout.on('data', (chunk: Buffer) => void (output += chunk.toString()));
    process_.on('error', reject);
    process_.on('exit', (code) => {
      const last = output.trim().split('\n').at(-1) ?? '';
      if (code === 0) resolvePromise(last);
      else reject(new Error(`code cache ${mode} of ${folder} exited ${code}: ${last.slice(0, 300)}`));
    });
    process_.stdin.end(input);
  });
}

/** The Node.js major of FC's runtime in s.yaml (`nodejs20`): V8 takes a cache only from its own version. */
const FC_NODE_MAJOR = 20;

async function train(dist: string): Promise<void> {
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== FC_NODE_MAJOR)
    console.error(
      `build: code caches made with Node ${process.version}; FC's nodejs${FC_NODE_MAJOR} will refuse them (cold starts then compile from source): build with Node ${FC_NODE_MAJOR} to deploy`,
    );
  const fixtures = await startFunctionFixtures();
  try {
    for (const fn of FUNCTIONS) {
      const folder = join(dist, fn.name);
      const input = JSON.stringify({ event: (await fixtures.exampleEvent(fn)).toString('base64'), context: fixtures.context('build') });
      await child('--run', folder, fixtures.env, input);
      const status = await child('--check', folder, fixtures.env, '');
      if (status !== 'used') throw new Error(`${fn.name}: a fresh node did not use the code cache just made (${status})`);
    }
  } finally {
    await fixtures.close();
  }
}

/** In the child: compile the bundle without a cache, handle the example event, write the cache of what ran. */
async function run(folder: string): Promise<void> {
  const { event, context } = JSON.parse(readFileSync(0, 'utf8')) as { event: string; context: unknown };
  const bundlePath = join(folder, BUNDLE_FILE);
  const compiled = compileBundle(readFileSync(bundlePath, 'utf8'), bundlePath, undefined);
  const handler = compiled.run(createRequire(join(folder, 'index.js')))['handler'] as Handler;
  const answer = await handler(Buffer.from(event, 'base64'), context);
  // An HTTP function answers 200 to its example; an event function resolves once the event is handled.
  if (answer?.statusCode !== undefined && answer.statusCode !== 200) throw new Error(`answered ${answer.statusCode}`);
  writeFileSync(join(folder, CACHE_FILE), compiled.createCache());
}

const [mode, argument] = process.argv.slice(2);
const done =
  mode === '--run'
    ? run(resolve(argument!))
    : mode === '--check'
      ? // eslint-disable-next-line @typescript-eslint/no-require-imports -- the entry FC loads, as FC loads it
        Promise.resolve(process.stdout.write(`\n${(require(join(resolve(argument!), 'index.js')) as { codeCache: string }).codeCache}\n`))
      : train(resolve(mode ?? 'dist'));
done.catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
