/**
 * `sts-token?format=app-server`, the mobile SDKs' app-server shape, through the FC edge built from source against
 * the STS emulator: exact fields and types, the Expiration format, GET and POST, and every error in the
 * `{StatusCode, ErrorCode, ErrorMessage}` shape with the same HTTP status (no token, an expired one, STS down).
 */
import { staticAccounts } from '../../../local/emulator-accounts';
import { startStsEmulator, type RunningStsEmulator } from '../../../local/sts-emulator';
import { createFcHandler, type FcHandler } from '../../../shared/edge/handler';
import type { RequestLogLine } from '../../../shared/edge/log';
import { appServerExpiration } from '../../../functions/sts-token/app-server-format';
import { createStsTokenFunction } from '../../../functions/sts-token/vend-credentials';
import { signUrlFunction } from '../../../functions/sign-url/sign-upload';
import { baseEnv } from '../../support/env';
import { fcEvent, jsonOf, type FcResponse } from '../../support/fc-event';
import { hsToken } from '../../support/tokens';

const UPLOAD_ROLE = 'acs:ram::1234567890123456:role/oss-upload';
const caller = { accessKeyId: 'LTAI-fc-role-app', accessKeySecret: 'fc-role-secret-for-app-server-tests' };
const EXPIRATION = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

let sts: RunningStsEmulator;
beforeAll(async () => {
  sts = await startStsEmulator({
    callers: staticAccounts([caller]),
    roles: [
      {
        arn: UPLOAD_ROLE,
        policy: JSON.stringify({
          Version: '1',
          Statement: [{ Effect: 'Allow', Action: ['oss:PutObject', 'oss:AbortMultipartUpload', 'oss:ListParts'], Resource: ['*'] }],
        }),
      },
    ],
  });
});
afterAll(() => sts.close());
afterEach(() => sts.setFault(undefined));

const env = (): Record<string, string | undefined> =>
  baseEnv({
    STS_ROLE_ARN: UPLOAD_ROLE,
    STS_ENDPOINT: sts.endpoint,
    STS_TIMEOUT_MS: '800',
    ALIBABA_CLOUD_ACCESS_KEY_ID: caller.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: caller.accessKeySecret,
  });

function stsToken(logs: RequestLogLine[] = []): FcHandler {
  return createFcHandler(createStsTokenFunction(), { env: env(), log: (line) => void logs.push(line), warn: () => undefined });
}

interface Call {
  method?: string;
  query?: Record<string, string>;
  authorization?: string;
  body?: object | string;
  contentType?: string;
}

async function call(handler: FcHandler, options: Call): Promise<FcResponse> {
  const headers: Record<string, string> = { origin: 'https://app.example.com' };
  if (options.authorization !== undefined) headers['authorization'] = options.authorization;
  if (options.contentType !== undefined) headers['content-type'] = options.contentType;
  return await handler(
    fcEvent({
      method: options.method ?? 'GET',
      headers,
      query: options.query ?? { format: 'app-server' },
      ...(options.body === undefined ? {} : { body: options.body }),
    }),
    {},
  );
}

const bearer = async (subject: string, claims: { exp?: number } = {}): Promise<string> =>
  `Bearer ${await hsToken({ sub: subject, ...claims })}`;

describe('the answer', () => {
  test.each([
    ['GET, as the stock providers fetch it', { method: 'GET' }],
    ['POST with a JSON body, as the other answers', { method: 'POST', body: {}, contentType: 'application/json' }],
  ])('%s: exactly StatusCode, AccessKeyId, AccessKeySecret, SecurityToken, Expiration', async (_name, request) => {
    const logs: RequestLogLine[] = [];
    const handler = stsToken(logs);
    const response = await call(handler, { ...request, authorization: await bearer('mia') });
    expect(response.statusCode).toBe(200);
    expect(response.headers['Content-Type']).toBe('application/json; charset=utf-8');
    expect(response.headers['Cache-Control']).toBe('no-store');
    expect(response.headers['Access-Control-Allow-Origin']).toBe('https://app.example.com');
    const answer = jsonOf(response);
    expect(Object.keys(answer)).toEqual(['StatusCode', 'AccessKeyId', 'AccessKeySecret', 'SecurityToken', 'Expiration']);
    expect(answer).toEqual({
      StatusCode: 200,
      AccessKeyId: expect.stringMatching(/^STS\./),
      AccessKeySecret: expect.stringMatching(/^\S{16,}$/),
      SecurityToken: expect.stringMatching(/^\S{16,}$/),
      Expiration: expect.stringMatching(EXPIRATION),
    });
    // The same credentials the default answer carries (one cache per instance), the expiry cut to whole seconds.
    const plain = jsonOf(
      await call(handler, { method: 'POST', query: {}, body: {}, contentType: 'application/json', authorization: await bearer('mia') }),
    );
    expect([answer['AccessKeyId'], answer['AccessKeySecret'], answer['SecurityToken']]).toEqual([
      plain['accessKeyId'],
      plain['accessKeySecret'],
      plain['securityToken'],
    ]);
    expect(answer['Expiration']).toBe(`${String(plain['expiration']).slice(0, 19)}Z`);
    const lifetime = Date.parse(String(answer['Expiration'])) - Date.parse(String(plain['serverTime']));
    expect(lifetime).toBeGreaterThan(890_000);
    expect(lifetime).toBeLessThanOrEqual(900_000);
    expect(logs.map((line) => [line.method, line.status, line.key])).toEqual([
      [request.method, 200, 'users/mia/sts/'],
      ['POST', 200, 'users/mia/sts/'],
    ]);
  });

  test('Expiration: whole seconds, always rounded down, never later than the credentials’ own', () => {
    expect(appServerExpiration(new Date('2026-11-28T10:35:00.000Z'))).toBe('2026-11-28T10:35:00Z');
    expect(appServerExpiration(new Date('2026-11-28T10:35:00.999Z'))).toBe('2026-11-28T10:35:00Z');
    expect(appServerExpiration(new Date('2026-12-31T23:59:59.500Z'))).toBe('2026-12-31T23:59:59Z');
    expect(appServerExpiration(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)))).toBe('2026-01-02T03:04:05Z');
  });

  test('without ?format the default answer, by GET as by POST; an unknown format is refused before STS is called', async () => {
    const handler = stsToken();
    const viaGet = await call(handler, { method: 'GET', query: {}, authorization: await bearer('noa') });
    expect(viaGet.statusCode).toBe(200);
    expect(jsonOf(viaGet)).toMatchObject({ accessKeyId: expect.stringMatching(/^STS\./), prefix: 'users/noa/sts/' });

    const before = sts.assumeRoleCalls();
    for (const format of ['App-Server', 'appserver', '', 'app-server,app-server']) {
      const response = await call(handler, { query: { format }, authorization: await bearer('ola') });
      expect(response.statusCode).toBe(400);
      expect(jsonOf(response)).toEqual({ error: { code: 'BadRequest', message: 'format must be "app-server" or left out' } });
    }
    expect(sts.assumeRoleCalls()).toBe(before);
  });

  test('other query parameters are ignored (a cache-buster changes nothing)', async () => {
    const response = await call(stsToken(), { query: { format: 'app-server', t: '12345' }, authorization: await bearer('pia') });
    expect(response.statusCode).toBe(200);
    expect(jsonOf(response)['StatusCode']).toBe(200);
  });
});

describe('errors: the same HTTP status, and {StatusCode, ErrorCode, ErrorMessage}', () => {
  const appServerError = (response: FcResponse): Record<string, unknown> => {
    const body = jsonOf(response);
    expect(Object.keys(body)).toEqual(['StatusCode', 'ErrorCode', 'ErrorMessage']);
    expect(body['StatusCode']).toBe(response.statusCode);
    return body;
  };

  test('no token: 401 Unauthorized, with WWW-Authenticate', async () => {
    const response = await call(stsToken(), {});
    expect(response.statusCode).toBe(401);
    expect(response.headers['WWW-Authenticate']).toMatch(/^Bearer /);
    expect(appServerError(response)).toEqual({ StatusCode: 401, ErrorCode: 'Unauthorized', ErrorMessage: 'missing bearer token' });
  });

  test('an expired token: 401 Unauthorized', async () => {
    const expired = await bearer('quinn', { exp: Math.floor(Date.now() / 1000) - 300 });
    const response = await call(stsToken(), { authorization: expired });
    expect(appServerError(response)).toEqual({
      StatusCode: 401,
      ErrorCode: 'Unauthorized',
      ErrorMessage: expect.stringMatching(/expired/),
    });
  });

  test.each([
    ['hangs', { kind: 'hang' } as const],
    ['answers 500', { kind: 'status', status: 500, code: 'InternalError' } as const],
  ])('STS %s: 503 UpstreamUnavailable, with Retry-After', async (_name, fault) => {
    sts.setFault(fault);
    const response = await call(stsToken(), { authorization: await bearer('rue') });
    expect(response.statusCode).toBe(503);
    expect(response.headers['Retry-After']).toBe('2');
    expect(appServerError(response)).toEqual({
      StatusCode: 503,
      ErrorCode: 'UpstreamUnavailable',
      ErrorMessage: 'the credential service is unavailable, retry shortly',
    });
  });

  test('STS throttling: 429 TooManyRequests', async () => {
    sts.setFault({ kind: 'throttle' });
    const response = await call(stsToken(), { authorization: await bearer('sol') });
    expect(appServerError(response)).toMatchObject({ StatusCode: 429, ErrorCode: 'TooManyRequests' });
  });

  test('a misconfigured function: 500 InternalError saying nothing more', async () => {
    const handler = createFcHandler(createStsTokenFunction(), {
      env: { ...env(), STS_ROLE_ARN: 'not-an-arn' },
      log: () => undefined,
      warn: () => undefined,
    });
    const response = await call(handler, { authorization: await bearer('tom') });
    expect(appServerError(response)).toEqual({ StatusCode: 500, ErrorCode: 'InternalError', ErrorMessage: 'internal error' });
  });

  test('a GET with a body, a POST without JSON, another method: 400, 415, 405 (with Allow) in the same shape', async () => {
    const handler = stsToken();
    const token = await bearer('uma');
    expect(appServerError(await call(handler, { authorization: token, body: 'x' }))).toEqual({
      StatusCode: 400,
      ErrorCode: 'BadRequest',
      ErrorMessage: 'a GET request has no body',
    });
    expect(appServerError(await call(handler, { method: 'POST', authorization: token, body: '{}' }))).toMatchObject({
      StatusCode: 415,
      ErrorCode: 'UnsupportedMediaType',
    });
    const put = await call(handler, { method: 'PUT', authorization: token });
    expect(put.headers['Allow']).toBe('GET, POST, OPTIONS');
    expect(appServerError(put)).toEqual({
      StatusCode: 405,
      ErrorCode: 'MethodNotAllowed',
      ErrorMessage: 'method PUT is not allowed; use GET or POST',
    });
  });
});

describe('the edge: methods per function', () => {
  test('the preflight of sts-token lists GET; sign-url’s does not, and a GET of sign-url is 405 in the default shape', async () => {
    const preflight = { 'access-control-request-method': 'GET', origin: 'https://app.example.com' };
    const sts = (await stsToken()(fcEvent({ method: 'OPTIONS', headers: preflight }), {})) as FcResponse;
    expect([sts.statusCode, sts.headers['Access-Control-Allow-Methods'], sts.headers['Allow']]).toEqual([
      204,
      'GET, POST, OPTIONS',
      'GET, POST, OPTIONS',
    ]);

    const signUrl = createFcHandler(signUrlFunction, { env: env(), log: () => undefined, warn: () => undefined });
    const signPreflight = (await signUrl(fcEvent({ method: 'OPTIONS', headers: preflight }), {})) as FcResponse;
    expect([signPreflight.headers['Access-Control-Allow-Methods'], signPreflight.headers['Allow']]).toEqual([
      'POST, OPTIONS',
      'POST, OPTIONS',
    ]);
    const get = (await signUrl(
      fcEvent({ method: 'GET', query: { format: 'app-server' }, headers: { authorization: await bearer('vic') } }),
      {},
    )) as FcResponse;
    expect([get.statusCode, get.headers['Allow']]).toEqual([405, 'POST, OPTIONS']);
    expect(jsonOf(get)).toEqual({ error: { code: 'MethodNotAllowed', message: 'method GET is not allowed; use POST' } });
  });
});
