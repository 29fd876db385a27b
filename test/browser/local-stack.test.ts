/**
 * `npm start` used as a frontend developer uses it (issue 13): a page on another origin (a second small server on
 * loopback, like a Vite dev server on :5173) named in ALLOWED_ORIGINS uploads through the stack in every mode and
 * reads `Location` from a POST upload; a page on an origin not named is blocked; and a DNS-rebinding page, whose
 * name Chromium resolves to 127.0.0.1, gets a 403 from every route of the dev server and the OSS emulator.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import OSS from 'ali-oss';
import type { Browser, Page } from 'playwright-core';
import { LOCAL_BUCKET, LOCAL_REGION, LOCAL_ROOT_KEY } from '../../local/local-account';
import { launchChromium } from '../support/browser';
import { registerAnswer } from '../support/log-capture';
import { npmStart, type StartedStack } from '../support/npm-start';

const DIST_WEB = join(__dirname, '..', '..', 'dist', 'web');

/** The other origin's page: the browser client, ali-oss's browser build, and two helpers the test calls. */
/**
 * A PNG of `size` bytes (at least 57) the page builds in the browser: a real signature and header, the rest a
 * predictable pattern in an ancillary chunk. upload-completed removes uploads whose bytes are not what their type says.
 */
function pagePng(size: number): Uint8Array {
  const out = new Uint8Array(size);
  out.set([
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0, 0, 0, 0,
  ]);
  const length = size - 57;
  new DataView(out.buffer).setUint32(33, length);
  out.set([0x72, 0x6e, 0x44, 0x6d], 37);
  for (let i = 0; i < length; i += 1) out[41 + i] = (i * 7) % 251;
  out.set([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82], size - 12);
  return out;
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>another origin</title>
<script src="/vendor/aliyun-oss-sdk.min.js"></script>
<script type="module">
  import { upload } from '/upload-client.js';
  const bytes = ${pagePng.toString()};
  window.uploadThrough = async (stack, token, mode, size, path) => {
    const file = new File([bytes(size)], 'pic.png', { type: 'image/png' });
    const endpoint = stack + (path ?? (mode === 'sts' ? '/api/sts-token' : '/api/sign-url'));
    try {
      const result = await upload(file, { endpoint, mode, getToken: () => token, partSize: 100 * 1024 });
      return { ok: true, key: result.key, size: result.size };
    } catch (error) {
      return { ok: false, code: error.code, message: error.message };
    }
  };
  window.postReadingLocation = async (stack, token, size) => {
    const answer = await fetch(stack + '/api/sign-url', {
      method: 'POST',
      headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' },
      body: JSON.stringify({ filename: 'where.png', contentType: 'image/png', size, method: 'POST' }),
    });
    const signed = await answer.json();
    const form = new FormData();
    for (const [name, value] of Object.entries(signed.fields)) form.append(name, value);
    form.append('file', new Blob([bytes(size)], { type: 'image/png' }), 'where.png');
    const response = await fetch(signed.url, { method: 'POST', body: form });
    return { status: response.status, location: response.headers.get('Location'), key: signed.key };
  };
  window.ready = true;
</script>`;

let stack: StartedStack;
let pageServer: Server;
let pagePort: number;
let browser: Browser;
const pages: Page[] = [];

beforeAll(async () => {
  pageServer = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://page').pathname;
    const file =
      path === '/upload-client.js' ? 'upload-client.js' : path === '/vendor/aliyun-oss-sdk.min.js' ? 'vendor/aliyun-oss-sdk.min.js' : '';
    if (path === '/') return void response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    if (file === '') return void response.writeHead(404).end();
    readFile(join(DIST_WEB, file)).then(
      (content) => response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(content),
      () => response.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  pagePort = (pageServer.address() as AddressInfo).port;
  // npm start builds dist/web first; the page server reads it on each request, after that.
  [stack, browser] = await Promise.all([npmStart({ ALLOWED_ORIGINS: `http://localhost:${pagePort}` }), launchChromium()]);
}, 90_000);
afterAll(async () => {
  await Promise.all(pages.map((page) => page.close()));
  await browser?.close();
  await stack?.stop();
  await new Promise((resolve) => pageServer?.close(resolve));
});

async function pageOn(origin: string): Promise<Page> {
  const page = await browser.newPage();
  pages.push(page);
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
  return page;
}

async function devToken(user: string): Promise<string> {
  const answer = (await (await fetch(`${stack.url}/api/dev-token?user=${user}`)).json()) as { token: string };
  registerAnswer(answer);
  return answer.token;
}

async function storedSize(key: string): Promise<number | undefined> {
  const listing = (await (await fetch(`${stack.url}/api/dev-objects?prefix=${encodeURIComponent(key)}`)).json()) as {
    objects: Array<{ key: string; size: number }>;
  };
  return listing.objects.find((object) => object.key === key)?.size;
}

test('a page on a listed origin calling a wrong path reads the routes, not a CORS error blaming ALLOWED_ORIGINS', async () => {
  const page = await pageOn(`http://localhost:${pagePort}`);
  const token = await devToken('vite');
  const result = (await page.evaluate(
    ([url, jwt]) =>
      (window as unknown as { uploadThrough: (...args: unknown[]) => Promise<unknown> }).uploadThrough(
        url,
        jwt,
        'put',
        1000,
        '/api/sign-url/',
      ),
    [stack.url, token] as const,
  )) as { ok: boolean; code?: string; message?: string };
  expect(result).toMatchObject({ ok: false, code: 'Refused' });
  expect(result.message).toContain('no route POST /api/sign-url/ (did you mean /api/sign-url?)');
});

test('at a wrong path, only a listed origin gets CORS headers (preflight and 404 alike)', async () => {
  const ask = (origin: string, method: string): Promise<Response> =>
    fetch(`${stack.url}/api/sign-url/`, {
      method,
      headers: { origin, ...(method === 'OPTIONS' ? { 'access-control-request-method': 'POST' } : {}) },
    });
  const listed = `http://localhost:${pagePort}`;
  const preflight = await ask(listed, 'OPTIONS');
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get('access-control-allow-origin')).toBe(listed);
  const notFound = await ask(listed, 'POST');
  expect(notFound.status).toBe(404);
  expect(notFound.headers.get('access-control-allow-origin')).toBe(listed);
  for (const method of ['OPTIONS', 'POST']) {
    const other = await ask('http://elsewhere.example', method);
    expect(other.status).toBe(404);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  }
});

test('npm start says it took ALLOWED_ORIGINS from the environment', () => {
  expect(stack.output()).toContain(`ALLOWED_ORIGINS = http://localhost:${pagePort} (added to the demo page's origins)`);
});

test.each([
  ['put', 20 * 1024],
  ['post', 20 * 1024],
  ['sts', 250 * 1024],
] as const)(
  'a page on an origin listed in ALLOWED_ORIGINS uploads through npm start: %s mode',
  async (mode, size) => {
    const page = await pageOn(`http://localhost:${pagePort}`);
    const token = await devToken('vite');
    const result = (await page.evaluate(
      ([url, jwt, how, bytes]) =>
        (window as unknown as { uploadThrough: (...args: unknown[]) => Promise<unknown> }).uploadThrough(url, jwt, how, bytes),
      [stack.url, token, mode, size] as const,
    )) as { ok: boolean; key?: string; size?: number; code?: string; message?: string };
    expect(result).toMatchObject({ ok: true, size });
    expect(result.key).toMatch(/^users\/vite\//);
    expect(await storedSize(result.key!)).toBe(size);
  },
  60_000,
);

test('a page on an origin not listed is blocked by CORS, and the error says so', async () => {
  // Same server, other origin: 127.0.0.1 is not localhost to a browser.
  const page = await pageOn(`http://127.0.0.1:${pagePort}`);
  const token = await devToken('stranger');
  const result = (await page.evaluate(
    ([url, jwt]) => (window as unknown as { uploadThrough: (...args: unknown[]) => Promise<unknown> }).uploadThrough(url, jwt, 'put', 100),
    [stack.url, token] as const,
  )) as { ok: boolean; code?: string };
  expect(result).toMatchObject({ ok: false, code: 'Blocked' });
}, 60_000);

test('POST upload: the browser can read Location (the bucket CORS rule exposes it), and it is the URL a client GETs the object at', async () => {
  const page = await pageOn(`http://localhost:${pagePort}`);
  const token = await devToken('uppy');
  const answer = (await page.evaluate(
    ([url, jwt]) =>
      (window as unknown as { postReadingLocation: (...args: unknown[]) => Promise<unknown> }).postReadingLocation(url, jwt, 4096),
    [stack.url, token] as const,
  )) as { status: number; location: string | null; key: string };
  expect(answer.status).toBe(201);
  expect(answer.location).toBe(`${stack.ossUrl}/${answer.key}`);
  // A client with read access presigns that very URL (ali-oss, endpoint form) and gets the bytes.
  const reader = new OSS({
    ...LOCAL_ROOT_KEY,
    bucket: LOCAL_BUCKET,
    region: `oss-${LOCAL_REGION}`,
    endpoint: stack.ossUrl!,
    cname: true,
    authorizationV4: true,
  });
  const signedGet = await reader.signatureUrlV4('GET', 60, {}, answer.key);
  expect(signedGet.startsWith(`${answer.location}?`)).toBe(true);
  const object = await fetch(signedGet);
  expect(object.status).toBe(200);
  expect(Buffer.from(await object.arrayBuffer()).equals(Buffer.from(pagePng(4096)))).toBe(true);
}, 60_000);

describe('DNS rebinding: a page whose own name resolves to 127.0.0.1', () => {
  let rebinding: Browser;
  beforeAll(async () => {
    rebinding = await launchChromium(['--host-resolver-rules=MAP rebind.test 127.0.0.1']);
  });
  afterAll(() => rebinding?.close());

  test('gets 403 from every route of the dev server, and reads no token, object list or grant', async () => {
    const port = new URL(stack.url).port;
    const page = await rebinding.newPage();
    const navigation = await page.goto(`http://rebind.test:${port}/`);
    expect(navigation?.status()).toBe(403);
    // Same-origin now, as far as the browser knows: CORS does not stand in the way, only the Host check.
    const answers = await page.evaluate(async () => {
      const read = async (path: string, init?: RequestInit) => {
        const response = await fetch(path, init);
        return { path, status: response.status, body: await response.text() };
      };
      const post = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' };
      return Promise.all([
        read('/api/dev-token?user=mallory'),
        read('/api/dev-objects?prefix='),
        read('/healthz'),
        read('/assets/upload-client.js'),
        read('/api/sign-url', post),
        read('/api/sts-token', post),
      ]);
    });
    for (const answer of answers) {
      expect(answer).toMatchObject({ status: 403, body: expect.stringContaining('DNS-rebinding') });
      expect(answer.body).not.toMatch(/token"|objects"|"url"/);
    }
    await page.close();
  }, 60_000);

  test('the OSS emulator refuses it too', async () => {
    const port = new URL(stack.ossUrl!).port;
    const page = await rebinding.newPage();
    const navigation = await page.goto(`http://rebind.test:${port}/users/vite/`);
    expect(navigation?.status()).toBe(403);
    expect(await navigation?.text()).toMatch(/DNS-rebinding/);
    await page.close();
  }, 60_000);
});
