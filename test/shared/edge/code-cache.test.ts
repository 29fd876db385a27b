/**
 * compileBundle: a source compiled with the cache made from it takes it; any other cache is refused and the source
 * compiles as usual. (The built functions with their real caches: test/functions/code-cache.test.ts.)
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileBundle, functionModules } from '../../../shared/edge/code-cache';

// A source of its own in every test, and another file name for the second compile of one: V8's in-memory compilation
// cache (keyed by source and name) must not answer in place of the code cache.
let serial = 0;
const sourceOf = (value: number): string =>
  `/* ${(serial += 1)} */ const twice = (n) => n * 2; module.exports.value = twice(${value}); module.exports.file = __filename; module.exports.dir = __dirname;`;

const compile = (source: string, name: string, cache: Buffer | undefined) =>
  compileBundle({ source, filename: `/srv/${name}/function.js`, scriptName: `${name}.js`, cache });

test('without a cache: compiled from source, run as a CommonJS module with its file, folder and `this`', () => {
  const compiled = compile(`${sourceOf(21)} module.exports.self = this === module.exports;`, 'plain', undefined);
  expect(compiled.status).toBe('absent');
  expect(compiled.run(require)).toEqual({ value: 42, file: '/srv/plain/function.js', dir: '/srv/plain', self: true });
});

test("stack traces keep the module's own line and column, and name only its file", () => {
  const source = `/* ${(serial += 1)} */\n  module.exports.fail = () => { throw new Error('here'); };`;
  const fail = compile(source, 'trace', undefined).run(require)['fail'] as () => never;
  let stack = '';
  try {
    fail();
  } catch (error) {
    stack = (error as Error).stack ?? '';
  }
  expect(stack.split('\n')[1]).toMatch(/\(trace\.js:2:39\)$/);
});

test('the cache made from a source is used for it: the maker, then the SHA-256 of the source and the V8 data', () => {
  const source = sourceOf(4);
  const first = compile(source, 'made', undefined);
  first.run(require);
  const cache = first.createCache();
  const maker = `node ${process.version} ${process.arch} v8 ${process.versions.v8}\n`;
  expect(cache.toString('utf8', 0, maker.length)).toBe(maker);
  const data = cache.subarray(maker.length + 32);
  expect(cache.subarray(maker.length, maker.length + 32)).toEqual(createHash('sha256').update(source).update(data).digest());
  const again = compile(source, 'taken', cache);
  expect([again.status, again.refusal]).toEqual(['used', undefined]);
  expect(again.run(require)['value']).toBe(8);
});

test('a cache of another source of the same length is stale: the source given runs, not the cached one', () => {
  const source = sourceOf(1);
  const cache = compile(source, 'one', undefined).createCache();
  const other = source.replace('twice(1)', 'twice(3)');
  expect(other).toHaveLength(source.length);
  const compiled = compile(other, 'other', cache);
  expect([compiled.status, compiled.refusal]).toEqual(['stale', 'not made from this module, or damaged']);
  expect(compiled.run(require)['value']).toBe(6);
});

test('a cache whose digest does not match its data is stale (V8 never sees it)', () => {
  const source = sourceOf(5);
  const cache = Buffer.from(compile(source, 'digest', undefined).createCache());
  const at = cache.indexOf(10) + 1;
  cache[at] = cache[at]! ^ 0xff;
  const compiled = compile(source, 'digest-2', cache);
  expect(compiled.status).toBe('stale');
  expect(compiled.run(require)['value']).toBe(10);
});

test('a cache made by another Node is rejected before anything else is read, and says by which', () => {
  const source = sourceOf(2);
  const cache = compile(source, 'node', undefined).createCache();
  const foreign = Buffer.concat([Buffer.from('node v20.11.1 x64 v8 11.3.244.8-node.17\n'), cache.subarray(cache.indexOf(10) + 1)]);
  const compiled = compile(source, 'node-2', foreign);
  expect(compiled.status).toBe('rejected');
  expect(compiled.refusal).toBe(
    `made by node v20.11.1 x64 v8 11.3.244.8-node.17, this is node ${process.version} ${process.arch} v8 ${process.versions.v8}`,
  );
  expect(compiled.run(require)['value']).toBe(4);
  expect(compile(source, 'node-3', Buffer.alloc(16)).status).toBe('rejected');
});

describe('functionModules: a folder whose bundle requires a module of its own lazily', () => {
  const folder = mkdtempSync(join(tmpdir(), 'function-modules-'));
  const bundle = `/* ${(serial += 1)} */ let loads = 0; module.exports.handler = () => { loads += 1; return require('./lazy').double(21) + loads * 0 + (require('node:path').sep === '/' ? 0 : 1); };`;
  const lazy = `/* ${(serial += 1)} */ module.exports.double = (n) => n * 2; module.exports.at = Date.now();`;
  writeFileSync(join(folder, 'function.js'), bundle);
  writeFileSync(join(folder, 'lazy.js'), lazy);

  test('the lazy module loads once through the bundle, Node built-ins through Node; the build makes a cache for each', () => {
    const building = functionModules(folder, { nodeRequire: require, useCaches: false });
    const handler = building.load('function.js')['handler'] as () => number;
    expect(handler()).toBe(42);
    expect(building.load('lazy.js')).toBe(building.load('lazy.js'));
    expect(building.statuses).toEqual({ 'function.js': 'absent', 'lazy.js': 'absent' });
    for (const [file, cache] of building.caches()) writeFileSync(join(folder, `${file}.cache`), cache);
    expect([...building.caches().keys()].sort()).toEqual(['function.js', 'lazy.js']);
  });

  test('loaded again (as a new instance would) each takes its cache; one that does not fit is told once', () => {
    // (In one process V8's in-memory compilation cache may answer first: test/functions/code-cache.test.ts shows fresh
    // processes taking the built caches.)
    const copy = mkdtempSync(join(tmpdir(), 'function-modules-copy-'));
    for (const file of ['function.js', 'function.js.cache', 'lazy.js']) writeFileSync(join(copy, file), readFileSync(join(folder, file)));
    // Another module's cache, made by this very Node: its digest does not fit lazy.js.
    writeFileSync(join(copy, 'lazy.js.cache'), readFileSync(join(folder, 'function.js.cache')));
    const refused: string[] = [];
    const modules = functionModules(copy, {
      nodeRequire: require,
      useCaches: true,
      onRefused: (file, status, refusal) => refused.push(`${file} ${status}: ${refusal}`),
    });
    expect((modules.load('function.js')['handler'] as () => number)()).toBe(42);
    expect(modules.statuses).toEqual({ 'function.js': 'used', 'lazy.js': 'stale' });
    expect(refused).toEqual(['lazy.js stale: not made from this module, or damaged']);
  });
});
