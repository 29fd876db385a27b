/** `npm test`'s first step on a machine without the tools: a non-root user is stopped at once with the command to run. */
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempFolder } from '../support/temp-folder';

const script = join(__dirname, '..', '..', 'tools', 'ensure-test-tools.sh');

/** A PATH holding only an `id` that answers the given uid: no chromium, no apt-get. */
function bareMachine(uid: number): string {
  const bin = tempFolder('bare-path-');
  writeFileSync(join(bin, 'id'), `#!/bin/sh\necho ${uid}\n`);
  chmodSync(join(bin, 'id'), 0o755);
  return bin;
}

test('without Chromium, a non-root user gets the one command to run and a failure, nothing installed', () => {
  const result = spawnSync('/bin/bash', [script], { env: { PATH: bareMachine(1000) }, encoding: 'utf8' });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain('Run: sudo apt-get update && sudo apt-get install -y chromium golang-go');
  expect(result.stderr).not.toContain('installing');
});

test('a package known by a file it installs (the Go SDK) is asked for when that file is missing, whatever PATH holds', () => {
  const copy = join(tempFolder('ensure-tools-'), 'ensure-test-tools.sh');
  const text = readFileSync(script, 'utf8');
  expect(text).toContain('"/usr/share/gocode/src/github.com/aliyun/aliyun-oss-go-sdk/oss golang-github-aliyun-aliyun-oss-go-sdk-dev"');
  writeFileSync(copy, text.replace('/usr/share/gocode/src/github.com/aliyun/aliyun-oss-go-sdk/oss', '/nonexistent/aliyun-oss-go-sdk/oss'));
  const bin = bareMachine(1000);
  // Everything else present: the commands the other entries name resolve to stand-ins.
  for (const command of ['chromium', 'go', 'openssl']) {
    writeFileSync(join(bin, command), '#!/bin/sh\n');
    chmodSync(join(bin, command), 0o755);
  }
  const result = spawnSync('/bin/bash', [copy], { env: { PATH: bin }, encoding: 'utf8' });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain('Run: sudo apt-get update && sudo apt-get install -y golang-github-aliyun-aliyun-oss-go-sdk-dev\n');
});

test('with everything installed, it does nothing', () => {
  const result = spawnSync('/bin/bash', [script], { env: { PATH: process.env['PATH'] ?? '' }, encoding: 'utf8' });
  expect([result.status, result.stderr]).toEqual([0, '']);
});
