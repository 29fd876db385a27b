/** `npm test`'s first step on a machine without Chromium: a non-root user is stopped at once with the command to run. */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const script = join(__dirname, '..', 'scripts', 'ensure-test-tools.sh');

/** A PATH holding only an `id` that answers the given uid: no chromium, no apt-get. */
function bareMachine(uid: number): string {
  const bin = mkdtempSync(join(tmpdir(), 'bare-path-'));
  writeFileSync(join(bin, 'id'), `#!/bin/sh\necho ${uid}\n`);
  chmodSync(join(bin, 'id'), 0o755);
  return bin;
}

test('without Chromium, a non-root user gets the one command to run and a failure, nothing installed', () => {
  const result = spawnSync('/bin/bash', [script], { env: { PATH: bareMachine(1000) }, encoding: 'utf8' });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain('Run: sudo apt-get update && sudo apt-get install -y chromium');
  expect(result.stderr).not.toContain('installing');
});

test('with everything installed, it does nothing', () => {
  const result = spawnSync('/bin/bash', [script], { env: { PATH: process.env['PATH'] ?? '' }, encoding: 'utf8' });
  expect([result.status, result.stderr]).toEqual([0, '']);
});
