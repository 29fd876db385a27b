/**
 * sign-url through its FC 3.0 edge: real event fixtures (Buffers), the handler built from source, and the
 * esbuild bundle run in a bare folder with only Node's built-in modules.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFcHandler, type FcHandler } from '../../../shared/edge/handler';
import { signUrlFunction } from '../../../functions/sign-url/sign-upload';
import { copyBuiltFunction } from '../../support/built-function';
import { baseEnv } from '../../support/env';
import { fcContext, fcEvent, jsonOf, type FcResponse } from '../../support/fc-event';
import { hsToken, rsToken, rsaKeys, unsecuredToken } from '../../support/tokens';
import { v4CanonicalRequest, v4Signature } from '../../support/oss-spec';
import { registerIssued } from '../../support/log-capture';
import { expectedOpaqueSegment, expectedUserTag } from '../../support/user-ids';

const credentials = { accessKeyId: 'STS.fc-role-key', accessKeySecret: 'fc-role-secret-value', securityToken: 'fc-role-security-token' };
const context = fcContext(credentials);
const origin = 'https://app.example.com';

function signUrlHandler(env: Record<string, string | undefined> = baseEnv()): FcHandler {
  return createFcHandler(signUrlFunction, { env });
}

const handler = signUrlHandler();
const call = async (event: Buffer, ctx: unknown = context): Promise<FcResponse> => await handler(event, ctx);

async function post(body: unknown, headers: Record<string, string> = {}): Promise<FcResponse> {
  const token = await hsToken({ sub: 'alice' });
  return call(
    fcEvent({
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', origin, ...headers },
      body: body as object,
    }),
  );
}

describe('sign-url answers', () => {
  test('PUT: a signed URL for a key under the caller prefix, with the headers to send', async () => {
    const response = await post({ filename: 'cat.png', contentType: 'image/png', size: 12345 });
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({
      'Cache-Control': 'no-store',
      'Access-Control-Allow-Origin': origin,
      Vary: 'Origin',
      'Content-Type': 'application/json; charset=utf-8',
    });
    const body = jsonOf(response) as {
      method: string;
      url: string;
      headers: Record<string, string>;
      bucket: string;
      key: string;
      expiresAt: string;
    };
    expect(body).toEqual({
      method: 'PUT',
      profile: 'default',
      url: expect.any(String),
      headers: { 'Content-Type': 'image/png', 'Content-Disposition': 'attachment', 'x-oss-forbid-overwrite': 'true' },
      size: 12345,
      bucket: 'uploads-bucket',
      key: expect.stringMatching(/^users\/alice\/\d{4}\/\d{2}\/[A-Za-z0-9_-]{22}\.png$/),
      expiresAt: expect.any(String),
    });
    const url = new URL(body.url);
    const { 'x-oss-signature': signature, ...signedQuery } = Object.fromEntries(url.searchParams);
    expect(signedQuery['x-oss-security-token']).toBe(credentials.securityToken);
    expect(signedQuery['x-oss-additional-headers']).toBe('content-disposition;content-length');
    const canonical = v4CanonicalRequest({
      method: 'PUT',
      bucket: 'uploads-bucket',
      key: body.key,
      query: signedQuery,
      headers: { ...body.headers, 'Content-Length': '12345' },
      additionalHeaders: ['content-disposition', 'content-length'],
    });
    expect(signature).toBe(v4Signature(credentials.accessKeySecret, 'cn-hangzhou', signedQuery['x-oss-date']!, canonical));
    expect(Date.parse(body.expiresAt) - Date.now()).toBeLessThanOrEqual(300_000);
  });

  test('POST: form fields and a policy limited to MAX_UPLOAD_BYTES', async () => {
    const response = await post({ filename: 'doc.PDF', contentType: 'application/pdf', method: 'POST' });
    expect(response.statusCode).toBe(200);
    const body = jsonOf(response) as { method: string; fields: Record<string, string>; key: string; maxBytes: number };
    expect(body.method).toBe('POST');
    expect(body.maxBytes).toBe(104_857_600);
    expect(body.key).toMatch(/^users\/alice\/.+\.pdf$/);
    expect(body.fields['key']).toBe(body.key);
    const policy = JSON.parse(Buffer.from(body.fields['policy']!, 'base64').toString()) as { conditions: unknown[] };
    expect(policy.conditions).toContainEqual(['content-length-range', 1, 104_857_600]);
  });

  test('a PUT without a size is refused: the URL is bound to the exact length', async () => {
    const response = await post({ filename: 'cat.png', contentType: 'image/png' });
    expect(response.statusCode).toBe(400);
    expect(jsonOf(response)).toEqual({ error: { code: 'InvalidSize', message: expect.stringContaining('size is required for PUT') } });
  });

  test('the key extension follows the content type; the filename only picks among its extensions', async () => {
    const keyOf = async (filename: string, contentType: string, method = 'PUT'): Promise<string> =>
      String(jsonOf(await post({ filename, contentType, size: 10, method }))['key']);
    expect(await keyOf('x.html', 'image/png')).toMatch(/^users\/alice\/\d{4}\/\d{2}\/[A-Za-z0-9_-]{22}\.png$/);
    expect(await keyOf('x.html', 'image/png', 'POST')).toMatch(/\.png$/);
    expect(await keyOf('photo.JPEG', 'image/jpeg')).toMatch(/\.jpeg$/);
    expect(await keyOf('photo.png', 'image/jpeg')).toMatch(/\.jpg$/);
    expect(await keyOf('scan', 'application/pdf')).toMatch(/\.pdf$/);
  });

  test('two requests never get the same key', async () => {
    const [a, b] = await Promise.all([
      post({ filename: 'a.png', contentType: 'image/png', size: 1 }),
      post({ filename: 'a.png', contentType: 'image/png', size: 1 }),
    ]);
    expect(jsonOf(a)['key']).not.toBe(jsonOf(b)['key']);
  });

  test('a base64-encoded body is decoded', async () => {
    const token = await hsToken({ sub: 'alice' });
    const response = await call(
      fcEvent({
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify({ filename: 'a.png', contentType: 'image/png', size: 1 })),
      }),
    );
    expect(response.statusCode).toBe(200);
  });

  test('SIGNATURE_VERSION=v1 signs V1 URLs', async () => {
    const v1 = signUrlHandler(baseEnv({ SIGNATURE_VERSION: 'v1' }));
    const token = await hsToken({ sub: 'alice' });
    const response = (await v1(
      fcEvent({
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: { filename: 'a.png', contentType: 'image/png', size: 1 },
      }),
      context,
    )) as FcResponse;
    const url = new URL((jsonOf(response) as { url: string }).url);
    // V1 has no additional headers: the length and the disposition are not bound (docs/security.md).
    expect([...url.searchParams.keys()].sort()).toEqual(['Expires', 'OSSAccessKeyId', 'Signature', 'security-token']);
  });
});

describe('USER_SEGMENT=opaque', () => {
  test('keys and log lines carry a keyed HMAC of the subject, never the e-mail address', async () => {
    const hashSecret = 'opaque-segment-secret-for-sign-url-tests';
    registerIssued(hashSecret);
    const lines: string[] = [];
    const opaque = createFcHandler(signUrlFunction, {
      env: baseEnv({ USER_SEGMENT: 'opaque', USER_HASH_SECRET: hashSecret }),
      log: (line) => void lines.push(JSON.stringify(line)),
    });
    const token = await hsToken({ sub: 'alice@example.com' });
    const response = (await opaque(
      fcEvent({
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: { filename: 'a.png', contentType: 'image/png', size: 100 },
      }),
      context,
    )) as FcResponse;
    expect(response.statusCode).toBe(200);
    const segment = expectedOpaqueSegment('alice@example.com', hashSecret);
    expect(String(jsonOf(response)['key'])).toMatch(new RegExp(`^users/${segment}/\\d{4}/\\d{2}/[A-Za-z0-9_-]{22}\\.png$`));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`"user":"${expectedUserTag(segment, hashSecret)}"`);
    expect(lines[0]).not.toMatch(/alice|example/);
  });
});

describe('bad input gets the exact status and code', () => {
  const now = Math.floor(Date.now() / 1000);
  const authCases: Array<[string, () => Promise<Record<string, string>>]> = [
    ['missing token', async () => ({})],
    ['malformed token', async () => ({ authorization: 'Bearer abc.def' })],
    ['expired token', async () => ({ authorization: `Bearer ${await hsToken({ sub: 'alice', exp: now - 300 })}` })],
    ['not-yet-valid token', async () => ({ authorization: `Bearer ${await hsToken({ sub: 'alice', nbf: now + 300 })}` })],
    ['alg none', async () => ({ authorization: `Bearer ${unsecuredToken({ sub: 'alice', exp: now + 300 })}` })],
    [
      'RS256 token against an HS256 secret',
      async () => ({ authorization: `Bearer ${await rsToken((await rsaKeys()).privateKey, { sub: 'alice' })}` }),
    ],
  ];

  test.each(authCases)('%s → 401 Unauthorized with WWW-Authenticate', async (_name, headers) => {
    const response = await call(
      fcEvent({
        headers: { 'content-type': 'application/json', ...(await headers()) },
        body: { filename: 'a.png', contentType: 'image/png' },
      }),
    );
    expect(response.statusCode).toBe(401);
    expect(jsonOf(response)).toEqual({ error: { code: 'Unauthorized', message: expect.any(String) } });
    expect(response.headers['WWW-Authenticate']).toMatch(/^Bearer /);
  });

  test.each([
    [
      'wrong audience: an ID token',
      { aud: 'my-client-id', nonce: 'n-0S6_WzA2Mj' },
      'token audience is not accepted',
      'audience_mismatch',
      `expected "api://uploads", got "my-client-id" (an ID token's audience is the client id: send the access token)`,
    ],
    [
      'wrong audience: a list without ours',
      { aud: ['https://idp.example.com/userinfo', 'api://other'] },
      'token audience is not accepted',
      'audience_mismatch',
      'expected "api://uploads", got ["https://idp.example.com/userinfo", "api://other"]',
    ],
    [
      'wrong issuer: a trailing slash',
      { iss: 'https://idp.example.com/' },
      'token issuer is not accepted',
      'issuer_mismatch',
      'expected "https://idp.example.com", got "https://idp.example.com/"',
    ],
  ])(
    '%s → 401 saying what was expected and what the token carried, in the body, the header and the log line',
    async (_name, claims, message, reason, detail) => {
      const handler = signUrlHandler(baseEnv({ AUTH_ISSUER: 'https://idp.example.com', AUTH_AUDIENCE: 'api://uploads' }));
      const token = await hsToken({ sub: 'alice', iss: 'https://idp.example.com', aud: 'api://uploads', ...claims });
      const lines: string[] = [];
      const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => lines.push(String(chunk)) > 0);
      const response = await handler(
        fcEvent({ headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', origin }, body: {} }),
        context,
      ).finally(() => spy.mockRestore());
      expect(response.statusCode).toBe(401);
      expect(jsonOf(response)).toEqual({ error: { code: 'Unauthorized', message: `${message}: ${detail}` } });
      expect(response.headers['WWW-Authenticate']).toBe(
        `Bearer error="invalid_token", error_description="${message}: ${detail.replace(/"/g, '')}"`,
      );
      expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
        expect.objectContaining({ status: 401, errorCode: 'Unauthorized', reason, cause: detail }),
      ]);
      expect(lines.join('')).not.toContain(token.split('.')[1]!);
    },
  );

  const bodyCases: Array<[string, unknown, Record<string, string>, number, string]> = [
    ['non-JSON body', 'not json', {}, 400, 'InvalidJson'],
    ['text/plain content type', '{}', { 'content-type': 'text/plain' }, 415, 'UnsupportedMediaType'],
    ['form content type', 'a=b', { 'content-type': 'application/x-www-form-urlencoded' }, 415, 'UnsupportedMediaType'],
    [
      'body over 16 KiB',
      JSON.stringify({ filename: 'a.png', contentType: 'image/png', pad: 'x'.repeat(16 * 1024) }),
      {},
      413,
      'PayloadTooLarge',
    ],
    ['empty filename', { filename: '', contentType: 'image/png' }, {}, 400, 'InvalidFilename'],
    ['filename over 255', { filename: `${'a'.repeat(300)}.png`, contentType: 'image/png' }, {}, 400, 'InvalidFilename'],
    ['control characters', { filename: 'a\u0007.png', contentType: 'image/png' }, {}, 400, 'InvalidFilename'],
    ['path separators', { filename: '../../etc/passwd.png', contentType: 'image/png' }, {}, 400, 'InvalidFilename'],
    ['text/html', { filename: 'a.html', contentType: 'text/html' }, {}, 400, 'InvalidContentType'],
    ['image/svg+xml', { filename: 'a.svg', contentType: 'image/svg+xml' }, {}, 400, 'InvalidContentType'],
    ['case variant', { filename: 'a.png', contentType: 'Image/PNG' }, {}, 400, 'InvalidContentType'],
    ['parameters', { filename: 'a.png', contentType: 'image/png; x=y' }, {}, 400, 'InvalidContentType'],
    ['negative size', { filename: 'a.png', contentType: 'image/png', size: -5 }, {}, 400, 'InvalidSize'],
    ['fractional size', { filename: 'a.png', contentType: 'image/png', size: 2.5 }, {}, 400, 'InvalidSize'],
    ['string size', { filename: 'a.png', contentType: 'image/png', size: 'NaN' }, {}, 400, 'InvalidSize'],
    ['size above the limit', { filename: 'a.png', contentType: 'image/png', size: 104_857_601 }, {}, 413, 'EntityTooLarge'],
    ['method DELETE', { filename: 'a.png', contentType: 'image/png', method: 'DELETE' }, {}, 400, 'InvalidMethod'],
  ];

  test.each(bodyCases)('%s → %3$i %4$s', async (_name, body, headers, status, code) => {
    const response = await post(typeof body === 'string' ? body : body, headers);
    expect(response.statusCode).toBe(status);
    expect((jsonOf(response) as { error: { code: string } }).error.code).toBe(code);
    expect(response.headers['Cache-Control']).toBe('no-store');
  });

  test.each(['GET', 'PUT', 'DELETE', 'PATCH'])('%s on the function → 405 with Allow', async (method) => {
    const response = await call(fcEvent({ method, headers: {} }));
    expect(response.statusCode).toBe(405);
    expect(response.headers['Allow']).toBe('POST, OPTIONS');
    expect((jsonOf(response) as { error: { code: string } }).error.code).toBe('MethodNotAllowed');
  });

  test('a size over the limit is said in MiB, the exact bytes in fields of their own', async () => {
    const response = await post({ filename: 'a.png', contentType: 'image/png', size: 105_906_176 });
    expect([response.statusCode, jsonOf(response)]).toEqual([
      413,
      { error: { code: 'EntityTooLarge', message: 'size 101 MiB is over the limit of 100 MiB', size: 105_906_176, maxBytes: 104_857_600 } },
    ]);
  });

  test('__proto__ and constructor keys change nothing', async () => {
    const response = await post(
      '{"filename":"a.png","contentType":"image/png","size":1,"__proto__":{"method":"POST"},"constructor":{"prototype":{"isAdmin":true}}}',
    );
    expect(response.statusCode).toBe(200);
    expect(jsonOf(response)['method']).toBe('PUT');
    expect(({} as Record<string, unknown>)['isAdmin']).toBeUndefined();
  });

  test('an event that is not an HTTP trigger event → 400', async () => {
    for (const event of [Buffer.from('not json'), Buffer.from('42'), Buffer.from('{"requestContext":{}}')]) {
      const response = await call(event);
      expect(response.statusCode).toBe(400);
      expect((jsonOf(response) as { error: { code: string } }).error.code).toBe('BadRequest');
    }
  });
});

describe('CORS', () => {
  test('preflight from an allowed origin is granted', async () => {
    const response = await call(fcEvent({ method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } }));
    expect(response.statusCode).toBe(204);
    expect(response.headers).toMatchObject({
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Methods': 'POST, OPTIONS',
      'Access-Control-Allow-Headers': 'authorization, content-type',
      Vary: 'Origin',
    });
  });

  test('preflight from another origin gets no CORS grant, and a 403 naming the origin and the variable, also logged', async () => {
    const lines: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => lines.push(String(chunk)) > 0);
    const response = await call(
      fcEvent({ method: 'OPTIONS', headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' } }),
    ).finally(() => spy.mockRestore());
    expect(response.statusCode).toBe(403);
    expect(jsonOf(response)).toEqual({
      error: { code: 'Forbidden', message: 'origin "https://evil.example.com" is not allowed: add it to ALLOWED_ORIGINS' },
    });
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ status: 403, errorCode: 'Forbidden', cause: 'refused origin "https://evil.example.com"' }),
    ]);
    expect(response.headers['Access-Control-Allow-Origin']).toBeUndefined();
    expect(response.headers['Access-Control-Allow-Methods']).toBeUndefined();
    expect(response.headers['Vary']).toBe('Origin');
  });

  test('an actual request from another origin carries no grant', async () => {
    const response = await post({ filename: 'a.png', contentType: 'image/png' }, { origin: 'https://evil.example.com' });
    expect(response.headers['Access-Control-Allow-Origin']).toBeUndefined();
  });
});

describe('misconfiguration and logging', () => {
  let written: string[];
  let spies: jest.SpyInstance[];

  beforeEach(() => {
    written = [];
    const capture = (chunk: unknown): boolean => {
      written.push(String(chunk));
      return true;
    };
    spies = [
      jest.spyOn(process.stdout, 'write').mockImplementation(capture),
      jest.spyOn(process.stderr, 'write').mockImplementation(capture),
      ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((name) =>
        jest.spyOn(console, name).mockImplementation((...args: unknown[]) => void written.push(args.map(String).join(' '))),
      ),
    ];
  });
  afterEach(() => spies.forEach((spy) => spy.mockRestore()));

  test('a misconfigured function answers a generic 500 and logs the precise reason', async () => {
    const broken = signUrlHandler(baseEnv({ MAX_UPLOAD_BYTES: 'lots' }));
    const response = (await broken(fcEvent({ headers: { 'content-type': 'application/json' }, body: {} }), context)) as FcResponse;
    expect(response.statusCode).toBe(500);
    expect(jsonOf(response)).toEqual({ error: { code: 'InternalError', message: 'internal error' } });
    expect(written.join('')).toContain('MAX_UPLOAD_BYTES must be a whole number');
  });

  test('AUTH_JWKS_URL without USER_HASH_SECRET is refused at cold start, in one line saying what to set and why', async () => {
    const jwks = { AUTH_JWT_SECRET: undefined, AUTH_JWKS_URL: 'https://idp.example.com/jwks.json', AUTH_ISSUER: 'https://idp.example.com' };
    const refused = signUrlHandler(baseEnv({ ...jwks, AUTH_AUDIENCE: 'uploads' }));
    expect(written.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      {
        level: 'error',
        function: 'sign-url',
        requestId: 'cold-start',
        method: '-',
        status: 500,
        durationMs: 0,
        errorCode: 'InternalError',
        cause:
          'configuration: AUTH_JWKS_URL needs USER_HASH_SECRET (at least 32 bytes, e.g. openssl rand -base64 32): sign-url signs ' +
          'multipart upload handles with it, a key every instance must share (changing it later makes unfinished multipart uploads start over)',
      },
    ]);
    // Refused whatever the request: before, a PUT went through and only the multipart steps failed, with a bare 500.
    const token = await rsToken((await rsaKeys()).privateKey, { sub: 'alice', iss: 'https://idp.example.com', aud: 'uploads' });
    for (const body of [
      { filename: 'a.png', contentType: 'image/png', size: 1 },
      { method: 'MULTIPART', filename: 'a.png', contentType: 'image/png', size: 20e6 },
    ]) {
      const response = await refused(
        fcEvent({ headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body }),
        context,
      );
      expect([response.statusCode, jsonOf(response)]).toEqual([500, { error: { code: 'InternalError', message: 'internal error' } }]);
    }
    // With the secret, the function starts.
    written.length = 0;
    signUrlHandler(baseEnv({ ...jwks, AUTH_AUDIENCE: 'uploads', USER_HASH_SECRET: 'a-user-hash-secret-of-at-least-32-bytes' }));
    expect(written).toEqual([]);
  });

  test('one JSON line per request, and no secret, signature, token or JWT ever written', async () => {
    const token = await hsToken({ sub: 'alice@example.com' });
    const handlerWithSecrets = signUrlHandler(
      baseEnv({ ALIBABA_CLOUD_ACCESS_KEY_ID: 'env-key-id', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'env-secret-value' }),
    );
    const secrets = new Set<string>([
      credentials.accessKeySecret,
      credentials.securityToken,
      token,
      'env-secret-value',
      baseEnv()['AUTH_JWT_SECRET']!,
      'alice@example.com',
    ]);
    const bodies = [
      { filename: 'a.png', contentType: 'image/png', size: 1 },
      { filename: 'a.png', contentType: 'image/png', method: 'POST' },
      { filename: 'a.html', contentType: 'text/html' },
    ];
    for (const ctx of [context, {}]) {
      for (const body of bodies) {
        const response = (await handlerWithSecrets(
          fcEvent({ headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body }),
          ctx,
        )) as FcResponse;
        const answer = jsonOf(response) as { url?: string; fields?: Record<string, string> };
        if (answer.url !== undefined) {
          const query = new URL(answer.url).searchParams;
          for (const name of ['x-oss-signature', 'Signature', 'x-oss-security-token', 'security-token'])
            if (query.get(name)) secrets.add(query.get(name)!);
        }
        for (const name of ['x-oss-signature', 'Signature', 'policy', 'x-oss-security-token'])
          if (answer.fields?.[name]) secrets.add(answer.fields[name]);
      }
    }
    await handlerWithSecrets(fcEvent({ headers: { authorization: `Bearer ${token}x` } }), context);

    // Seven requests, and the cold-start warning that this HS256 configuration has no AUTH_ISSUER or AUTH_AUDIENCE.
    expect(written.length).toBe(8);
    expect(JSON.parse(written[0]!)).toEqual({ level: 'warn', function: 'sign-url', requestId: 'cold-start', warning: expect.any(String) });
    for (const line of written.slice(1)) {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      expect(
        Object.keys(parsed).every((k) =>
          ['level', 'function', 'requestId', 'method', 'status', 'durationMs', 'user', 'key', 'errorCode', 'reason', 'cause'].includes(k),
        ),
      ).toBe(true);
      for (const secret of secrets) expect(line).not.toContain(secret);
    }
    expect(written.some((line) => line.includes('"key":"users/alice_40example_2ecom/'))).toBe(true);
  });
});

describe('the built bundle', () => {
  test('answers fixture events with only Node built-in modules available', async () => {
    const folder = copyBuiltFunction('sign-url');
    const token = await hsToken({ sub: 'bob' });
    const events = [
      fcEvent({
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: { filename: 'a.html', contentType: 'image/png', size: 4321 },
      }),
      fcEvent({
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: { filename: 'a.png', contentType: 'image/png', method: 'POST', size: 10 },
      }),
      fcEvent({ headers: { 'content-type': 'application/json' }, body: {} }),
    ];
    writeFileSync(join(folder, 'events.json'), JSON.stringify(events.map((event) => event.toString('base64'))));
    writeFileSync(
      join(folder, 'run.js'),
      `const { handler } = require('./index.js');
       const events = require('./events.json').map((e) => Buffer.from(e, 'base64'));
       const context = ${JSON.stringify(context)};
       Promise.all(events.map((e) => handler(e, context))).then((r) => require('fs').writeFileSync('results.json', JSON.stringify(r)));`,
    );
    const env = { PATH: process.env['PATH'] ?? '', NODE_PATH: '', ...baseEnv() } as Record<string, string>;
    const logs = execFileSync(process.execPath, ['run.js'], { cwd: folder, env, encoding: 'utf8' });
    const lines = logs
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { status?: number; reason?: string; warning?: string });
    expect(lines.filter((line) => line.warning !== undefined)).toHaveLength(1); // no AUTH_ISSUER, AUTH_AUDIENCE
    expect(lines.flatMap((line) => (line.status === undefined ? [] : [`${line.status} ${line.reason ?? ''}`])).sort()).toEqual([
      '200 ',
      '200 ',
      '401 missing_token',
    ]);
    const results = JSON.parse(readFileSync(join(folder, 'results.json'), 'utf8')) as FcResponse[];
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 401]);
    const put = jsonOf(results[0]!) as { url: string; headers: Record<string, string>; key: string };
    // The extension is the type's (a.html signed as image/png is a .png), the length and disposition are signed.
    expect(put.key).toMatch(/^users\/bob\/\d{4}\/\d{2}\/[A-Za-z0-9_-]{22}\.png$/);
    const { 'x-oss-signature': signature, ...signedQuery } = Object.fromEntries(new URL(put.url).searchParams);
    const signatureFor = (contentLength: string): string =>
      v4Signature(
        credentials.accessKeySecret,
        'cn-hangzhou',
        signedQuery['x-oss-date']!,
        v4CanonicalRequest({
          method: 'PUT',
          bucket: 'uploads-bucket',
          key: put.key,
          query: signedQuery,
          headers: { ...put.headers, 'Content-Length': contentLength },
          additionalHeaders: ['content-disposition', 'content-length'],
        }),
      );
    expect(signature).toBe(signatureFor('4321'));
    expect(signature).not.toBe(signatureFor(String(5 * 1024 * 1024)));
    const post = jsonOf(results[1]!) as { method: string; fields: Record<string, string> };
    expect(post.method).toBe('POST');
    expect(post.fields).toMatchObject({
      'Content-Disposition': 'attachment',
      'x-oss-object-acl': 'private',
      'x-oss-storage-class': 'Standard',
    });
  });
});
