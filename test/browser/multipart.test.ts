/**
 * Multipart mode in a real Chromium, through the demo page, against the local stack as `npm start` runs it: a
 * 30 MB upload survives a page reload half-way and resumes without sending a finished part again (counted at the
 * OSS emulator), a failed part is retried, expired part URLs are renewed, Cancel aborts the upload at OSS, and
 * `auto` picks one PUT or parts by size.
 */
import { samplePdf, samplePng } from '../../local/sample-files';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startDevStack, type DevStack } from '../../local/dev-stack';
import type { OssRequestLog } from '../../local/oss-emulator';
import { launchChromium } from '../support/browser';
import { registerAnswer } from '../support/log-capture';
import { tempFolder } from '../support/temp-folder';
import { ossUploadIdOf } from '../support/upload-handle';

const MIB = 1024 * 1024;
let browser: Browser;
let stack: DevStack;
const ossLog: OssRequestLog[] = [];
const folder = tempFolder('multipart-browser-');

beforeAll(async () => {
  [browser, stack] = await Promise.all([
    launchChromium(),
    startDevStack({
      port: 0,
      ossPort: 0,
      stsPort: 0,
      env: { MAX_UPLOAD_BYTES: String(40 * MIB) },
      ossLog: (entry) => void ossLog.push(entry),
    }),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function openDemo(url: string, user: string): Promise<Page> {
  const page = await browser.newPage();
  page.on('response', (response) => {
    if (new URL(response.url()).pathname.startsWith('/api/')) response.json().then(registerAnswer, () => undefined);
  });
  page.on('request', (request) => {
    if (request.method() === 'PUT' && request.url().includes('x-oss-signature')) registerAnswer({ url: request.url() });
  });
  await page.goto(`${url}/`);
  await page.fill('#user-name', user);
  await page.click('#signin-button');
  await page.waitForSelector(`text=Signed in as ${user}.`);
  return page;
}

/** A real PNG or PDF (random payload): upload-completed removes bytes that are not what their type says. */
function sourceFile(name: string, size: number): { path: string; contents: Buffer } {
  const contents = name.endsWith('.pdf') ? samplePdf(size) : samplePng(size);
  const path = join(folder, name);
  writeFileSync(path, contents);
  return { path, contents };
}

const md5 = (data: Buffer): string => createHash('md5').update(data).digest('hex');

/** The state the upload ends in, and its key when done. */
async function outcome(page: Page, index: number): Promise<{ state: string | null; key: string | null; mode: string | null }> {
  await page.waitForFunction(
    (i) => (document.querySelectorAll('#transfers li')[i] as HTMLElement | undefined)?.dataset['state'] !== undefined,
    index,
    {
      timeout: 60_000,
    },
  );
  const state = await page.locator('#transfers li').nth(index).getAttribute('data-state');
  if (state !== 'done') return { state, key: null, mode: null };
  const row = page.locator('#uploaded tbody tr').last();
  return { state, key: await row.getAttribute('data-key'), mode: await row.locator('td').nth(2).textContent() };
}

const partPuts = (key: string): OssRequestLog[] =>
  ossLog.filter((entry) => entry.operation === 'UploadPart' && decodeURIComponent(entry.path).endsWith(key));

test('30 MB in parts: the page is reloaded half-way, and the upload resumes without re-sending finished parts', async () => {
  const { path, contents } = sourceFile('holiday.png', 30_000_000);
  let page = await openDemo(stack.url, 'rosa');
  await page.check('input[name="mode"][value="multipart"]');
  // Parts 1-3 go through; 4 and later are held, so the upload is half-way when the page goes away.
  await page.route(/[?&]partNumber=([4-9])&/, () => undefined);
  await page.setInputFiles('#file-input', path);
  await page.waitForFunction(() => document.querySelector<HTMLElement>('#transfers li')?.dataset['partsDone'] === '3');
  expect(await page.locator('#transfers li').getAttribute('data-parts-total')).toBe('6');
  // The held parts die with the page; only then are parts let through again.
  await page.reload();
  await page.unrouteAll({ behavior: 'ignoreErrors' });

  await page.fill('#user-name', 'rosa');
  await page.click('#signin-button');
  await page.waitForSelector('text=Signed in as rosa.');
  await expect(page.locator('#resumable-list li').textContent()).resolves.toMatch(/^holiday\.png \(28\.6 MiB\): 3 of 6 parts uploaded$/);
  await page.setInputFiles('#file-input', path);
  const result = await outcome(page, 0);
  expect(result).toEqual({
    state: 'done',
    key: expect.stringMatching(/^users\/rosa\/\d{4}\/\d{2}\/[A-Za-z0-9_-]{22}\.png$/),
    mode: 'MULTIPART (resumed)',
  });

  // Six parts, six part PUTs at OSS: none sent twice.
  expect(partPuts(result.key!).map((entry) => entry.status)).toEqual([200, 200, 200, 200, 200, 200]);
  const stored = stack.oss!.getObject(result.key!)!;
  expect([md5(stored.body), stored.contentType]).toEqual([md5(contents), 'image/png']);
  expect(await page.evaluate(() => Object.keys(localStorage).filter((id) => id.startsWith('oss-multipart:')))).toEqual([]);
  await expect(page.locator('#resumable').isHidden()).resolves.toBe(true);
  await page.close();
  page = undefined as unknown as Page;
});

test('a part whose PUT fails once is retried and the upload completes intact', async () => {
  const { path, contents } = sourceFile('retry.pdf', 12 * MIB);
  const page = await openDemo(stack.url, 'sam');
  await page.check('input[name="mode"][value="multipart"]');
  let dropped = 0;
  await page.route(/[?&]partNumber=2&/, async (route) => {
    if (dropped === 0) {
      dropped += 1;
      return route.abort('connectionreset');
    }
    return route.continue();
  });
  await page.setInputFiles('#file-input', path);
  const result = await outcome(page, 0);
  expect([dropped, result.state]).toEqual([1, 'done']);
  expect(md5(stack.oss!.getObject(result.key!)!.body)).toBe(md5(contents));
  expect(partPuts(result.key!).length).toBe(3);
  await page.close();
});

test('Cancel aborts the upload at OSS and forgets its checkpoint', async () => {
  const { path } = sourceFile('cancel.png', 12 * MIB);
  const page = await openDemo(stack.url, 'tom');
  await page.check('input[name="mode"][value="multipart"]');
  await page.route(/[?&]partNumber=/, () => undefined); // no part ever finishes
  const started = page.waitForResponse((response) => response.url().endsWith('/api/sign-url'));
  await page.setInputFiles('#file-input', path);
  const { key, uploadId: handle } = (await (await started).json()) as { key: string; uploadId: string };
  const uploadId = ossUploadIdOf(handle);
  expect(stack.oss!.listUploads().some((upload) => upload.uploadId === uploadId)).toBe(true);
  await page.getByRole('button', { name: 'Cancel cancel.png' }).click();
  expect((await outcome(page, 0)).state).toBe('Cancelled');
  for (let i = 0; i < 50 && stack.oss!.listUploads().some((upload) => upload.uploadId === uploadId); i += 1) await page.waitForTimeout(100);
  expect(stack.oss!.listUploads().some((upload) => upload.uploadId === uploadId)).toBe(false);
  expect(stack.oss!.getObject(key)).toBeUndefined();
  expect(await page.evaluate(() => Object.keys(localStorage).filter((id) => id.startsWith('oss-multipart:')))).toEqual([]);
  await page.close();
});

test('auto: one PUT up to 10 MiB, parts above', async () => {
  const page = await openDemo(stack.url, 'uma');
  await page.check('input[name="mode"][value="auto"]');
  const small = sourceFile('small.png', 200 * 1024);
  await page.setInputFiles('#file-input', small.path);
  const one = await outcome(page, 0);
  const large = sourceFile('large.png', 11 * MIB);
  await page.setInputFiles('#file-input', large.path);
  const parts = await outcome(page, 1);
  const operationsOf = (key: string): string[] =>
    ossLog
      // upload-completed's own read of each new object (GetObject, its role's key) is not the browser's; sign-url's
      // look for a pending object while the page asks for the verdict lists the bucket, a path of its own.
      .filter((entry) => entry.operation !== 'Preflight' && entry.operation !== 'GetObject' && decodeURIComponent(entry.path).endsWith(key))
      .map((entry) => entry.operation ?? '');
  expect(operationsOf(one.key!)).toEqual(['PutObject']);
  expect(operationsOf(parts.key!)).toEqual([
    'InitiateMultipartUpload',
    'UploadPart',
    'UploadPart',
    'UploadPart',
    'ListParts',
    'CompleteMultipartUpload',
  ]);
  expect(md5(stack.oss!.getObject(parts.key!)!.body)).toBe(md5(large.contents));
  await page.close();
});

test('part URLs that expire on the way are renewed with PARTS and the part is sent again', async () => {
  const shortLived = await startDevStack({
    port: 0,
    ossPort: 0,
    stsPort: 0,
    env: { MAX_UPLOAD_BYTES: String(40 * MIB), SIGNED_URL_TTL_SECONDS: '10' },
    ossLog: (entry) => void ossLog.push(entry),
  });
  try {
    const { path, contents } = sourceFile('slow.png', 12 * MIB);
    const page = await openDemo(shortLived.url, 'vera');
    await page.check('input[name="mode"][value="multipart"]');
    const methods: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/api/sign-url')) methods.push(String((request.postDataJSON() as { method?: string }).method));
    });
    let held = false;
    await page.route(/[?&]partNumber=2&/, async (route) => {
      if (!held) {
        held = true;
        await new Promise((resolve) => setTimeout(resolve, 11_000)); // its URL is now past its 10 s
      }
      await route.continue();
    });
    await page.setInputFiles('#file-input', path);
    const result = await outcome(page, 0);
    expect(result.state).toBe('done');
    // Then the verdict, asked until upload-completed has judged the object.
    expect(methods.filter((method) => method !== 'VERDICT')).toEqual(['MULTIPART', 'PARTS', 'COMPLETE']);
    expect(methods.slice(3).length).toBeGreaterThan(0);
    expect(methods.slice(3).every((method) => method === 'VERDICT')).toBe(true);
    expect(partPuts(result.key!).map((entry) => [entry.status, entry.code ?? null])).toContainEqual([403, 'AccessDenied']);
    expect(md5(shortLived.oss!.getObject(result.key!)!.body)).toBe(md5(contents));
    await page.close();
  } finally {
    await shortLived.close();
  }
}, 60_000);
