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

test('without a cache: compiled from source, run as a CommonJS module with its file and folder', () => {
  const compiled = compileBundle(sourceOf(21), '/srv/fn/function.js', undefined);
  expect(compiled.status).toBe('absent');
  expect(compiled.run(require)).toEqual({ value: 42, file: '/srv/fn/function.js', dir: '/srv/fn' });
});

test('the cache made from a source is used for that source; it starts with the SHA-256 of the source', () => {
  const source = sourceOf(4);
  const first = compileBundle(source, '/a/function.js', undefined);
  first.run(require);
  const cache = first.createCache();
  expect(cache.subarray(0, 32)).toEqual(createHash('sha256').update(source).digest());
  const again = compileBundle(source, '/elsewhere/function.js', cache);
  expect(again.status).toBe('used');
  expect(again.run(require)['value']).toBe(8);
});

test('a cache of another source of the same length is stale: the source given runs, not the cached one', () => {
  const source = sourceOf(1);
  const cache = compileBundle(source, '/a/function.js', undefined).createCache();
  const other = source.replace('twice(1)', 'twice(3)');
  expect(other).toHaveLength(source.length);
  const compiled = compileBundle(other, '/a/function.js', cache);
  expect(compiled.status).toBe('stale');
  expect(compiled.run(require)['value']).toBe(6);
});

test('a cache V8 cannot take (damaged after its digest) is rejected, and the source still runs', () => {
  const source = sourceOf(5);
  const cache = compileBundle(source, '/a/function.js', undefined).createCache();
  const damaged = Buffer.from(cache);
  for (let i = 32; i < 48; i += 1) damaged[i] = damaged[i]! ^ 0xff;
  const compiled = compileBundle(source, '/b/function.js', damaged);
  expect(compiled.status).toBe('rejected');
  expect(compiled.run(require)['value']).toBe(10);
});

test('a cache too short to hold a digest is stale', () => {
  const compiled = compileBundle(sourceOf(2), '/a/function.js', Buffer.alloc(16));
  expect(compiled.status).toBe('stale');
  expect(compiled.run(require)['value']).toBe(4);
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
    // The other file name keeps V8's in-memory compilation cache out of it.
    const copy = mkdtempSync(join(tmpdir(), 'function-modules-copy-'));
    for (const file of ['function.js', 'function.js.cache', 'lazy.js']) writeFileSync(join(copy, file), readFileSync(join(folder, file)));
    writeFileSync(join(copy, 'lazy.js.cache'), Buffer.alloc(64, 1));
    const refused: string[] = [];
    const modules = functionModules(copy, {
      nodeRequire: require,
      useCaches: true,
      onRefused: (file, status) => refused.push(`${file} ${status}`),
    });
    expect((modules.load('function.js')['handler'] as () => number)()).toBe(42);
    expect(modules.statuses).toEqual({ 'function.js': 'used', 'lazy.js': 'stale' });
    expect(refused).toEqual(['lazy.js stale']);
  });
});
