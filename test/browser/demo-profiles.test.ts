/**
 * The demo page with the example profiles file (avatar and documents) in a real headless Chromium: the page offers
 * both profiles, and uploads to each through the browser client's `profile` option: the avatar's one key replaced
 * by each new upload, documents under their own folder, a type the chosen profile refuses said on the page.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startDevStack, type DevStack } from '../../local/dev-stack';
import { sampleJpeg, samplePdf, samplePng } from '../../local/sample-files';
import { launchChromium } from '../support/browser';
import { registerAnswer } from '../support/log-capture';

const root = join(__dirname, '..', '..');
const example = {
  name: 'upload-profiles.example.json',
  document: JSON.parse(readFileSync(join(root, 'upload-profiles.example.json'), 'utf8')) as unknown,
};

let stack: DevStack;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  [stack, browser] = await Promise.all([startDevStack({ port: 0, ossPort: 0, stsPort: 0, profilesFile: example }), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});
beforeEach(async () => {
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('response', (response) => {
    if (new URL(response.url()).pathname.startsWith('/api/')) response.json().then(registerAnswer, () => undefined);
  });
  await page.goto(`${stack.url}/`);
  await page.fill('#user-name', 'hana');
  await page.click('#signin-button');
  await page.waitForSelector('text=Signed in as hana.');
});
afterEach(() => page.close());

const md5 = (buffer: Buffer): string => createHash('md5').update(buffer).digest('hex');

/** Picks the profile and mode, uploads one file, waits for its outcome: the uploaded row's key, or the error. */
async function upload(
  profile: 'avatar' | 'documents',
  mode: 'put' | 'post' | 'sts' | 'auto',
  file: { name: string; mimeType: string; buffer: Buffer },
): Promise<{ state: string | null; key: string | null }> {
  await page.check(`input[name="profile"][value="${profile}"]`);
  await page.check(`input[name="mode"][value="${mode}"]`);
  const rowsBefore = await page.locator('#uploaded tbody tr').count();
  const itemsBefore = await page.locator('#transfers li').count();
  await page.setInputFiles('#file-input', file);
  await page.waitForFunction(
    (index) => (document.querySelectorAll('#transfers li')[index] as HTMLElement | undefined)?.dataset['state'] !== undefined,
    itemsBefore,
  );
  const state = await page.locator('#transfers li').nth(itemsBefore).getAttribute('data-state');
  if (state !== 'done') return { state, key: null };
  const row = page.locator('#uploaded tbody tr').nth(rowsBefore);
  await row.and(page.locator('[data-webhook]')).waitFor({ timeout: 15_000 });
  expect(await row.getAttribute('data-verdict')).toBe('accepted');
  expect(await row.getAttribute('data-webhook')).toBe('verified');
  expect(await row.getAttribute('data-profile')).toBe(profile);
  return { state, key: await row.getAttribute('data-key') };
}

test('the page offers the two profiles, saying what each takes', async () => {
  // The page asks /api/config for them on its own time, maybe after signing in: waited for, not read at once.
  await page.locator('#profiles').waitFor({ state: 'visible', timeout: 10_000 });
  await expect(
    page.locator('input[name="profile"]').evaluateAll((inputs) => inputs.map((input) => (input as HTMLInputElement).value)),
  ).resolves.toEqual(['avatar', 'documents']);
  await expect(page.locator('#profile-note').textContent()).resolves.toBe(
    'image/jpeg, image/png, image/webp, up to 2 MiB; one file per user: a new upload replaces it; by PUT, POST',
  );
  await page.check('input[name="profile"][value="documents"]');
  await expect(page.locator('#profile-note').textContent()).resolves.toBe(
    'application/pdf, up to 50 MiB; by PUT, POST, MULTIPART, STS; at most 20 files and 200 MiB per user',
  );
});

test('avatar: a PNG by PUT, then a JPEG by POST, each the one avatar of the user, the second replacing the first', async () => {
  const first = await upload('avatar', 'put', { name: 'me.png', mimeType: 'image/png', buffer: samplePng(20 * 1024) });
  expect(first.key).toBe('users/hana/avatar/current');
  const jpeg = sampleJpeg(30 * 1024);
  const second = await upload('avatar', 'post', { name: 'me.jpg', mimeType: 'image/jpeg', buffer: jpeg });
  expect(second.key).toBe(first.key);
  expect(stack.oss!.getObject('users/hana/avatar/current')).toMatchObject({ contentType: 'image/jpeg' });
  expect(md5(stack.oss!.getObject('users/hana/avatar/current')!.body)).toBe(md5(jpeg));
  expect(stack.oss!.listKeys().filter((key) => key.startsWith('users/hana/avatar/'))).toEqual(['users/hana/avatar/current']);
  expect(pageErrors).toEqual([]);
});

test('documents: a PDF by PUT and one by STS, each under the documents folder', async () => {
  const pdf = samplePdf(40 * 1024);
  const put = await upload('documents', 'auto', { name: 'report.pdf', mimeType: 'application/pdf', buffer: pdf });
  expect(put.key).toMatch(/^users\/hana\/documents\/\d{4}\/\d{2}\/[A-Za-z0-9_-]{22}\.pdf$/);
  expect(md5(stack.oss!.getObject(put.key!)!.body)).toBe(md5(pdf));
  const sts = await upload('documents', 'sts', { name: 'scan.pdf', mimeType: 'application/pdf', buffer: samplePdf(150 * 1024) });
  expect(sts.key).toMatch(/^users\/hana\/documents\/sts\/\d{4}\/\d{2}\/[A-Za-z0-9_-]{22}\.pdf$/);
});

test('a file the chosen profile refuses: the page says why, and nothing lands', async () => {
  const refused = await upload('avatar', 'put', { name: 'report.pdf', mimeType: 'application/pdf', buffer: samplePdf(2000) });
  expect(refused.state).toBe('TypeNotAllowed');
  await expect(page.locator('#error').textContent()).resolves.toContain('report.pdf');
  const sts = await upload('avatar', 'sts', { name: 'me.png', mimeType: 'image/png', buffer: samplePng(2000) });
  expect(sts.state).not.toBe('done');
  await expect(page.locator('#error').textContent()).resolves.toContain('does not allow STS');
});
