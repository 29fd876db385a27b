/**
 * Authentication in the built bundles, run in bare folders: with AUTH_JWT_SECRET the shared secret verifies the
 * token; with AUTH_JWKS_URL the identity provider's tokens are verified against the key set it serves. Neither path
 * may touch Node's fetch: `fetch`, `Headers`, `Request` and `Response` are replaced by getters that record and throw
 * before the bundle loads, and Node's list of loaded modules must not name undici, while it names node:http (the key
 * set's transport) when a key set was fetched: the control that the list is read right.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { copyBuiltFunction } from '../support/built-function';
import { baseEnv } from '../support/env';
import { fcEvent } from '../support/fc-event';
import { hsToken, rsToken, rsaKeys } from '../support/tokens';
import { tempFolder } from '../support/temp-folder';

const RUNNER = `
const touched = [];
for (const name of ['fetch', 'Headers', 'Request', 'Response']) {
  Object.defineProperty(globalThis, name, { configurable: true, get() { touched.push(name); throw new Error(name + ' is off limits'); } });
}
const { handler } = require('./index.js');
const input = require('./input.json');
(async () => {
  const statuses = [];
  for (const e of input.events) statuses.push((await handler(Buffer.from(e, 'base64'), { requestId: 'auth' })).statusCode);
  const loaded = process.moduleLoadList;
  require('fs').writeFileSync('result.json', JSON.stringify({
    statuses,
    touched,
    undiciLoaded: loaded.some((entry) => /undici/.test(entry)),
    httpLoaded: loaded.includes('NativeModule http') || loaded.includes('NativeModule https'),
  }));
})();
`;

interface BundleRun {
  statuses: number[];
  /** The fetch globals the bundle reached for. */
  touched: string[];
  undiciLoaded: boolean;
  httpLoaded: boolean;
}

async function runBundle(name: string, env: Record<string, string | undefined>, events: Buffer[]): Promise<BundleRun> {
  const folder = copyBuiltFunction(name);
  writeFileSync(join(folder, 'input.json'), JSON.stringify({ events: events.map((event) => event.toString('base64')) }));
  writeFileSync(join(folder, 'run.js'), RUNNER);
  await promisify(execFile)(process.execPath, ['run.js'], {
    cwd: folder,
    env: { PATH: process.env['PATH'] ?? '', NODE_PATH: '', ...(env as Record<string, string>) },
  });
  return JSON.parse(readFileSync(join(folder, 'result.json'), 'utf8')) as BundleRun;
}

const request = (token: string | undefined): Buffer =>
  fcEvent({
    headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: { filename: 'a.png', contentType: 'image/png', size: 10 },
  });

let server: Server;
let keys: Awaited<ReturnType<typeof rsaKeys>>;
let jwksUrl: string;
let jwksRequests = 0;
beforeAll(async () => {
  keys = await rsaKeys();
  server = createServer((_req, res) => {
    jwksRequests += 1;
    res.setHeader('content-type', 'application/json').end(JSON.stringify(keys.jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

test.each(['sign-url', 'sts-token'])('%s bundle with AUTH_JWT_SECRET: tokens verified, fetch untouched', async (name) => {
  // sts-token answers 401s only here (no STS): the verdicts are what matters.
  const good = await hsToken({ sub: 'alice' });
  const wrong = await hsToken({ sub: 'alice' }, { secret: 'another-secret-that-is-long-enough!!' });
  const env = baseEnv({
    STS_ROLE_ARN: 'acs:ram::1234567890123456:role/oss-upload',
    ALIBABA_CLOUD_ACCESS_KEY_ID: 'id',
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'bundle-auth-secret',
  });
  const run = await runBundle(name, env, [request(undefined), request(wrong), ...(name === 'sign-url' ? [request(good)] : [])]);
  expect(run.statuses).toEqual(name === 'sign-url' ? [401, 401, 200] : [401, 401]);
  expect([run.touched, run.undiciLoaded]).toEqual([[], false]);
});

const jwksEnv = (url: string, claims: { iss: string; aud: string }): Record<string, string | undefined> =>
  baseEnv({
    AUTH_JWT_SECRET: undefined,
    AUTH_JWKS_URL: url,
    AUTH_ISSUER: claims.iss,
    AUTH_AUDIENCE: claims.aud,
    // sign-url refuses a JWKS without it (its multipart upload handles need a key every instance shares).
    USER_HASH_SECRET: 'bundle-auth-user-hash-secret-of-32-bytes',
    STS_ROLE_ARN: 'acs:ram::1234567890123456:role/oss-upload',
    STS_ENDPOINT: '127.0.0.1:9', // nothing listens: no call leaves this machine
    ALIBABA_CLOUD_ACCESS_KEY_ID: 'id',
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'bundle-auth-secret',
  });

test.each(['sign-url', 'sts-token'])(
  '%s bundle with AUTH_JWKS_URL: the identity provider tokens are verified against its key set, fetch untouched',
  async (name) => {
    const claims = { sub: 'bob', iss: 'https://idp.example.com', aud: 'uploads' };
    jwksRequests = 0;
    const run = await runBundle(name, jwksEnv(jwksUrl, claims), [
      request(await rsToken(keys.privateKey, claims)),
      request(await rsToken(keys.privateKey, { ...claims, aud: 'other' })),
      request(await hsToken(claims)),
    ]);
    // sts-token has no STS here: a good token gets as far as AssumeRole (503), a refused one stops at 401.
    expect(run.statuses).toEqual([name === 'sign-url' ? 200 : 503, 401, 401]);
    expect(jwksRequests).toBe(1); // fetched once, kept for the next tokens
    expect([run.touched, run.undiciLoaded, run.httpLoaded]).toEqual([[], false, true]);
  },
);

test('sign-url bundle with an https AUTH_JWKS_URL: the key set is fetched over TLS, fetch untouched', async () => {
  // A certificate for 127.0.0.1 that the function's node trusts through NODE_EXTRA_CA_CERTS (as it would a real CA).
  const folder = tempFolder('jwks-tls-');
  const [keyFile, certFile] = [join(folder, 'key.pem'), join(folder, 'cert.pem')];
  await promisify(execFile)('openssl', [
    ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'],
    ...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile],
  ]);
  let requests = 0;
  const tls = createHttpsServer({ key: readFileSync(keyFile), cert: readFileSync(certFile) }, (_req, res) => {
    requests += 1;
    res.setHeader('content-type', 'application/json').end(JSON.stringify(keys.jwks));
  });
  await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
  try {
    const claims = { sub: 'bob', iss: 'https://idp.example.com', aud: 'uploads' };
    const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/jwks.json`;
    const run = await runBundle('sign-url', { ...jwksEnv(url, claims), NODE_EXTRA_CA_CERTS: certFile }, [
      request(await rsToken(keys.privateKey, claims)),
    ]);
    expect(run.statuses).toEqual([200]);
    expect(requests).toBe(1);
    expect([run.touched, run.undiciLoaded]).toEqual([[], false]);
  } finally {
    await new Promise<void>((resolve) => tls.close(() => resolve()));
  }
});
