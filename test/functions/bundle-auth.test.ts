/**
 * Authentication in the built bundles, run in bare folders: with AUTH_JWT_SECRET the token is verified by node:crypto
 * and jose is never evaluated (cold start); with AUTH_JWKS_URL jose is loaded, from jwks.js beside index.js (so
 * index.js does not even carry its text), and verifies the identity provider's tokens. Whether jose ran is seen through the one global its JWKS module reads when it is evaluated (`navigator`,
 * for its User-Agent), trapped before the bundle loads; the JWKS case is the control that the trap works.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { copyBuiltFunction, DIST as dist } from '../support/built-function';
import { baseEnv } from '../support/env';
import { fcEvent } from '../support/fc-event';
import { hsToken, rsToken, rsaKeys } from '../support/tokens';

const RUNNER = `
let joseEvaluated = false;
Object.defineProperty(globalThis, 'navigator', { configurable: true, get() { joseEvaluated = true; return undefined; } });
const { handler } = require('./index.js');
const input = require('./input.json');
(async () => {
  const statuses = [];
  for (const e of input.events) statuses.push((await handler(Buffer.from(e, 'base64'), { requestId: 'auth' })).statusCode);
  require('fs').writeFileSync('result.json', JSON.stringify({ statuses, joseEvaluated }));
})();
`;

async function runBundle(
  name: string,
  env: Record<string, string | undefined>,
  events: Buffer[],
): Promise<{ statuses: number[]; joseEvaluated: boolean }> {
  const folder = copyBuiltFunction(name);
  writeFileSync(join(folder, 'input.json'), JSON.stringify({ events: events.map((event) => event.toString('base64')) }));
  writeFileSync(join(folder, 'run.js'), RUNNER);
  await promisify(execFile)(process.execPath, ['run.js'], {
    cwd: folder,
    env: { PATH: process.env['PATH'] ?? '', NODE_PATH: '', ...(env as Record<string, string>) },
  });
  return JSON.parse(readFileSync(join(folder, 'result.json'), 'utf8')) as { statuses: number[]; joseEvaluated: boolean };
}

const request = (token: string | undefined): Buffer =>
  fcEvent({
    headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: { filename: 'a.png', contentType: 'image/png', size: 10 },
  });

let server: Server;
let keys: Awaited<ReturnType<typeof rsaKeys>>;
let jwksUrl: string;
beforeAll(async () => {
  keys = await rsaKeys();
  server = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify(keys.jwks)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

test.each(['sign-url', 'sts-token'])('%s bundle with AUTH_JWT_SECRET: tokens verified, jose never evaluated', async (name) => {
  // sts-token answers 401s only here (no STS): the verdicts are what matters.
  const good = await hsToken({ sub: 'alice' });
  const wrong = await hsToken({ sub: 'alice' }, { secret: 'another-secret-that-is-long-enough!!' });
  const env = baseEnv({
    STS_ROLE_ARN: 'acs:ram::1234567890123456:role/oss-upload',
    ALIBABA_CLOUD_ACCESS_KEY_ID: 'id',
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'bundle-auth-secret',
  });
  const { statuses, joseEvaluated } = await runBundle(name, env, [
    request(undefined),
    request(wrong),
    ...(name === 'sign-url' ? [request(good)] : []),
  ]);
  expect(statuses).toEqual(name === 'sign-url' ? [401, 401, 200] : [401, 401]);
  expect(joseEvaluated).toBe(false);
});

test.each(['sign-url', 'sts-token'])(
  '%s bundle with AUTH_JWKS_URL: jose is loaded from jwks.js and verifies the identity provider tokens',
  async (name) => {
    // jose's own error codes: in the lazily loaded module, not in the entry every cold start parses.
    expect(readFileSync(join(dist, name, 'function.js'), 'utf8')).not.toContain('ERR_JWKS_NO_MATCHING_KEY');
    expect(readFileSync(join(dist, name, 'jwks.js'), 'utf8')).toContain('ERR_JWKS_NO_MATCHING_KEY');
    const claims = { sub: 'bob', iss: 'https://idp.example.com', aud: 'uploads' };
    const env = baseEnv({
      AUTH_JWT_SECRET: undefined,
      AUTH_JWKS_URL: jwksUrl,
      AUTH_ISSUER: claims.iss,
      AUTH_AUDIENCE: claims.aud,
      STS_ROLE_ARN: 'acs:ram::1234567890123456:role/oss-upload',
      STS_ENDPOINT: '127.0.0.1:9', // nothing listens: no call leaves this machine
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'id',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'bundle-auth-secret',
    });
    const { statuses, joseEvaluated } = await runBundle(name, env, [
      request(await rsToken(keys.privateKey, claims)),
      request(await rsToken(keys.privateKey, { ...claims, aud: 'other' })),
      request(await hsToken(claims)),
    ]);
    // sts-token has no STS here: a good token gets as far as AssumeRole (503), a refused one stops at 401.
    expect(statuses).toEqual([name === 'sign-url' ? 200 : 503, 401, 401]);
    expect(joseEvaluated).toBe(true);
  },
);
