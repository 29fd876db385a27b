/**
 * The uploader learns the verdict, in a real Chromium, with the packaged client (dist/web/upload-client.js) against
 * the local stack as `npm start` runs it (upload-completed on every new object, through the async invoker): `upload()`
 * resolves with `verdict: 'accepted'` only for a file that stays, and rejects with `Rejected`, the reason as a code
 * and in words, for one upload-completed removes: in PUT, POST and multipart mode alike. `waitForVerdict: false`
 * resolves at the last byte, as before.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startDevStack, type DevStack } from '../../local/dev-stack';
import { samplePng } from '../../local/sample-files';
import { launchChromium } from '../support/browser';
import { registerAnswer } from '../support/log-capture';
import { tempFolder } from '../support/temp-folder';

const MIB = 1024 * 1024;
let browser: Browser;
let stack: DevStack;
let page: Page;
const webDir = tempFolder('verdict-page-');

/** The page an app would write: the packaged client, one file input, and a function the test calls. */
const PAGE = `<!doctype html><meta charset="utf-8"><input id="file" type="file">
<script type="module">
  import { upload } from '/assets/upload-client.js';
  window.send = async (mode, options) => {
    const file = document.querySelector('#file').files[0];
    const token = (await (await fetch('/api/dev-token?user=vera')).json()).token;
    try {
      const result = await upload(file, { endpoint: '/api/sign-url', mode, getToken: () => token, ...options });
      return { ok: true, key: result.key, verdict: result.verdict ?? null };
    } catch (error) {
      return { ok: false, code: error.code, reason: error.reason ?? null, message: error.message, key: error.key ?? null };
    }
  };
  window.ready = true;
</script>`;

type Outcome =
  | { ok: true; key: string; verdict: string | null }
  | { ok: false; code: string; reason: string | null; message: string; key: string | null };

beforeAll(async () => {
  writeFileSync(join(webDir, 'index.html'), PAGE);
  [browser, stack] = await Promise.all([
    launchChromium(),
    startDevStack({ port: 0, ossPort: 0, stsPort: 0, env: { MAX_UPLOAD_BYTES: String(40 * MIB) }, webDir }),
  ]);
  page = await browser.newPage();
  page.on('response', (response) => {
    if (new URL(response.url()).pathname.startsWith('/api/')) response.json().then(registerAnswer, () => undefined);
  });
  page.on('request', (request) => {
    if (request.url().includes('x-oss-signature')) registerAnswer({ url: request.url() });
  });
  await page.goto(`${stack.url}/`);
  await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function send(file: { name: string; mimeType: string; buffer: Buffer }, mode: string, options: object = {}): Promise<Outcome> {
  await page.setInputFiles('#file', file);
  return (await page.evaluate(
    ([how, extra]) => (window as unknown as { send: (mode: string, options: object) => Promise<unknown> }).send(how, extra),
    [mode, options] as const,
  )) as Outcome;
}

const zeros = (size: number): Buffer => Buffer.alloc(size);
const KEY = /^users\/vera\/\d{4}\/\d{2}\/[A-Za-z0-9_-]{22}\.(png|jpg)$/;

test.each([
  ['put', 20 * 1024],
  ['post', 20 * 1024],
  ['multipart', 300 * 1024],
])('%s: a real PNG resolves with verdict accepted, and stays', async (mode, size) => {
  const outcome = await send({ name: `real-${mode}.png`, mimeType: 'image/png', buffer: samplePng(size) }, mode);
  expect(outcome).toEqual({ ok: true, key: expect.stringMatching(KEY), verdict: 'accepted' });
  expect(stack.oss!.getObject((outcome as { key: string }).key)).toBeDefined();
});

test.each([
  ['put', 'zeros.png', 'image/png', zeros(20 * 1024), "The upload was rejected: the file's contents are not a PNG image."],
  [
    'post',
    'renamed.jpg',
    'image/jpeg',
    samplePng(20 * 1024),
    "The upload was rejected: the file's contents are not a JPEG image (they look like a PNG image).",
  ],
  // Over the 10 MiB threshold: auto sends it in parts.
  ['auto', 'zeros.png', 'image/png', zeros(11 * MIB), "The upload was rejected: the file's contents are not a PNG image."],
  ['multipart', 'page.png', 'image/png', Buffer.from('<!doctype html><script>alert(1)</script>'), 'ActiveContent'],
] as const)(
  '%s: %s is uploaded, judged, removed, and upload() rejects with the reason in words',
  async (mode, name, type, bytes, words) => {
    const outcome = await send({ name, mimeType: type, buffer: bytes }, mode);
    const reason = words === 'ActiveContent' ? 'ActiveContent' : 'ContentMismatch';
    const message =
      words === 'ActiveContent'
        ? 'The upload was rejected: the file holds web page or script markup (HTML, SVG or XML) that a browser could run.'
        : words;
    expect(outcome).toEqual({ ok: false, code: 'Rejected', reason, message, key: expect.stringMatching(KEY) });
    // upload-completed keeps the verdict before it removes the object, so the page may learn it first: the removal
    // is done once the invocation is.
    await stack.invokers.get('upload-completed')!.idle();
    expect(stack.oss!.getObject((outcome as { key: string }).key)).toBeUndefined();
  },
);

test('waitForVerdict: false resolves at the last byte, without a verdict, as before; the file is removed all the same', async () => {
  const outcome = await send({ name: 'unchecked.png', mimeType: 'image/png', buffer: zeros(4096) }, 'put', { waitForVerdict: false });
  expect(outcome).toEqual({ ok: true, key: expect.stringMatching(KEY), verdict: null });
  await stack.invokers.get('upload-completed')!.idle();
  expect(stack.oss!.getObject((outcome as { key: string }).key)).toBeUndefined();
});

test('a verdict that does not come in time: VerdictTimeout, saying the file was uploaded but not yet judged', async () => {
  // Every VERDICT is answered "pending", as while upload-completed is down or far behind.
  await page.route(/\/api\/sign-url$/, async (route) => {
    const body = route.request().postDataJSON() as { method?: string; key?: string };
    if (body.method !== 'VERDICT') return route.continue();
    return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ key: body.key, verdict: 'pending' }) });
  });
  try {
    const outcome = await send({ name: 'late.png', mimeType: 'image/png', buffer: samplePng(2048) }, 'put', { verdictTimeoutMs: 1500 });
    expect(outcome).toEqual({
      ok: false,
      code: 'VerdictTimeout',
      reason: null,
      message: expect.stringMatching(/^The file was uploaded, but whether it is accepted is not known: it has not been checked yet/),
      key: expect.stringMatching(KEY),
    });
  } finally {
    await page.unrouteAll({ behavior: 'wait' });
  }
});
