/** The FC edge's handling of errors nobody planned for, and what its log lines say. */
import { createHash } from 'node:crypto';
import { edgeSection, type EdgeConfig } from '../../../shared/config/sections';
import { createFcHandler, type FcHandler, type FunctionDefinition } from '../../../shared/edge/handler';
import type { RequestLogLine, WarningLogLine } from '../../../shared/edge/log';
import { baseEnv } from '../../support/env';
import { fcEvent, jsonOf, type FcResponse } from '../../support/fc-event';
import { hsToken } from '../../support/tokens';
import { expectedUserTag } from '../../support/user-ids';

test('an unexpected error answers a bare 500 and logs its name and place, never its message', async () => {
  const logs: RequestLogLine[] = [];
  const handler = createFcHandler(
    {
      name: 'test',
      config: edgeSection,
      handle: () => {
        throw new RangeError('message that could carry accessKeySecret=abc123');
      },
    },
    { env: baseEnv(), log: (line) => void logs.push(line) },
  );
  const token = await hsToken({ sub: 'alice' });
  const response = (await handler(
    fcEvent({ headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: {} }),
    {},
  )) as FcResponse;
  expect(response.statusCode).toBe(500);
  expect(jsonOf(response)).toEqual({ error: { code: 'InternalError', message: 'internal error' } });
  expect(logs).toHaveLength(1);
  expect(logs[0]!.cause).toMatch(/^RangeError at /);
  expect(JSON.stringify(logs[0])).not.toContain('abc123');
});

describe('log lines say why', () => {
  const definition = { name: 'test', config: edgeSection, handle: () => ({ answer: { ok: true } }) };

  test('every 401 carries its reason code; the token never appears', async () => {
    const logs: RequestLogLine[] = [];
    const handler = createFcHandler(definition, { env: baseEnv(), log: (line) => void logs.push(line), warn: () => undefined });
    const now = Math.floor(Date.now() / 1000);
    const expired = await hsToken({ sub: 'alice', exp: now - 300 });
    const wrongKey = await hsToken({ sub: 'alice' }, { secret: 'another-secret-that-is-long-enough!!' });
    const headers: Array<Record<string, string>> = [
      {},
      { authorization: 'Basic abc' },
      { authorization: `Bearer ${expired}` },
      { authorization: `Bearer ${wrongKey}` },
      { authorization: 'Bearer x.y.z' },
    ];
    for (const extra of headers) await handler(fcEvent({ headers: { 'content-type': 'application/json', ...extra }, body: {} }), {});
    expect(logs.map((line) => [line.status, line.errorCode, line.reason])).toEqual([
      [401, 'Unauthorized', 'missing_token'],
      [401, 'Unauthorized', 'not_bearer'],
      [401, 'Unauthorized', 'token_expired'],
      [401, 'Unauthorized', 'bad_signature'],
      [401, 'Unauthorized', 'malformed_token'],
    ]);
    for (const line of logs) expect(JSON.stringify(line)).not.toMatch(/eyJ/);
  });

  test('a shared secret without AUTH_ISSUER and AUTH_AUDIENCE is warned about once, at cold start', async () => {
    const warnings: WarningLogLine[] = [];
    const warn = (line: WarningLogLine): void => void warnings.push(line);
    const handler = createFcHandler(definition, { env: baseEnv(), log: () => undefined, warn });
    await handler(fcEvent({ headers: { authorization: `Bearer ${await hsToken({ sub: 'alice' })}` } }), {});
    expect(warnings).toEqual([
      {
        level: 'warn',
        function: 'test',
        requestId: 'cold-start',
        warning: expect.stringContaining('without AUTH_ISSUER and AUTH_AUDIENCE'),
      },
    ]);
    warnings.length = 0;
    createFcHandler(definition, { env: baseEnv({ AUTH_ISSUER: 'https://idp.example.com', AUTH_AUDIENCE: 'uploads' }), warn });
    expect(warnings).toEqual([]);
  });

  test('the log tag of a user is keyed: it is not the unsalted hash of old, and USER_HASH_SECRET changes it', async () => {
    const tags: string[] = [];
    const token = await hsToken({ sub: 'alice' });
    for (const env of [baseEnv(), baseEnv({ USER_HASH_SECRET: 'a-user-hash-secret-of-at-least-32-bytes' })]) {
      const handler = createFcHandler(definition, { env, log: (line) => void tags.push(String(line.user)), warn: () => undefined });
      await handler(fcEvent({ headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: {} }), {});
    }
    expect(tags).toEqual([expectedUserTag('alice'), expectedUserTag('alice', 'a-user-hash-secret-of-at-least-32-bytes')]);
    expect(tags[0]).not.toBe(createHash('sha256').update('alice').digest('hex').slice(0, 16));
  });
});

test('a body over 16 KiB is answered 413 before the token is read, with CORS headers and the request id in the log', async () => {
  const logs: RequestLogLine[] = [];
  const handler = createFcHandler(
    { name: 'test', config: edgeSection, handle: () => ({ answer: {} }) },
    { env: baseEnv(), log: (line) => void logs.push(line), warn: () => undefined },
  );
  const response = (await handler(
    fcEvent({
      requestId: 'big-body',
      headers: { origin: 'https://app.example.com', 'content-type': 'application/json' },
      body: Buffer.alloc(16 * 1024 + 1, 0x20),
    }),
    {},
  )) as FcResponse;
  expect(response.statusCode).toBe(413);
  expect(jsonOf(response)).toEqual({ error: { code: 'PayloadTooLarge', message: 'body is larger than 16 KiB', maxBytes: 16384 } });
  expect(response.headers['Access-Control-Allow-Origin']).toBe('https://app.example.com');
  expect(logs.map((line) => [line.requestId, line.status])).toEqual([['big-body', 413]]);
});

describe('what a definition declares: its methods and the query parameters it reads', () => {
  const seen: Array<{ method: string; input: unknown; query: Record<string, string> }> = [];
  const handlerOf = (extra: Partial<FunctionDefinition<EdgeConfig>>): FcHandler =>
    createFcHandler(
      {
        name: 'test',
        config: edgeSection,
        handle: ({ request, input, query }) => {
          seen.push({ method: request.method, input, query: { ...query } });
          return { answer: { ok: true } };
        },
        ...extra,
      },
      { env: baseEnv(), log: () => undefined, warn: () => undefined },
    );
  const send = async (handler: FcHandler, method: string, query: Record<string, string> = {}, body?: object): Promise<FcResponse> =>
    await handler(
      fcEvent({
        method,
        query,
        headers: { authorization: `Bearer ${await hsToken({ sub: 'alice' })}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body }),
      }),
      {},
    );

  beforeEach(() => void (seen.length = 0));

  test('by default POST only, and no query: a GET is 405 with Allow: POST, OPTIONS; query parameters never reach the step', async () => {
    const handler = handlerOf({});
    const get = await send(handler, 'GET');
    expect([get.statusCode, get.headers['Allow']]).toEqual([405, 'POST, OPTIONS']);
    expect((await send(handler, 'POST', { format: 'x' }, {})).statusCode).toBe(200);
    expect(seen).toEqual([{ method: 'POST', input: {}, query: {} }]);
  });

  test('GET and POST declared: a GET has no body and no JSON check; only the declared parameters are handed over', async () => {
    const handler = handlerOf({ methods: ['GET', 'POST'], query: ['format'] });
    expect((await send(handler, 'GET', { format: 'a', other: 'b' })).statusCode).toBe(200);
    expect((await send(handler, 'POST', { other: 'b' }, { x: 1 })).statusCode).toBe(200);
    expect(seen).toEqual([
      { method: 'GET', input: undefined, query: { format: 'a' } },
      { method: 'POST', input: { x: 1 }, query: {} },
    ]);
    const del = await send(handler, 'DELETE');
    expect([del.statusCode, del.headers['Allow']]).toEqual([405, 'GET, POST, OPTIONS']);
    expect(jsonOf(del)).toEqual({ error: { code: 'MethodNotAllowed', message: 'method DELETE is not allowed; use GET or POST' } });
  });

  test('GET only: a POST is 405, the preflight lists GET and OPTIONS', async () => {
    const handler = handlerOf({ methods: ['GET'] });
    const post = await send(handler, 'POST', {}, {});
    expect([post.statusCode, post.headers['Allow']]).toEqual([405, 'GET, OPTIONS']);
    const preflight = (await handler(
      fcEvent({ method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' } }),
      {},
    )) as FcResponse;
    expect([preflight.statusCode, preflight.headers['Access-Control-Allow-Methods']]).toEqual([204, 'GET, OPTIONS']);
  });

  test('errorBody shapes the errors it wants to (seeing the declared query only); undefined keeps the default', async () => {
    const handler = handlerOf({
      methods: ['GET'],
      query: ['shape'],
      errorBody: (error, query) =>
        query['shape'] === 'flat' ? { status: error.status, code: error.code, said: error.message } : undefined,
    });
    const flat = (await handler(fcEvent({ method: 'GET', query: { shape: 'flat' } }), {})) as FcResponse;
    expect([flat.statusCode, jsonOf(flat)]).toEqual([401, { status: 401, code: 'Unauthorized', said: 'missing bearer token' }]);
    expect(flat.headers['WWW-Authenticate']).toMatch(/^Bearer /);
    const plain = (await handler(fcEvent({ method: 'GET', query: { other: 'flat' } }), {})) as FcResponse;
    expect(jsonOf(plain)).toEqual({ error: { code: 'Unauthorized', message: 'missing bearer token' } });
    // An event that cannot be read is answered before its query is: the default shape.
    const unreadable = (await handler(Buffer.from('not json'), {})) as FcResponse;
    expect(jsonOf(unreadable)).toEqual({ error: { code: 'BadRequest', message: 'event is not an HTTP trigger event' } });
  });
});
