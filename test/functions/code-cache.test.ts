/**
 * The built functions' code caches (shared/edge/code-cache.ts, made by scripts/train-code-cache.ts at the end of
 * `npm run build`): a fresh node in a bare copy of dist/<function> takes the cache; a cache that does not fit is
 * said once in the log and the function still answers from its source; the cache holds none of the values the
 * build's run used.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FUNCTIONS } from '../../functions/registry';
import { caller, JWT_SECRET, WEBHOOK_SECRET } from '../../scripts/function-fixtures';
import { copyBuiltFunction, DIST } from '../support/built-function';
import { baseEnv } from '../support/env';
import { fcEvent } from '../support/fc-event';

const names = FUNCTIONS.map((fn) => fn.name);

// Loads the entry as FC does, then (for an HTTP function) answers one request without a token: 401 with the
// function's name in its log line, which shows which code ran.
const RUNNER = `
const started = require('./index.js');
const event = Buffer.from(process.argv[2], 'base64');
Promise.resolve(process.argv[3] === 'http' ? started.handler(event, { requestId: 'r' }) : undefined).then((answer) =>
  require('fs').writeFileSync('result.json', JSON.stringify({ codeCache: started.codeCache, handler: typeof started.handler, status: answer?.statusCode })));
`;

function start(
  folder: string,
  name: string,
  flags: string[] = [],
): { codeCache: string; handler: string; status?: number; logs: string[] } {
  writeFileSync(join(folder, 'run.js'), RUNNER);
  const http = FUNCTIONS.find((fn) => fn.name === name)?.trigger !== 'oss';
  const event = fcEvent({ headers: { 'content-type': 'application/json' }, body: {} }).toString('base64');
  const env = {
    PATH: process.env['PATH'] ?? '',
    NODE_PATH: '',
    ...baseEnv({ AUTH_ISSUER: 'https://idp', AUTH_AUDIENCE: 'a', STS_ROLE_ARN: 'acs:ram::1234567890123456:role/oss-upload' }),
  };
  const stdout = execFileSync(process.execPath, [...flags, 'run.js', event, http ? 'http' : 'event'], {
    cwd: folder,
    env: env as Record<string, string>,
    encoding: 'utf8',
  });
  const result = JSON.parse(readFileSync(join(folder, 'result.json'), 'utf8')) as { codeCache: string; handler: string; status?: number };
  return { ...result, logs: stdout.trim().split('\n').filter(Boolean) };
}

const cacheWarnings = (logs: string[]): Array<{ codeCache?: string; cause?: string }> =>
  logs.map((line) => JSON.parse(line) as { codeCache?: string; cause?: string }).filter((line) => line.codeCache !== undefined);

test.each(names)('%s: a fresh node in a bare copy of the built folder uses the code cache, and says nothing of it', (name) => {
  const result = start(copyBuiltFunction(name), name);
  expect(result.codeCache).toBe('used');
  expect(result.handler).toBe('function');
  expect(cacheWarnings(result.logs)).toEqual([]);
});

const cacheFiles = names.flatMap((name) =>
  readdirSync(join(DIST, name))
    .filter((file) => file.endsWith('.js.cache'))
    .map((file) => `${name}/${file}`),
);

test('every module of every built function has its code cache: the bundle and the lazily required modules', () => {
  const modules = names.flatMap((name) =>
    readdirSync(join(DIST, name))
      .filter((file) => file.endsWith('.js') && file !== 'index.js')
      .map((file) => `${name}/${file}`),
  );
  expect(modules).toEqual(
    expect.arrayContaining(['sign-url/function.js', 'sign-url/multipart.js', 'sign-url/jwks.js', 'sts-token/jwks.js']),
  );
  expect(cacheFiles.sort()).toEqual(modules.map((file) => `${file}.cache`).sort());
});

test.each(cacheFiles)('%s holds none of the keys, secrets, addresses or folders of the build run', (file) => {
  const cache = readFileSync(join(DIST, file)).toString('latin1');
  // The build machine's folders: the repository, its staging folder, the temporary folder.
  for (const folder of [resolve(DIST, '..'), '.dist-staging', tmpdir()]) expect(cache).not.toContain(folder);
  for (const value of [
    caller.accessKeySecret,
    caller.accessKeyId,
    JWT_SECRET,
    WEBHOOK_SECRET,
    WEBHOOK_SECRET.slice(6, 30),
    '127.0.0.1',
    'bench-user-hash',
  ])
    expect(cache).not.toContain(value);
});

test.each(cacheFiles.map((file) => file.replace(/\.cache$/, '')))(
  '%s never calls import() (a script compiled with a code cache cannot)',
  (file) => {
    expect(readFileSync(join(DIST, file), 'utf8')).not.toMatch(/\bimport\(/);
  },
);

test('a bundle changed after its cache was made (same length) runs as changed: the cache is stale and said so', () => {
  const folder = copyBuiltFunction('sign-url');
  const bundle = readFileSync(join(folder, 'function.js'), 'utf8');
  expect(bundle).toContain('"sign-url"');
  writeFileSync(join(folder, 'function.js'), bundle.replace(/"sign-url"/g, '"sign-urX"'));
  const result = start(folder, 'sign-url');
  expect(result.codeCache).toBe('stale');
  expect(result.status).toBe(401);
  expect(result.logs.some((line) => line.includes('"function":"sign-urX"'))).toBe(true);
  expect(cacheWarnings(result.logs)).toEqual([
    {
      level: 'warn',
      requestId: 'cold-start',
      codeCache: 'stale',
      cause: 'function.js.cache: not made from this module, or damaged; compiled from source (slower cold start)',
    },
  ]);
});

test("a cache damaged in the middle of V8's data is stale: never handed to V8 (which would crash on it)", () => {
  const folder = copyBuiltFunction('sign-url');
  const cache = readFileSync(join(folder, 'function.js.cache'));
  for (let i = 0; i < 64; i += 1) cache[Math.floor(cache.length / 2) + i] = cache[Math.floor(cache.length / 2) + i]! ^ 0x5a;
  writeFileSync(join(folder, 'function.js.cache'), cache);
  const result = start(folder, 'sign-url');
  expect([result.codeCache, result.status]).toEqual(['stale', 401]);
  expect(cacheWarnings(result.logs)).toHaveLength(1);
});

test('a cache made by another Node is rejected and names both (build with the Node the line names)', () => {
  const folder = copyBuiltFunction('upload-completed');
  const cache = readFileSync(join(folder, 'function.js.cache'));
  const rest = cache.subarray(cache.indexOf(10));
  writeFileSync(join(folder, 'function.js.cache'), Buffer.concat([Buffer.from('node v20.11.1 x64 v8 11.3.244.8-node.17'), rest]));
  const result = start(folder, 'upload-completed');
  expect(result.codeCache).toBe('rejected');
  expect(cacheWarnings(result.logs)).toEqual([
    expect.objectContaining({
      codeCache: 'rejected',
      cause: expect.stringContaining(`made by node v20.11.1 x64 v8 11.3.244.8-node.17, this is node ${process.version}`),
    }),
  ]);
});

test('V8 flags the build did not have (a heap size, as some runtimes set) make V8 refuse the cache: said once, the function works', () => {
  const result = start(copyBuiltFunction('sts-token'), 'sts-token', ['--max-old-space-size=100']);
  expect(result.codeCache).toBe('rejected');
  expect(result.status).toBe(401);
  const warnings = cacheWarnings(result.logs);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]!.cause).toContain('--max-old-space-size=100');
});

test('without its cache file a function compiles from source, silently', () => {
  const folder = copyBuiltFunction('upload-completed');
  rmSync(join(folder, 'function.js.cache'));
  const result = start(folder, 'upload-completed');
  expect(result.codeCache).toBe('absent');
  expect(result.handler).toBe('function');
  expect(cacheWarnings(result.logs)).toEqual([]);
});
