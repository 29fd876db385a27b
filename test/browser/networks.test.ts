/**
 * The browser client through bad networks, in a real Chromium, through the demo page, against the local stack:
 * 20 s offline in the middle of a multipart upload (Chromium's network emulation, as DevTools' "Offline" does:
 * `navigator.onLine` false, the `offline` event, every new request failing) and
 * the upload goes on by itself once the browser is back online; a link so slow that four parts at once would not be
 * in before their URLs expire, against an OSS emulator that judges expiry once a part is in (the stricter server),
 * and the client sends fewer parts at once, each within its URL's lifetime; and Pause then Resume.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { startDevStack, type DevStack } from '../../local/dev-stack';
import type { OssRequestLog } from '../../local/oss-emulator';
import { samplePng } from '../../local/sample-files';
import { launchChromium } from '../support/browser';
import { registerAnswer } from '../support/log-capture';
import { tempFolder } from '../support/temp-folder';

const MIB = 1024 * 1024;
let browser: Browser;
const folder = tempFolder('networks-browser-');

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(() => browser?.close());

async function withStack(
  options: Parameters<typeof startDevStack>[0],
  run: (stack: DevStack, log: OssRequestLog[]) => Promise<void>,
): Promise<void> {
  const log: OssRequestLog[] = [];
  const stack = await startDevStack({ port: 0, ossPort: 0, stsPort: 0, ...options, ossLog: (entry) => void log.push(entry) });
  try {
    await run(stack, log);
  } finally {
    await stack.close();
  }
}

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
  await page.check('input[name="mode"][value="multipart"]');
  return page;
}

/**
 * Uploads from this page go no faster than `bytesPerSecond` (Chromium's network emulation, shared by all requests).
 * Offline is set on the same session: conditions set by another session (playwright's `setOffline`) do not apply to
 * a page this session throttles.
 */
async function throttle(page: Page, bytesPerSecond: number): Promise<CDPSession> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: bytesPerSecond,
  });
  return cdp;
}

function sourceFile(name: string, size: number): { path: string; contents: Buffer } {
  const contents = samplePng(size);
  const path = join(folder, name);
  writeFileSync(path, contents);
  return { path, contents };
}

const md5 = (data: Buffer): string => createHash('md5').update(data).digest('hex');

/** The transfer's final state and, when done, its key. */
async function outcome(page: Page, timeout: number): Promise<{ state: string | null; key: string | null; error: string | null }> {
  await page.waitForFunction(() => document.querySelector<HTMLElement>('#transfers li')?.dataset['state'] !== undefined, undefined, {
    timeout,
  });
  const state = await page.locator('#transfers li').getAttribute('data-state');
  const key = state === 'done' ? await page.locator('#uploaded tbody tr').last().getAttribute('data-key') : null;
  return { state, key, error: await page.locator('#error').textContent() };
}

test('20 s offline in the middle of a multipart upload: it waits, goes on when the browser is online, and lands intact', async () => {
  await withStack({ env: { MAX_UPLOAD_BYTES: String(40 * MIB) } }, async (stack, log) => {
    const { path, contents } = sourceFile('offline.png', 30 * MIB);
    const page = await openDemo(stack.url, 'olga');
    const network = await throttle(page, 4 * MIB); // slow enough to be half-way for a while
    await page.setInputFiles('#file-input', path);
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>('#transfers li')?.dataset['partsDone'] ?? 0) >= 2);

    await network.send('Network.emulateNetworkConditions', {
      offline: true,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 4 * MIB,
    });
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#transfers li')?.dataset['status'] === 'waiting');
    await expect(page.locator('#transfers li .state').textContent()).resolves.toMatch(/^Offline: trying again in \d+ s/);
    await page.waitForTimeout(20_000);
    // Still waiting, not failed: the old client gave up after about 5 s.
    expect(await page.locator('#transfers li').getAttribute('data-state')).toBeNull();
    const doneBefore = Number(await page.locator('#transfers li').getAttribute('data-parts-done'));
    const putsBefore = log.filter((entry) => entry.operation === 'UploadPart' && entry.status === 200).length;
    await network.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    const onlineAt = Date.now();
    const result = await outcome(page, 60_000);
    // At once on the browser's online event, not after the backoff (by then up to 30 s).
    expect(Date.now() - onlineAt).toBeLessThan(8000);
    expect(result).toEqual({ state: 'done', key: expect.stringMatching(/^users\/olga\//), error: '' });
    expect(md5(stack.oss!.getObject(result.key!)!.body)).toBe(md5(contents));
    // Back online, exactly the parts the page had not seen done went up: none it had was sent again.
    expect(doneBefore).toBeGreaterThanOrEqual(2);
    expect(log.filter((entry) => entry.operation === 'UploadPart' && entry.status === 200).length - putsBefore).toBe(6 - doneBefore);
    await page.close();
  });
}, 120_000);

test('a link too slow for four parts within a URL lifetime (20 s, expiry judged once a part is in): fewer parts at once, none refused', async () => {
  await withStack({ env: { MAX_UPLOAD_BYTES: String(40 * MIB), SIGNED_URL_TTL_SECONDS: '20' }, ossChecksAt: 'end' }, async (stack, log) => {
    const { path, contents } = sourceFile('slow.png', 12 * MIB + 5); // 5 + 5 + 2 MiB
    const page = await openDemo(stack.url, 'pia');
    // 600 KiB/s: one 5 MiB part takes 8.5 s; three at once would take 26 s each, past their 20 s.
    await throttle(page, 600 * 1024);
    await page.setInputFiles('#file-input', path);
    const result = await outcome(page, 90_000);
    expect(result).toEqual({ state: 'done', key: expect.stringMatching(/^users\/pia\//), error: '' });
    expect(md5(stack.oss!.getObject(result.key!)!.body)).toBe(md5(contents));
    expect(log.filter((entry) => entry.operation === 'UploadPart').map((entry) => [entry.status, entry.code ?? null])).toEqual([
      [200, null],
      [200, null],
      [200, null],
    ]);
    await page.close();
  });
}, 120_000);

test('Pause stops sending, Resume goes on with the parts OSS does not hold yet', async () => {
  await withStack({ env: { MAX_UPLOAD_BYTES: String(40 * MIB) } }, async (stack, log) => {
    const { path, contents } = sourceFile('paused.png', 30 * MIB);
    const page = await openDemo(stack.url, 'quinn');
    await throttle(page, 8 * MIB);
    await page.setInputFiles('#file-input', path);
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>('#transfers li')?.dataset['partsDone'] ?? 0) >= 1);
    await page.getByRole('button', { name: 'Pause paused.png' }).click();
    await expect(page.locator('#transfers li .state').textContent()).resolves.toBe('Paused.');
    const partsAtPause = log.filter((entry) => entry.operation === 'UploadPart').length;
    await page.waitForTimeout(3000);
    expect(log.filter((entry) => entry.operation === 'UploadPart').length).toBe(partsAtPause);
    await page.getByRole('button', { name: 'Resume paused.png' }).click();
    const result = await outcome(page, 60_000);
    expect(result.state).toBe('done');
    expect(md5(stack.oss!.getObject(result.key!)!.body)).toBe(md5(contents));
    await page.close();
  });
}, 90_000);
