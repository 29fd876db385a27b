/**
 * The last step of `npm run build`: makes each function's V8 code caches (`<dist>/<function>/<module>.js.cache`, see
 * shared/edge/code-cache.ts). Each function runs in a fresh `node`, as FC starts it (no NODE_* variables, no flags),
 * against the emulators of `function-fixtures.ts`: on its example event and the requests of its lazily required paths
 * (so `function.js.cache` and, say, `multipart.js.cache` hold what those cold starts compile), and, when it has
 * `jwks.js`, once more configured with a key set (for `jwks.js.cache`). Then another fresh `node` loads the function's
 * entry as FC does, handles the same events and must report every cache used.
 * `node dist/scripts/train-code-cache.js <dist folder>`; the children are this same file with `--run` or `--check`.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type { FunctionManifest } from '../functions/manifest';
import { FUNCTIONS } from '../functions/registry';
import { BUNDLE_FILE, cacheFileOf, functionModules, type BundleRequire } from '../shared/edge/code-cache';
import { startFunctionFixtures, type FunctionFixtures } from './function-fixtures';

/** The Node.js major of FC's runtime in s.yaml (`nodejs20`): V8 takes a cache only from its own version. */
const FC_NODE_MAJOR = 20;

type Handler = (event: Buffer, context: unknown) => Promise<{ statusCode?: number } | undefined>;

/** One run of a function: its variables, the events it handles, and the modules whose caches it makes. */
interface Session {
  env: Record<string, string>;
  events: string[];
  context: unknown;
  /** Undefined: every module the run loaded. */
  modules?: string[];
}

/** A fresh node running this file in `mode` on one function folder; resolves to its last line on stdout. */
function child(mode: '--run' | '--check', folder: string, session: Session): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const process_ = spawn(process.execPath, [__filename, mode, folder], {
      env: { PATH: process.env['PATH'] ?? '', ...session.env },
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
    process_.stdin.end(JSON.stringify(session));
  });
}

/** The runs that make a function's caches. */
async function sessionsOf(fn: FunctionManifest, folder: string, fixtures: FunctionFixtures): Promise<Session[]> {
  const context = fixtures.context('build');
  const base64 = (event: Buffer): string => event.toString('base64');
  if (fn.trigger === 'oss') return [{ env: fixtures.env, events: [base64(await fixtures.exampleEvent(fn))], context }];
  const token = await fixtures.tokenFor('alice');
  const requests = [fn.exampleRequest, ...(fn.lazyPathRequests ?? [])];
  const sessions: Session[] = [{ env: fixtures.env, events: requests.map((body) => base64(fixtures.httpEvent(token, body))), context }];
  if (existsSync(join(folder, 'jwks.js'))) {
    const idpToken = await fixtures.idpTokenFor('alice');
    sessions.push({
      env: fixtures.jwksEnv,
      events: [base64(fixtures.httpEvent(idpToken, fn.exampleRequest))],
      context,
      modules: ['jwks.js'],
    });
  }
  return sessions;
}

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
      for (const session of await sessionsOf(fn, folder, fixtures)) {
        const written = JSON.parse(await child('--run', folder, session)) as string[];
        const statuses = JSON.parse(await child('--check', folder, session)) as Record<string, string>;
        const unused = written.filter((file) => statuses[file] !== 'used');
        if (unused.length > 0) throw new Error(`${fn.name}: a fresh node did not use the code cache just made for ${unused.join(', ')}`);
      }
    }
  } finally {
    await fixtures.close();
  }
}

/** In a child: the function's modules (from source for `--run`, through its entry for `--check`), then its events. */
async function handleEvents(folder: string, session: Session, handler: Handler): Promise<void> {
  for (const event of session.events) {
    const answer = await handler(Buffer.from(event, 'base64'), session.context);
    // An HTTP function answers 200 to each of these; an event function resolves once the event is handled.
    if (answer?.statusCode !== undefined && answer.statusCode !== 200) throw new Error(`${folder} answered ${answer.statusCode}`);
  }
}

async function run(folder: string): Promise<void> {
  const session = JSON.parse(readFileSync(0, 'utf8')) as Session;
  const modules = functionModules(folder, { nodeRequire: createRequire(join(folder, 'index.js')) as BundleRequire, useCaches: false });
  await handleEvents(folder, session, modules.load(BUNDLE_FILE)['handler'] as Handler);
  const written: string[] = [];
  for (const [file, cache] of modules.caches()) {
    if (session.modules !== undefined && !session.modules.includes(file)) continue;
    writeFileSync(join(folder, cacheFileOf(file)), cache);
    written.push(file);
  }
  process.stdout.write(`\n${JSON.stringify(written)}\n`);
}

async function check(folder: string): Promise<void> {
  const session = JSON.parse(readFileSync(0, 'utf8')) as Session;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the entry FC loads, as FC loads it
  const entry = require(join(folder, 'index.js')) as { handler: Handler; codeCaches: Record<string, string> };
  await handleEvents(folder, session, entry.handler);
  process.stdout.write(`\n${JSON.stringify(entry.codeCaches)}\n`);
}

const [mode, argument] = process.argv.slice(2);
const done = mode === '--run' ? run(resolve(argument!)) : mode === '--check' ? check(resolve(argument!)) : train(resolve(mode ?? 'dist'));
done.catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
