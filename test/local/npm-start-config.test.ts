/**
 * `npm start` honours the configuration table (issue 13, item 13): a team's own login (a shared secret, or an
 * identity provider's JWKS) replaces the development tokens; the upload rules, TTLs and signature version are
 * the ones given; it prints what it took, never a secret; and a bad value stops it, naming the variable.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { samplePng } from '../../local/sample-files';
import { registerAnswer, registerIssued } from '../support/log-capture';
import { npmStart, npmStartRefusing, type StartedStack } from '../support/npm-start';
import { hsToken, rsaKeys, rsToken } from '../support/tokens';

async function signUrl(stack: StartedStack, token: string, body: object): Promise<{ status: number; answer: Record<string, unknown> }> {
  const response = await fetch(`${stack.url}/api/sign-url`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  registerAnswer(answer);
  return { status: response.status, answer };
}

describe('a team secret and its own upload rules', () => {
  const secret = `team-secret-${randomBytes(24).toString('base64url')}`;
  registerIssued(secret);
  let stack: StartedStack;
  beforeAll(async () => {
    stack = await npmStart({
      AUTH_JWT_SECRET: secret,
      AUTH_ISSUER: 'https://login.team.example',
      AUTH_AUDIENCE: 'uploads',
      UPLOAD_PREFIX: 'team/{user}/files/',
      ALLOWED_CONTENT_TYPES: 'text/plain,application/pdf',
      MAX_UPLOAD_BYTES: '5000',
      SIGNED_URL_TTL_SECONDS: '120',
      SIGNATURE_VERSION: 'v1',
      STS_DURATION_SECONDS: '7200',
      OSS_REGION: 'eu-central-1',
    });
  }, 60_000);
  afterAll(() => stack?.stop());

  const teamToken = (claims: object = {}) =>
    hsToken({ sub: 'alice', iss: 'https://login.team.example', aud: 'uploads', ...claims }, { secret });

  it('prints what it took from the environment, values of settings but never the secret', () => {
    const output = stack.output();
    for (const line of [
      'AUTH_JWT_SECRET (set; value not shown)',
      'AUTH_ISSUER = https://login.team.example',
      'AUTH_AUDIENCE = uploads',
      'UPLOAD_PREFIX = team/{user}/files/',
      'ALLOWED_CONTENT_TYPES = text/plain,application/pdf',
      'MAX_UPLOAD_BYTES = 5000',
      'SIGNED_URL_TTL_SECONDS = 120',
      'SIGNATURE_VERSION = v1',
      'STS_DURATION_SECONDS = 7200',
      'ignored, the local stack sets them: OSS_REGION',
    ]) {
      expect(output).toContain(line);
    }
    expect(output).not.toContain(secret);
    expect(output).toContain('development tokens are off: AUTH_JWT_SECRET is your own login');
  });

  it("a token signed with the team's secret is accepted, and its grant follows the team's rules", async () => {
    const { status, answer } = await signUrl(stack, await teamToken(), { filename: 'notes.txt', contentType: 'text/plain', size: 11 });
    expect(status).toBe(200);
    expect(answer['key']).toMatch(/^team\/alice\/files\/\d{4}\/\d{2}\/[A-Za-z0-9_-]{22}\.txt$/);
    const url = new URL(String(answer['url']));
    expect(url.searchParams.get('OSSAccessKeyId')).toMatch(/^STS\./); // V1, signed with the function role's STS credentials
    expect(Number(url.searchParams.get('Expires')) - Date.now() / 1000).toBeGreaterThan(100);
    expect(Number(url.searchParams.get('Expires')) - Date.now() / 1000).toBeLessThanOrEqual(121);
    const put = await fetch(url, { method: 'PUT', headers: answer['headers'] as Record<string, string>, body: 'hello, team' });
    expect(put.status).toBe(200);
  });

  it("the team's limits are applied: a type or size outside them is refused", async () => {
    const token = await teamToken();
    expect((await signUrl(stack, token, { filename: 'a.png', contentType: 'image/png', size: 10 })).status).toBe(400);
    expect((await signUrl(stack, token, { filename: 'a.pdf', contentType: 'application/pdf', size: 5001 })).status).toBe(413);
  });

  it('a token for another audience, or signed with another secret, is refused', async () => {
    const body = { filename: 'a.txt', contentType: 'text/plain', size: 1 };
    expect((await signUrl(stack, await teamToken({ aud: 'another-app' }), body)).status).toBe(401);
    expect((await signUrl(stack, await hsToken({ sub: 'alice', iss: 'https://login.team.example', aud: 'uploads' }), body)).status).toBe(
      401,
    );
  });

  it('sts-token vends credentials for STS_DURATION_SECONDS (the local upload role allows it, as npm run policies prints)', async () => {
    const response = await fetch(`${stack.url}/api/sts-token`, {
      method: 'POST',
      // A login valid for three hours: credentials never outlive the token, so a shorter one would cut the 7200 s.
      headers: {
        authorization: `Bearer ${await teamToken({ exp: Math.floor(Date.now() / 1000) + 3 * 3600 })}`,
        'content-type': 'application/json',
      },
      body: '{}',
    });
    const answer = (await response.json()) as Record<string, string>;
    registerAnswer(answer);
    expect(response.status).toBe(200);
    expect(answer['prefix']).toMatch(/^team\/alice\/files\//);
    const lifetime = (Date.parse(answer['expiration']!) - Date.parse(answer['serverTime']!)) / 1000;
    expect(lifetime).toBeGreaterThan(7100);
    expect(lifetime).toBeLessThanOrEqual(7200);
  });

  it('the dev-token endpoint says it is off, and why', async () => {
    const response = await fetch(`${stack.url}/api/dev-token?user=alice`);
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      error: { code: 'Forbidden', message: 'development tokens are off: AUTH_JWT_SECRET is your own login; sign in with it' },
    });
  });
});

describe("an identity provider's JWKS", () => {
  const hashSecret = `user-hash-${randomBytes(24).toString('base64url')}`;
  registerIssued(hashSecret);
  let jwksServer: Server;
  let stack: StartedStack;
  let keys: Awaited<ReturnType<typeof rsaKeys>>;
  beforeAll(async () => {
    keys = await rsaKeys();
    jwksServer = createServer((_request, response) =>
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(keys.jwks)),
    );
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
    stack = await npmStart({
      AUTH_JWKS_URL: jwksUrl,
      AUTH_ISSUER: 'https://idp.example',
      AUTH_AUDIENCE: 'uploads',
      USER_HASH_SECRET: hashSecret,
    });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    await new Promise((resolve) => jwksServer?.close(resolve));
  });

  it("accepts the provider's tokens, shows only the JWKS origin, and turns development tokens off", async () => {
    const token = await rsToken(keys.privateKey, { sub: 'carol', iss: 'https://idp.example', aud: 'uploads' });
    const { status, answer } = await signUrl(stack, token, { filename: 'c.png', contentType: 'image/png', size: 10 });
    expect(status).toBe(200);
    expect(answer['key']).toMatch(/^users\/carol\//);
    expect(stack.output()).toMatch(/AUTH_JWKS_URL = http:\/\/127\.0\.0\.1:\d+\/…/);
    expect(stack.output()).not.toContain('.well-known');
    expect((await fetch(`${stack.url}/api/dev-token?user=carol`)).status).toBe(403);
    expect(stack.output()).toContain('USER_HASH_SECRET (set; value not shown)');
    expect(stack.output()).not.toContain(hashSecret);
  });

  it("a provider's token uploads a large file in parts: MULTIPART, the parts PUT to the OSS emulator, COMPLETE", async () => {
    const token = await rsToken(keys.privateKey, { sub: 'carol', iss: 'https://idp.example', aud: 'uploads' });
    const body = samplePng(11 * 1024 * 1024); // over the browser client's 10 MiB, where it goes multipart
    const started = await signUrl(stack, token, { method: 'MULTIPART', filename: 'big.png', contentType: 'image/png', size: body.length });
    expect(started.status).toBe(200);
    const { key, uploadId, partSize } = started.answer as { key: string; uploadId: string; partSize: number };
    const parts: Array<{ partNumber: number; etag: string }> = [];
    for (const { partNumber, url } of started.answer['parts'] as Array<{ partNumber: number; url: string }>) {
      const put = await fetch(url, { method: 'PUT', body: body.subarray((partNumber - 1) * partSize, partNumber * partSize) });
      expect(put.status).toBe(200);
      parts.push({ partNumber, etag: put.headers.get('etag')! });
    }
    const completed = await signUrl(stack, token, { method: 'COMPLETE', key, uploadId, parts, size: body.length });
    expect([completed.status, completed.answer['key'], completed.answer['size']]).toEqual([200, key, body.length]);
    const stored = await fetch(`${stack.url}/api/dev-objects?prefix=${encodeURIComponent(key)}`);
    expect(JSON.stringify(await stored.json())).toContain(createHash('md5').update(body).digest('hex'));
  });
});

describe('bringing your own identity provider without USER_HASH_SECRET', () => {
  it('stops npm start with one line saying what to set and why', async () => {
    const { exitCode, output } = await npmStartRefusing({
      AUTH_JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json',
      AUTH_ISSUER: 'https://idp.example',
      AUTH_AUDIENCE: 'uploads',
    });
    expect(exitCode).not.toBe(0);
    expect(output.split('\n').filter((line) => line.startsWith('could not start'))).toEqual([
      'could not start: configuration: AUTH_JWKS_URL needs USER_HASH_SECRET (at least 32 bytes, e.g. openssl rand -base64 32): ' +
        'sign-url signs multipart upload handles with it, a key every instance must share (changing it later makes unfinished multipart uploads start over)',
    ]);
    expect(output).not.toMatch(/^\s+at /m);
    expect(output).not.toContain('Ctrl-C stops everything');
  }, 60_000);
});

describe('a bad value stops npm start, naming the variable', () => {
  const shortSecret = `short-${randomBytes(6).toString('hex')}`;
  registerIssued(shortSecret);

  it.each([
    ['MAX_UPLOAD_BYTES', 'lots', /MAX_UPLOAD_BYTES must be a whole number/],
    ['SIGNATURE_VERSION', 'v5', /SIGNATURE_VERSION must be v4 or v1/],
    ['ALLOWED_ORIGINS', 'https://*.example.com', /ALLOWED_ORIGINS must list exact origins/],
    ['AUTH_JWT_SECRET', shortSecret, /AUTH_JWT_SECRET must be at least 32 bytes/],
    ['STS_DURATION_SECONDS', '60', /STS_DURATION_SECONDS must be between 900 and 43200/],
  ])(
    '%s (its value never printed when a secret)',
    async (name, value, problem) => {
      const { exitCode, output } = await npmStartRefusing({ [name]: value });
      expect(exitCode).not.toBe(0);
      expect(output).toMatch(/could not start: configuration: /);
      expect(output).toMatch(problem);
      expect(output).not.toContain('Ctrl-C stops everything');
      expect(output).not.toContain(shortSecret);
    },
    60_000,
  );
});
