/**
 * What `npm run build` leaves for FC (tools/build.mjs): one self-contained CommonJS bundle per function,
 * dist/<function>/index.js, whose `handler` FC calls (`handler: index.handler` in s.yaml), and nothing else in the
 * folder. A fresh node in a bare copy of the folder (no node_modules) loads it and finds the handler.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FUNCTIONS } from '../../functions/registry';
import { copyBuiltFunction, DIST } from '../support/built-function';

const names = FUNCTIONS.map((fn) => fn.name);

test("every function of the registry is built, and nothing else sits beside the tools (and the deployment's) in dist/", () => {
  const folders = readdirSync(DIST, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  expect(folders.sort()).toEqual([...names, 'deploy', 'local', 'tools', 'web'].sort());
});

test.each(names)('dist/%s holds one file, index.js, which requires none of its own modules', (name) => {
  expect(readdirSync(join(DIST, name))).toEqual(['index.js']);
  // A require of a relative path would need a file beside it: the bundle must carry everything but Node's modules.
  expect(readFileSync(join(DIST, name, 'index.js'), 'utf8')).not.toMatch(/\brequire\(\s*["'`]\.{1,2}\//);
});

test.each(names)('%s: a fresh node in a bare copy of the folder loads index.js and finds handler(event, context)', (name) => {
  const folder = copyBuiltFunction(name);
  // Unconfigured, a function says so in its log (stdout) at cold start: the answer goes to a file.
  const script =
    "const m = require('./index.js'); require('fs').writeFileSync('result.json', JSON.stringify([typeof m.handler, m.handler.length]))";
  execFileSync(process.execPath, ['-e', script], { cwd: folder, env: { PATH: process.env['PATH'] ?? '', NODE_PATH: '' }, stdio: 'ignore' });
  expect(JSON.parse(readFileSync(join(folder, 'result.json'), 'utf8'))).toEqual(['function', 2]);
});
