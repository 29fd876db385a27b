/**
 * sts-token against a real STS endpoint on loopback (the STS emulator, which verifies the SDK's request
 * signature), through the FC edge built from source: answers, caching and coalescing, faults.
 */
import { createServer } from 'node:net';
import { staticAccounts } from '../../../local/emulator-accounts';
import { startStsEmulator, type RunningStsEmulator } from '../../../local/sts-emulator';
import { assumeRoleWithSdk, type AssumeRole } from '../../../shared/alicloud/sts-client';
import { createFcHandler } from '../../../shared/edge/handler';
import type { LogWriter, RequestLogLine } from '../../../shared/edge/log';
import { createStsTokenFunction, roleSessionNameFor } from '../../../functions/sts-token/vend-credentials';
import { userSegmentFor } from '../../../shared/auth/identity';
import { timedAgainstDeadline } from '../../support/deadline';
import { baseEnv } from '../../support/env';
import { fcEvent, jsonOf, type FcResponse } from '../../support/fc-event';
import { hsToken } from '../../support/tokens';
import { expectedUserTag } from '../../support/user-ids';

const ACCOUNT = '1234567890123456';
const UPLOAD_ROLE = `acs:ram::${ACCOUNT}:role/oss-upload`;
const caller = { accessKeyId: 'LTAI-fc-role', accessKeySecret: 'fc-role-secret-for-tests', securityToken: undefined };
const uploadRolePolicy = JSON.stringify({
  Version: '1',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['oss:PutObject', 'oss:AbortMultipartUpload', 'oss:ListParts'],
      Resource: ['acs:oss:*:*:uploads-bucket/users/*/sts/*'],
    },
  ],
});

let sts: RunningStsEmulator;
beforeAll(async () => {
  sts = await startStsEmulator({ callers: staticAccounts([caller]), roles: [{ arn: UPLOAD_ROLE, policy: uploadRolePolicy }] });
});
afterAll(() => sts.close());
afterEach(() => sts.setFault(undefined));

interface Harness {
  /** A request with a fresh token for `subject`, expiring 10 minutes after the harness clock's now unless `exp` says. */
  call(subject: string, claims?: { exp?: number }): Promise<FcResponse>;
  logs: RequestLogLine[];
  tokens: string[];
}

function harness(options: { env?: Record<string, string>; clock?: () => Date; assumeRole?: AssumeRole } = {}): Harness {
  const logs: RequestLogLine[] = [];
  const log: LogWriter = (line) => void logs.push(line);
  const env = baseEnv({
    STS_ROLE_ARN: UPLOAD_ROLE,
    STS_ENDPOINT: sts.endpoint,
    STS_TIMEOUT_MS: '800',
    ALIBABA_CLOUD_ACCESS_KEY_ID: caller.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: caller.accessKeySecret,
    ...options.env,
  });
  const definition = createStsTokenFunction({
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.assumeRole === undefined ? {} : { assumeRole: options.assumeRole }),
  });
  const handler = createFcHandler(definition, {
    env,
    log,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  const tokens: string[] = [];
  return {
    logs,
    tokens,
    call: async (subject, claims = {}) => {
      const now = Math.floor((options.clock?.() ?? new Date()).getTime() / 1000);
      const token = await hsToken({ sub: subject, exp: claims.exp ?? now + 600 });
      tokens.push(token);
      return await handler(
        fcEvent({
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', origin: 'https://app.example.com' },
          body: {},
        }),
        {},
      );
    },
  };
}

const expectedPolicy = (segment: string): unknown => ({
  Version: '1',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['oss:PutObject', 'oss:AbortMultipartUpload', 'oss:ListParts'],
      Resource: [`acs:oss:*:*:uploads-bucket/users/${segment}/sts/*`],
    },
  ],
});

describe('answers', () => {
  test('credentials confined to the user, enough to build an ali-oss client unchanged', async () => {
    const before = sts.assumeRoleCalls();
    const response = await harness().call('alice');
    expect(response.statusCode).toBe(200);
    expect(response.headers['Cache-Control']).toBe('no-store');
    const answer = jsonOf(response);
    expect(answer).toEqual({
      accessKeyId: expect.stringMatching(/^STS\./),
      accessKeySecret: expect.any(String),
      securityToken: expect.any(String),
      stsToken: answer['securityToken'],
      expiration: expect.any(String),
      serverTime: expect.any(String),
      bucket: 'uploads-bucket',
      region: 'oss-cn-hangzhou',
      endpoint: 'https://uploads-bucket.oss-cn-hangzhou.aliyuncs.com',
      cname: true,
      secure: true,
      authorizationV4: true,
      prefix: 'users/alice/sts/',
      profile: 'default',
      maxBytes: 104_857_600,
      allowedContentTypes: expect.arrayContaining(['image/png']),
    });
    const lifetime = Date.parse(String(answer['expiration'])) - Date.parse(String(answer['serverTime']));
    expect(lifetime).toBeGreaterThan(890_000);
    expect(lifetime).toBeLessThanOrEqual(900_000);
    expect(sts.assumeRoleCalls()).toBe(before + 1);
    const request = sts.lastRequests().at(-1)!;
    expect(request.durationSeconds).toBe(900);
    expect(request.roleSessionName).toBe(`upload-${expectedUserTag('alice')}`);
    expect(JSON.parse(request.policy!)).toEqual(expectedPolicy('alice'));
  });

  test.each(['*', '?', 'a/b', '../x', 'alice/', 'ü', 'x'.repeat(500)])(
    'hostile identity %j gets a policy confined to its own segment',
    async (subject) => {
      const response = await harness().call(subject);
      expect(response.statusCode).toBe(200);
      const request = sts.lastRequests().at(-1)!;
      expect(JSON.parse(request.policy!)).toEqual(expectedPolicy(userSegmentFor(subject)));
      expect(request.roleSessionName).toBe(roleSessionNameFor(expectedUserTag(userSegmentFor(subject))));
      expect(request.roleSessionName).toMatch(/^[A-Za-z0-9.@_-]{2,32}$/);
    },
  );
});

describe('cache and coalescing', () => {
  test('100 concurrent requests from 3 users → exactly 3 AssumeRole calls', async () => {
    const h = harness();
    const before = sts.assumeRoleCalls();
    const responses = await Promise.all(Array.from({ length: 100 }, (_, i) => h.call(['ann', 'ben', 'cat'][i % 3]!)));
    expect(responses.every((r) => r.statusCode === 200)).toBe(true);
    expect(sts.assumeRoleCalls() - before).toBe(3);
    const byUser = new Map(responses.map((r) => [jsonOf(r)['prefix'], jsonOf(r)['accessKeyId']]));
    expect(byUser.size).toBe(3);
  });

  test('an entry close to expiry is refreshed; an expired one is never served', async () => {
    let now = Date.now();
    const h = harness({ clock: () => new Date(now) });
    const before = sts.assumeRoleCalls();
    const first = jsonOf(await h.call('dan'));
    now += 200_000;
    expect(jsonOf(await h.call('dan'))['accessKeyId']).toBe(first['accessKeyId']);
    now += 150_000; // 550 s of 900 s left: under two thirds, refreshed
    const refreshed = jsonOf(await h.call('dan'));
    expect(refreshed['accessKeyId']).not.toBe(first['accessKeyId']);
    expect(sts.assumeRoleCalls() - before).toBe(2);
    now += 3_600_000;
    const later = jsonOf(await h.call('dan'));
    expect(Date.parse(String(later['expiration']))).toBeGreaterThan(Date.now());
    expect(sts.assumeRoleCalls() - before).toBe(3);
  });

  test('a failed call is not cached: the next request calls STS again', async () => {
    const h = harness();
    const before = sts.assumeRoleCalls();
    sts.setFault({ kind: 'status', status: 500, code: 'InternalError' });
    expect((await h.call('eve')).statusCode).toBe(503);
    sts.setFault(undefined);
    expect((await h.call('eve')).statusCode).toBe(200);
    expect(sts.assumeRoleCalls() - before).toBe(2);
  });
});

describe('AssumeRole pace (one instance)', () => {
  test('11 new users at once: 10 calls, never more than 5 in a second, the 11th told to retry', async () => {
    const callStarts: number[] = [];
    const h = harness({
      assumeRole: (input) => {
        callStarts.push(performance.now());
        return assumeRoleWithSdk(input);
      },
    });
    const before = sts.assumeRoleCalls();
    const responses = await Promise.all(Array.from({ length: 11 }, (_, i) => h.call(`pace-${i}`)));
    expect(responses.filter((r) => r.statusCode === 200)).toHaveLength(10);
    const refused = responses.filter((r) => r.statusCode === 429);
    expect(refused).toHaveLength(1);
    expect(jsonOf(refused[0]!)).toEqual({ error: { code: 'TooManyRequests', message: 'too many credential requests, retry shortly' } });
    expect(refused[0]!.headers['Retry-After']).toBe('2');
    expect(sts.assumeRoleCalls() - before).toBe(10);
    // Five calls at once, the next five a whole window after the first (1 ms of slack for timer rounding).
    expect(callStarts).toHaveLength(10);
    for (const start of callStarts)
      expect(callStarts.filter((other) => other >= start && other < start + 999).length).toBeLessThanOrEqual(5);
    expect(callStarts[5]! - callStarts[0]!).toBeGreaterThanOrEqual(999);
  });

  test('cache hits never wait for the pace', async () => {
    const h = harness();
    for (let i = 0; i < 5; i += 1) expect((await h.call(`hit-${i}`)).statusCode).toBe(200);
    const started = performance.now();
    const again = await Promise.all(Array.from({ length: 50 }, (_, i) => h.call(`hit-${i % 5}`)));
    expect(again.every((r) => r.statusCode === 200)).toBe(true);
    expect(performance.now() - started).toBeLessThan(900);
  });
});

describe('credentials and the lifetime of the login', () => {
  test("credentials never outlive the caller's token by more than STS's 900 s minimum forces", async () => {
    const h = harness({ env: { STS_DURATION_SECONDS: '3600' } });
    const before = sts.assumeRoleCalls();
    const nowSeconds = (): number => Math.floor(Date.now() / 1000);
    const lifetimeOf = (answer: Record<string, unknown>): number =>
      (Date.parse(String(answer['expiration'])) - Date.parse(String(answer['serverTime']))) / 1000;

    // A token valid for three hours: the configured hour.
    const long = jsonOf(await h.call('max', { exp: nowSeconds() + 3 * 3600 }));
    expect(lifetimeOf(long)).toBeGreaterThan(3590);
    // A token with five minutes left is not served the cached hour: a new call, for STS's minimum.
    const shortExp = nowSeconds() + 300;
    const short = jsonOf(await h.call('max', { exp: shortExp }));
    expect(short['accessKeyId']).not.toBe(long['accessKeyId']);
    expect(Date.parse(String(short['expiration'])) / 1000).toBeLessThanOrEqual(nowSeconds() + 900 + 30);
    // Another token with less than 900 s left shares them: STS's minimum decides their lifetime alike.
    expect(jsonOf(await h.call('max', { exp: nowSeconds() + 200 }))['accessKeyId']).toBe(short['accessKeyId']);
    // A token with twenty minutes left gets what remains of it, not the configured hour: they end when it does.
    const mediumExp = nowSeconds() + 1200;
    const medium = jsonOf(await h.call('max', { exp: mediumExp }));
    expect(Math.abs(Date.parse(String(medium['expiration'])) / 1000 - mediumExp)).toBeLessThanOrEqual(30);
    // Another user's first call with such a token asks STS for what remains of the token too.
    const fresh = jsonOf(await h.call('mia', { exp: mediumExp }));
    expect(Math.abs(Date.parse(String(fresh['expiration'])) / 1000 - mediumExp)).toBeLessThanOrEqual(30);
    expect(sts.assumeRoleCalls() - before).toBe(4);
    const durations = sts
      .lastRequests()
      .slice(-4)
      .map((request) => request.durationSeconds ?? 0);
    expect(durations.slice(0, 2)).toEqual([3600, 900]);
    for (const duration of durations.slice(2)) expect(Math.abs(duration - 1200)).toBeLessThanOrEqual(5);
  });

  test('one user alternating a long-lived and a shorter-lived token: two sets of credentials, not a call per request', async () => {
    const h = harness({ env: { STS_DURATION_SECONDS: '3600' } });
    const before = sts.assumeRoleCalls();
    const exps = [Math.floor(Date.now() / 1000) + 7200, Math.floor(Date.now() / 1000) + 2000];
    const served = [];
    for (let i = 0; i < 10; i += 1) served.push(jsonOf(await h.call('alt', { exp: exps[i % 2]! }))['accessKeyId']);
    expect(sts.assumeRoleCalls() - before).toBe(2);
    expect(new Set(served.filter((_, i) => i % 2 === 0)).size).toBe(1);
    expect(new Set(served.filter((_, i) => i % 2 === 1)).size).toBe(1);
  });
});

describe("STS's clock off ours", () => {
  test.each([
    ['14 minutes ahead', 14 * 60_000],
    ['14 minutes behind', -14 * 60_000],
  ])("STS's clock %s: the cache still serves, and the answer's lifetime is counted on our clock", async (_name, skewMs) => {
    const skewed = await startStsEmulator({
      callers: staticAccounts([caller]),
      roles: [{ arn: UPLOAD_ROLE, policy: uploadRolePolicy }],
      now: () => new Date(Date.now() + skewMs),
    });
    try {
      const h = harness({ env: { STS_ENDPOINT: skewed.endpoint } });
      const answers = [];
      for (let i = 0; i < 5; i += 1) answers.push(jsonOf(await h.call('skew')));
      expect(skewed.assumeRoleCalls()).toBe(1);
      expect(new Set(answers.map((answer) => answer['accessKeyId'])).size).toBe(1);
      const lifetime = (Date.parse(String(answers[0]!['expiration'])) - Date.parse(String(answers[0]!['serverTime']))) / 1000;
      expect(lifetime).toBeGreaterThan(895);
      expect(lifetime).toBeLessThanOrEqual(900);
    } finally {
      await skewed.close();
    }
  });
});

describe('faults', () => {
  const timed = async (run: () => Promise<FcResponse>): Promise<{ response: FcResponse; ms: number }> => {
    const started = performance.now();
    const response = await run();
    return { response, ms: performance.now() - started };
  };

  test.each([
    ['hang', { kind: 'hang' } as const],
    ['slower than the timeout', { kind: 'delay', ms: 5000 } as const],
  ])('STS %s → 503 UpstreamUnavailable with Retry-After, within the timeout', async (_name, fault) => {
    sts.setFault(fault);
    const h = harness();
    const { result: response, pastDeadlineMs } = await timedAgainstDeadline(800, () => h.call('fay'));
    expect(response.statusCode).toBe(503);
    expect(jsonOf(response)).toEqual({
      error: { code: 'UpstreamUnavailable', message: 'the credential service is unavailable, retry shortly' },
    });
    expect(response.headers['Retry-After']).toBe('2');
    // The bound: the timeout plus 100 ms, counted on this process's event loop (a loaded machine delays a
    // timer of the test's and the function's own alike: test/support/deadline.ts).
    expect(pastDeadlineMs).toBeLessThan(100);
  });

  test('STS unreachable → 503 quickly', async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const port = (probe.address() as { port: number }).port;
        probe.close(() => resolve(port));
      });
    });
    const { response, ms } = await timed(() => harness({ env: { STS_ENDPOINT: `127.0.0.1:${closed}` } }).call('gil'));
    expect(response.statusCode).toBe(503);
    expect(ms).toBeLessThan(1100);
  });

  test.each([
    ['answering 500', { kind: 'status', status: 500, code: 'InternalError' } as const, 503, 'UpstreamUnavailable'],
    ['answering malformed JSON', { kind: 'malformed' } as const, 503, 'UpstreamUnavailable'],
    ['throttling', { kind: 'throttle' } as const, 429, 'TooManyRequests'],
  ])('STS %s → %3$i %4$s with Retry-After', async (_name, fault, status, code) => {
    sts.setFault(fault);
    const h = harness();
    const response = await h.call('hal');
    expect(response.statusCode).toBe(status);
    expect((jsonOf(response) as { error: { code: string } }).error.code).toBe(code);
    expect(response.headers['Retry-After']).toMatch(/^\d+$/);
  });

  test.each([
    ['an unknown role (EntityNotExist.Role)', { STS_ROLE_ARN: `acs:ram::${ACCOUNT}:role/missing` }, 'EntityNotExist.Role'],
    ['a caller without permission (wrong secret)', { ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'not-the-secret' }, 'SignatureDoesNotMatch'],
    ['a duration over the role maximum', { STS_DURATION_SECONDS: '7200' }, 'InvalidParameter.DurationSeconds'],
  ])('configuration errors: %s → a generic 500, the STS code in the log only', async (_name, env, stsCode) => {
    const h = harness({ env });
    // A token that outlives the configured duration, so the call asks STS for all of it.
    const response = await h.call('ivy', { exp: Math.floor(Date.now() / 1000) + 3 * 3600 });
    expect(response.statusCode).toBe(500);
    expect(jsonOf(response)).toEqual({ error: { code: 'InternalError', message: 'internal error' } });
    expect(h.logs.at(-1)?.cause).toContain(stsCode);
  });

  test('no secret, token or STS error text reaches a log line', async () => {
    const h = harness();
    const answers = [await h.call('jon'), await h.call('kim')];
    sts.setFault({ kind: 'status', status: 500, code: 'InternalError' });
    await h.call('lee');
    const secrets = [
      caller.accessKeySecret,
      ...h.tokens,
      ...answers.flatMap((r) => [String(jsonOf(r)['accessKeySecret']), String(jsonOf(r)['securityToken'])]),
    ];
    const written = h.logs.map((line) => JSON.stringify(line)).join('\n');
    expect(h.logs).toHaveLength(3);
    for (const secret of secrets) expect(written).not.toContain(secret);
    expect(written).not.toContain('Policy');
  });
});
