/**
 * The Uppy adapter (web/uppy.ts) in a real Chromium with the real @uppy/core and @uppy/aws-s3 packages, against
 * the local stack as `npm start` runs it: a signed PUT, a POST form and a multipart upload each land intact, and
 * in multipart mode Uppy's part PUTs are the only requests that reach OSS from the page.
 */
import { build } from 'esbuild';
import { samplePng } from '../../local/sample-files';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startDevStack, type DevStack } from '../../local/dev-stack';
import type { OssRequestLog } from '../../local/oss-emulator';
import { launchChromium } from '../support/browser';
import { registerAnswer } from '../support/log-capture';

const MIB = 1024 * 1024;
let browser: Browser;
let stack: DevStack;
const ossLog: OssRequestLog[] = [];
const folder = mkdtempSync(join(tmpdir(), 'uppy-browser-'));

beforeAll(async () => {
  // Served by the dev server itself, like the demo page: Chromium lets only a page from a loopback origin call OSS there.
  const page = mkdtempSync(join(tmpdir(), 'uppy-page-'));
  await build({
    entryPoints: [join(__dirname, 'pages', 'uppy-page.mts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: join(page, 'uppy-test.js'),
    logLevel: 'error',
  });
  writeFileSync(
    join(page, 'index.html'),
    '<!doctype html><input id="file" type="file"><script type="module" src="/uppy-test.js"></script>',
  );
  [browser, stack] = await Promise.all([
    launchChromium(),
    startDevStack({
      port: 0,
      ossPort: 0,
      stsPort: 0,
      env: { MAX_UPLOAD_BYTES: String(40 * MIB) },
      webDir: page,
      ossLog: (entry) => void ossLog.push(entry),
    }),
  ]);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function uppyPage(): Promise<Page> {
  const page = await browser.newPage();
  page.on('response', (response) => {
    if (response.url().endsWith('/api/sign-url')) response.json().then(registerAnswer, () => undefined);
  });
  page.on('request', (request) => {
    if (request.url().includes('x-oss-signature')) registerAnswer({ url: request.url() });
  });
  await page.goto(`${stack.url}/`);
  await page.waitForFunction(() => 'runUppy' in window);
  return page;
}

async function token(user: string): Promise<string> {
  const answer = (await (await fetch(`${stack.url}/api/dev-token?user=${user}`)).json()) as { token: string };
  registerAnswer(answer);
  return answer.token;
}

const md5 = (data: Buffer): string => createHash('md5').update(data).digest('hex');

test.each([
  ['a signed PUT', 'put', 100 * MIB, 300 * 1024, ['PutObject']],
  ['a POST form', 'post', 100 * MIB, 300 * 1024, ['PostObject']],
  [
    'multipart',
    'put',
    10 * MIB,
    12 * MIB + 5,
    // sign-url counts the user's unfinished uploads at OSS before it starts one.
    [
      'ListMultipartUploads',
      'InitiateMultipartUpload',
      'UploadPart',
      'UploadPart',
      'UploadPart',
      'ListParts',
      'ListParts',
      'CompleteMultipartUpload',
    ],
  ],
] as const)('Uppy uploads with %s and the object lands intact', async (_name, single, threshold, size, operations) => {
  const page = await uppyPage();
  // A real PNG (random payload): upload-completed removes bytes that are not what their type says.
  const contents = samplePng(size);
  const path = join(folder, `${_name.replace(/\W/g, '-')}.png`);
  writeFileSync(path, contents);
  await page.setInputFiles('#file', path);
  const from = ossLog.length;
  const outcome = (await page.evaluate(
    ([mode, limit, jwt]) => (window as unknown as { runUppy: (...args: unknown[]) => Promise<unknown> }).runUppy(mode, limit, jwt),
    [single, threshold, await token('yara')] as const,
  )) as { successful: Array<{ key: string; uploadURL: string }>; failed: string[]; progress: number };
  expect(outcome.failed).toEqual([]);
  expect(outcome.successful).toEqual([
    {
      key: expect.stringMatching(/^users\/yara\/\d{4}\/\d{2}\/[A-Za-z0-9_-]{22}\.png$/),
      uploadURL: expect.stringContaining(stack.oss!.url),
    },
  ]);
  expect(outcome.progress).toBeGreaterThan(0);
  const key = outcome.successful[0]!.key;
  const stored = stack.oss!.getObject(key)!;
  expect([md5(stored.body), stored.contentType]).toEqual([md5(contents), 'image/png']);
  expect(
    ossLog
      .slice(from)
      // upload-completed's own read of each new object (GetObject, its role's key) is not the browser's.
      .filter((entry) => entry.operation !== 'Preflight' && entry.operation !== 'GetObject')
      .map((entry) => entry.operation),
  ).toEqual(operations);
  await page.close();
});
