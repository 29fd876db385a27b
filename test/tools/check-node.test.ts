/**
 * `npm start`, `npm test` and the build stop on an old Node with one line (tools/check-node.cjs), before anything
 * that would fail there less clearly.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the CommonJS script itself, as npm runs it
const { nodeVersionProblem } = require('../../tools/check-node.cjs') as { nodeVersionProblem(version: string): string | undefined };
const root = join(__dirname, '..', '..');
const script = join(root, 'tools', 'check-node.cjs');

test.each([
  ['18.20.4', 'needs Node 20 or newer; this is 18.20.4'],
  ['16.0.0', 'needs Node 20 or newer; this is 16.0.0'],
  ['19.9.0', 'needs Node 20 or newer; this is 19.9.0'],
  ['20.0.0', undefined],
  ['20.20.2', undefined],
  ['22.11.0', undefined],
  ['garbage', 'needs Node 20 or newer; this is garbage'],
])('Node %s: %s', (version, problem) => {
  expect(nodeVersionProblem(version)).toBe(problem);
});

test('the script stops with that one line and a failure status on an old Node, and says nothing on this one', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'check-node-'));
  try {
    const preload = join(folder, 'node-18.cjs');
    writeFileSync(preload, "Object.defineProperty(process.versions, 'node', { value: '18.20.4' });\n");
    const old = await promisify(execFile)(process.execPath, ['--require', preload, script]).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
    expect(old).toEqual({ code: 1, stderr: 'needs Node 20 or newer; this is 18.20.4\n' });
    await expect(promisify(execFile)(process.execPath, [script])).resolves.toEqual({ stdout: '', stderr: '' });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('npm start, npm test and the build run the check first', () => {
  const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  expect(scripts['build']).toMatch(/^node tools\/check-node\.cjs && /);
  expect(scripts['test']).toMatch(/^node tools\/check-node\.cjs && /);
  expect(scripts['start']).toMatch(/^npm run build && /);
});
