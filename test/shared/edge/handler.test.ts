/** The FC edge's handling of errors nobody planned for, and what its log lines say. */
import { createHash } from 'node:crypto';
import { edgeSection } from '../../../shared/config/sections';
import { createFcHandler } from '../../../shared/edge/handler';
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
  expect(jsonOf(response)).toEqual({ error: { code: 'PayloadTooLarge', message: 'body is larger than 16384 bytes' } });
  expect(response.headers['Access-Control-Allow-Origin']).toBe('https://app.example.com');
  expect(logs.map((line) => [line.requestId, line.status])).toEqual([['big-body', 413]]);
});
