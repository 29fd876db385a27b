/** The run's temporary folder (test/support/global-setup.cjs, global-teardown.cjs): what a test leaves fails the run. */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the CommonJS module jest runs after the suite
const teardown = require('../support/global-teardown.cjs') as () => Promise<void>;

test('this run writes into a folder of its own', () => {
  expect(process.env['TEST_RUN_TMPDIR']).toMatch(/oss-direct-upload-tests-/);
  expect(tmpdir()).toBe(process.env['TEST_RUN_TMPDIR']);
});

describe('the teardown', () => {
  const runFolder = process.env['TEST_RUN_TMPDIR'];
  afterEach(() => {
    process.env['TEST_RUN_TMPDIR'] = runFolder;
  });

  test('names what was left, and removes the folder', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'fake-run-'));
    writeFileSync(join(folder, 'leak.txt'), 'x');
    mkdirSync(join(folder, 'sign-url-built-abc'));
    process.env['TEST_RUN_TMPDIR'] = folder;
    await expect(teardown()).rejects.toThrow('tests left 2 entries in the temporary folder: leak.txt, sign-url-built-abc');
    expect(existsSync(folder)).toBe(false);
  });

  test('passes, and removes the folder, when nothing was left', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'fake-run-'));
    process.env['TEST_RUN_TMPDIR'] = folder;
    await expect(teardown()).resolves.toBeUndefined();
    expect(existsSync(folder)).toBe(false);
  });
});
