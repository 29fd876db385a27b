/**
 * The demo page and the browser client in a real headless Chromium, against the stack `npm start` runs:
 * each upload mode lands the file intact and shows the verdict the uploader got (accepted) beside what the app's
 * webhook was told, a file upload-completed removes is shown as rejected with the reason in words, POST mode shows
 * the size error, multipart reports progress. Files are real PNGs and PDFs (with random payloads): upload-completed removes
 * bytes that are not what their type says.
 */
import { createHash, randomBytes } from 'node:crypto';
import { samplePdf, samplePng } from '../../local/sample-files';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { registerAnswer } from '../support/log-capture';
import { npmStart, type StartedStack } from '../support/npm-start';

const MAX_UPLOAD_BYTES = 600 * 1024;
let stack: StartedStack;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  [stack, browser] = await Promise.all([npmStart({ MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) }), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});
beforeEach(async () => {
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('response', (response) => {
    if (new URL(response.url()).pathname.startsWith('/api/')) response.json().then(registerAnswer, () => undefined);
  });
  await page.goto(`${stack.url}/`);
  await page.fill('#user-name', 'walter');
  await page.click('#signin-button');
  await page.waitForSelector('text=Signed in as walter.');
});
afterEach(async () => {
  await page.close();
});

async function uploadThroughPage(
  mode: 'put' | 'post' | 'sts',
  name: string,
  contents: Buffer,
  mimeType = 'image/png',
): Promise<{ state: string | null; key: string | null; size: string | null; progressEvents: number }> {
  await page.check(`input[name="mode"][value="${mode}"]`);
  const rowsBefore = await page.locator('#uploaded tbody tr').count();
  const itemsBefore = await page.locator('#transfers li').count();
  await page.setInputFiles('#file-input', { name, mimeType, buffer: contents });
  const item = page.locator('#transfers li').nth(itemsBefore);
  await item.waitFor();
  await page.waitForFunction((index) => {
    const li = document.querySelectorAll('#transfers li')[index] as HTMLElement | undefined;
    return li?.dataset['state'] !== undefined;
  }, itemsBefore);
  const state = await item.getAttribute('data-state');
  const progressEvents = Number((await item.getAttribute('data-progress-events')) ?? '0');
  if (state !== 'done') return { state, key: null, size: null, progressEvents };
  const row = page.locator('#uploaded tbody tr').nth(rowsBefore);
  return { state, key: await row.getAttribute('data-key'), size: await row.getAttribute('data-size'), progressEvents };
}

async function storedObject(key: string): Promise<{ size: number; md5: string; contentType: string } | undefined> {
  const listing = (await (await fetch(`${stack.url}/api/dev-objects?prefix=${encodeURIComponent(key)}`)).json()) as {
    objects: Array<{ key: string; size: number; md5: string; contentType: string }>;
  };
  return listing.objects.find((object) => object.key === key);
}

const md5 = (buffer: Buffer): string => createHash('md5').update(buffer).digest('hex');

/** The uploaded row of `key`: the verdict the uploader got, in words, and what the app's webhook was told, once it was. */
async function rowShown(
  key: string,
): Promise<{ verdict: string | null; words: string | null; reason: string | null; webhook: string | null }> {
  const row = page.locator(`#uploaded tbody tr[data-key="${key}"]`);
  await row.and(page.locator('[data-webhook]')).waitFor({ timeout: 15_000 });
  return {
    verdict: await row.getAttribute('data-verdict'),
    words: await row.locator('td').nth(3).textContent(),
    reason: await row.getAttribute('data-reason'),
    webhook: await row.getAttribute('data-webhook'),
  };
}

test.each(['put', 'post', 'sts'] as const)('%s mode: the file is listed and lands intact', async (mode) => {
  const contents = samplePng(mode === 'sts' ? 150 * 1024 : 20 * 1024);
  const result = await uploadThroughPage(mode, `pic-${mode}.png`, contents);
  expect(result.state).toBe('done');
  // STS mode writes in the user's STS folder, beside (never among) the keys sign-url issues.
  const folder = mode === 'sts' ? 'sts/' : '';
  expect(result.key).toMatch(new RegExp(`^users/walter/${folder}\\d{4}/\\d{2}/[A-Za-z0-9_-]{22}\\.png$`));
  expect(result.size).toBe(String(contents.length));
  expect(await storedObject(result.key!)).toEqual({ key: result.key, size: contents.length, md5: md5(contents), contentType: 'image/png' });
  // upload-completed judged it: the page was told before it called the file uploaded, and the stack's receiver
  // verified the signed webhook the app got.
  await expect(rowShown(result.key!)).resolves.toEqual({ verdict: 'accepted', words: 'accepted', reason: null, webhook: 'verified' });
  expect(await storedObject(result.key!)).toBeDefined();
  expect(pageErrors).toEqual([]);
});

/** The rejected upload's row (the page lists it with its key from the error). */
async function rejectedRow(): Promise<string> {
  const key = await page.locator('#uploaded tbody tr[data-verdict="rejected"]').last().getAttribute('data-key');
  if (key === null) throw new Error('no rejected row');
  return key;
}

test.each([
  [
    'HTML bytes named .png',
    'cat.png',
    'image/png',
    Buffer.from('<!doctype html><html><script>alert(document.domain)</script></html>'),
    'ActiveContent',
    'The upload was rejected: the file holds web page or script markup (HTML, SVG or XML) that a browser could run.',
  ],
  [
    'a zero-filled .png',
    'zeros.png',
    'image/png',
    Buffer.alloc(30 * 1024),
    'ContentMismatch',
    "The upload was rejected: the file's contents are not a PNG image.",
  ],
  [
    'a PNG renamed .jpg',
    'holiday.jpg',
    'image/jpeg',
    samplePng(30 * 1024),
    'ContentMismatch',
    "The upload was rejected: the file's contents are not a JPEG image (they look like a PNG image).",
  ],
] as const)('%s lands, is removed, and the page shows it rejected, in words', async (_name, name, type, contents, reason, words) => {
  const result = await uploadThroughPage('put', name, contents, type);
  expect(result.state).toBe('Rejected');
  const item = page.locator('#transfers li').last();
  await expect(item.locator('.state').textContent()).resolves.toBe(words);
  await expect(page.locator('#error').textContent()).resolves.toBe(`${name}: ${words}`);
  const key = await rejectedRow();
  expect(key).toMatch(/^users\/walter\/\d{4}\/\d{2}\/[A-Za-z0-9_-]{22}\.(png|jpg)$/);
  await expect(rowShown(key)).resolves.toEqual({ verdict: 'rejected', words, reason, webhook: `rejected: ${reason}` });
  expect(await storedObject(key)).toBeUndefined();
  expect(pageErrors).toEqual([]);
});

test('POST mode: an over-size file shows the size error and nothing lands', async () => {
  const result = await uploadThroughPage('post', 'huge.png', randomBytes(MAX_UPLOAD_BYTES + 1));
  expect(result.state).toBe('TooLarge');
  await expect(page.locator('#error').textContent()).resolves.toContain('too large');
  // In the units the limit is written in (600 KiB), not in bytes.
  await expect(page.locator('#error').textContent()).resolves.toContain('over the limit of 600 KiB');
});

test('STS multipart: progress is reported more than once and the upload completes', async () => {
  const contents = samplePdf(450 * 1024);
  const result = await uploadThroughPage('sts', 'big.pdf', contents, 'application/pdf');
  expect(result.state).toBe('done');
  expect(result.progressEvents).toBeGreaterThan(1);
  expect(await storedObject(result.key!)).toMatchObject({ size: contents.length, md5: md5(contents) });
});

test('a type the server refuses shows its reason', async () => {
  const result = await uploadThroughPage('put', 'page.html', Buffer.from('<script>alert(1)</script>'), 'text/html');
  expect(result.state).toBe('TypeNotAllowed');
  await expect(page.locator('#error').textContent()).resolves.toContain('cannot be uploaded');
});

test('STS multipart: a failed part is retried from the checkpoint and the upload completes intact', async () => {
  let failed = 0;
  // The network drops the first attempt at part 2, once.
  await page.route(/[?&]partNumber=2&/, async (route) => {
    if (failed === 0) {
      failed += 1;
      await route.abort('connectionreset');
      return;
    }
    await route.continue();
  });
  const contents = samplePng(350 * 1024);
  const result = await uploadThroughPage('sts', 'resume.png', contents);
  expect(failed).toBe(1);
  expect(result.state).toBe('done');
  expect(await storedObject(result.key!)).toMatchObject({ size: contents.length, md5: md5(contents) });
});

test('Cancel stops an upload in flight and says so', async () => {
  // The parts are held at the network until Cancel has been pressed, so the upload is in flight then however fast or
  // slow this machine is (a fixed delay let a slow run press Cancel after the upload was over). Once pressed, the held
  // parts go on to OSS: ali-oss does not abort the parts it has sent, and the upload must stop all the same.
  const errorsBefore = pageErrors.length;
  let pressed!: () => void;
  const cancelPressed = new Promise<void>((resolve) => (pressed = resolve));
  const partsSent: Array<Promise<void>> = [];
  await page.route(/[?&]partNumber=/, (route) => {
    const sent = cancelPressed.then(() => route.continue()).catch(() => undefined);
    partsSent.push(sent);
    return sent;
  });
  const firstPart = page.waitForRequest(/[?&]partNumber=/);
  const completes: string[] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && /[?&]uploadId=/.test(request.url())) completes.push(request.url());
  });
  await page.check('input[name="mode"][value="sts"]');
  await page.setInputFiles('#file-input', { name: 'cancel-me.png', mimeType: 'image/png', buffer: samplePng(600 * 1024) });
  const key = decodeURIComponent(new URL((await firstPart).url()).pathname.slice(1));
  const item = page.locator('#transfers li').last();
  await item.getByRole('button', { name: /Cancel cancel-me.png/ }).click();
  pressed();
  await page.waitForFunction(() => document.querySelector<HTMLElement>('#transfers li:last-child')?.dataset['state'] !== undefined);
  expect(await item.getAttribute('data-state')).toBe('Cancelled');
  await expect(item.locator('.state').textContent()).resolves.toBe('The upload was cancelled.');
  await Promise.all(partsSent);
  expect(completes).toEqual([]);
  expect(key).toMatch(/^users\/walter\/sts\/\d{4}\/\d{2}\/[A-Za-z0-9_-]{22}\.png$/);
  expect(await storedObject(key)).toBeUndefined();
  expect(pageErrors.slice(errorsBefore)).toEqual([]);
});

test('keyboard: the controls are reachable with Tab and focus is visible', async () => {
  await page.focus('#user-name');
  const order: string[] = [];
  for (let i = 0; i < 6; i += 1) {
    await page.keyboard.press('Tab');
    order.push(
      await page.evaluate(() => `${document.activeElement?.tagName}:${(document.activeElement as HTMLInputElement | null)?.type ?? ''}`),
    );
  }
  expect(order).toContain('BUTTON:submit');
  expect(order.some((entry) => entry === 'INPUT:radio')).toBe(true);
  expect(order).toContain('INPUT:file');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle);
  expect(outline).not.toBe('none');
});
