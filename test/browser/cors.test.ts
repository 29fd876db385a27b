/**
 * What a frontend sees when the bucket is set up wrong: the browser client names the CORS cause instead of
 * failing silently. The stack runs in-process here, with a bucket CORS rule that forgets something.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { startDevStack, type DevStack } from '../../local/dev-stack';
import { launchChromium } from '../support/browser';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(() => browser.close());

async function uploadWith(stack: DevStack, mode: 'put' | 'sts'): Promise<{ state: string | null; text: string | null; page: Page }> {
  const page = await browser.newPage();
  await page.goto(`${stack.url}/`);
  await page.click('#signin-button');
  await page.waitForSelector('text=Signed in as alice.');
  await page.check(`input[name="mode"][value="${mode}"]`);
  await page.setInputFiles('#file-input', { name: 'a.png', mimeType: 'image/png', buffer: randomBytes(250 * 1024) });
  await page.waitForFunction(() => document.querySelector<HTMLElement>('#transfers li')?.dataset['state'] !== undefined);
  return { state: await page.locator('#transfers li').getAttribute('data-state'), text: await page.locator('#error').textContent(), page };
}

test('a bucket whose CORS rule does not allow the page origin: the error names CORS', async () => {
  const stack = await startDevStack({
    port: 0,
    ossPort: 0,
    stsPort: 0,
    env: {},
    bucketCorsRule: {
      allowedOrigins: ['https://elsewhere.example.com'],
      allowedMethods: ['PUT', 'POST'],
      allowedHeaders: ['*'],
      exposeHeaders: ['ETag'],
      maxAgeSeconds: 60,
    },
  });
  try {
    const result = await uploadWith(stack, 'put');
    expect(result.state).toBe('Blocked');
    expect(result.text).toMatch(/CORS rule/);
    await result.page.close();
  } finally {
    await stack.close();
  }
});

test('a bucket that does not expose ETag: STS multipart says so', async () => {
  const stack = await startDevStack({
    port: 0,
    ossPort: 0,
    stsPort: 0,
    env: {},
    bucketCorsRule: {
      allowedOrigins: ['*'],
      allowedMethods: ['PUT', 'POST', 'GET', 'HEAD'],
      allowedHeaders: ['*'],
      exposeHeaders: ['x-oss-request-id'],
      maxAgeSeconds: 60,
    },
  });
  try {
    const result = await uploadWith(stack, 'sts');
    expect(result.state).toBe('EtagNotExposed');
    await result.page.close();
  } finally {
    await stack.close();
  }
});
