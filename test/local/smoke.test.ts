/**
 * `npm run smoke` against the stack `npm start` runs: every mode uploads, reads back, and cleans up after itself; STS
 * credentials are refused outside their folder; upload-completed removes what is not what it claims.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LOCAL_ROOT_KEY } from '../../local/local-account';
import { npmStart, type StartedStack } from '../support/npm-start';

let stack: StartedStack;
beforeAll(async () => {
  stack = await npmStart();
}, 60_000);
afterAll(() => stack.stop());

test('each mode passes, and the test objects are deleted', async () => {
  const token = ((await (await fetch(`${stack.url}/api/dev-token?user=smoke-tester`)).json()) as { token: string }).token;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(__dirname, '..', '..', 'dist', 'tools', 'smoke.js'), `${stack.url}/api/sign-url`, `${stack.url}/api/sts-token`],
    {
      env: {
        PATH: process.env['PATH'] ?? '',
        SMOKE_TOKEN: token,
        SMOKE_ACCESS_KEY_ID: LOCAL_ROOT_KEY.accessKeyId,
        SMOKE_ACCESS_KEY_SECRET: LOCAL_ROOT_KEY.accessKeySecret,
      },
    },
  );
  expect(stdout).toMatch(/^ok +PUT via signed URL: users\/smoke-tester\//m);
  expect(stdout).toMatch(/^ok +POST form: /m);
  expect(stdout).toMatch(/^ok +multipart via sign-url: users\/smoke-tester\/.* \(2 parts\)$/m);
  expect(stdout).toMatch(/^ok +STS multipart upload: /m);
  expect(stdout).toMatch(/^ok +STS credentials refused outside their folder: 2 writes refused with 403$/m);
  expect(stdout).toMatch(
    /^ok +upload-completed's verdict: bytes that are not what their type says are removed: users\/smoke-tester\/.* removed$/m,
  );
  expect(stdout.match(/^ok +read back .*MD5 matches$/gm)).toHaveLength(4);
  expect(stdout).toContain('14 passed, 0 failed');
  const left = (await (await fetch(`${stack.url}/api/dev-objects?prefix=users/smoke-tester/`)).json()) as { objects: unknown[] };
  expect(left.objects).toEqual([]);
});

test('a bad token fails the smoke with a non-zero exit', async () => {
  const run = promisify(execFile)(
    process.execPath,
    [join(__dirname, '..', '..', 'dist', 'tools', 'smoke.js'), `${stack.url}/api/sign-url`, `${stack.url}/api/sts-token`],
    {
      env: {
        PATH: process.env['PATH'] ?? '',
        SMOKE_TOKEN: 'not-a-token',
        SMOKE_ACCESS_KEY_ID: LOCAL_ROOT_KEY.accessKeyId,
        SMOKE_ACCESS_KEY_SECRET: LOCAL_ROOT_KEY.accessKeySecret,
      },
    },
  );
  await expect(run).rejects.toMatchObject({ code: 1, stdout: expect.stringContaining('FAIL  PUT via signed URL: ') });
});
