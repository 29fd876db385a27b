/**
 * The STS emulator driven by the official SDK (@alicloud/sts20150401 1.1.4 + openapi-client 0.4.15) over
 * real HTTP on a random loopback port. Hand-computed signatures live in sts-emulator-signatures.test.ts.
 */
import * as Sts20150401 from '@alicloud/sts20150401';
import { Config } from '@alicloud/openapi-client';
import {
  firstKnown,
  staticAccounts,
  type CredentialLookup,
  type CredentialResolver,
  type FoundCredential,
} from '../../local/emulator-accounts';
import { startStsEmulator, type RunningStsEmulator, type StsEmulatorOptions } from '../../local/sts-emulator';

const ACCOUNT = '1234567890123456';
const ROLE_ARN = `acs:ram::${ACCOUNT}:role/uploader`;
const LONG_ROLE_ARN = `acs:ram::${ACCOUNT}:role/long-sessions`;
const CALLER = { accessKeyId: 'LTAIcaller0000000001', accessKeySecret: 'caller-secret-0123456789' };

/** The role may do anything in the bucket but never touch `users/*\/private/`. */
const ROLE_POLICY = JSON.stringify({
  Version: '1',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['oss:*', 'sts:AssumeRole'],
      Resource: ['acs:oss:*:*:bucket', 'acs:oss:*:*:bucket/*', `acs:ram::${ACCOUNT}:role/*`],
    },
    { Effect: 'Deny', Action: 'oss:*', Resource: 'acs:oss:*:*:bucket/users/*/private/*' },
  ],
});
const ALICE_POLICY = JSON.stringify({
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: ['oss:PutObject', 'oss:AbortMultipartUpload'], Resource: ['acs:oss:*:*:bucket/users/alice/*'] }],
});

type SdkError = Error & { code?: string; statusCode?: number; data?: Record<string, unknown> };

interface Harness {
  emulator: RunningStsEmulator;
  /** Moves the emulator's clock (the SDK keeps using real time for its Timestamp). */
  advance(ms: number): void;
  clockMs(): number;
}

async function start(overrides: Partial<StsEmulatorOptions> = {}): Promise<Harness> {
  // Whole seconds, so the expected Expiration can be computed exactly.
  let clock = Math.floor(Date.now() / 1000) * 1000;
  const emulator = await startStsEmulator({
    callers: staticAccounts([CALLER]),
    roles: [
      { arn: ROLE_ARN, policy: ROLE_POLICY },
      { arn: LONG_ROLE_ARN, policy: ROLE_POLICY, maxSessionDurationSeconds: 7200 },
    ],
    now: () => new Date(clock),
    ...overrides,
  });
  return { emulator, advance: (ms) => (clock += ms), clockMs: () => clock };
}

function client(
  emulator: RunningStsEmulator,
  credentials: { accessKeyId: string; accessKeySecret: string; securityToken?: string } = CALLER,
  timeouts: { connectTimeout?: number; readTimeout?: number } = {},
): Sts20150401.default {
  return new Sts20150401.default(new Config({ endpoint: emulator.endpoint, protocol: 'http', ...credentials, ...timeouts }));
}

function request(
  fields: { roleArn?: string; roleSessionName?: string; durationSeconds?: number; policy?: string } = {},
): Sts20150401.AssumeRoleRequest {
  return new Sts20150401.AssumeRoleRequest({ roleArn: ROLE_ARN, roleSessionName: 'alice', durationSeconds: 900, ...fields });
}

async function sdkError(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (error) {
    return error as SdkError;
  }
  throw new Error('expected the SDK call to fail');
}

function found(lookup: CredentialLookup): FoundCredential {
  if (lookup.kind !== 'found') throw new Error(`expected found, got ${lookup.code}`);
  return lookup;
}

let harness: Harness;
beforeEach(async () => {
  harness = await start();
});
afterEach(async () => {
  await harness.emulator.close();
});

describe('startStsEmulator', () => {
  it('listens on 127.0.0.1 on the port it reports', () => {
    const { emulator } = harness;
    expect(emulator.port).toBeGreaterThan(0);
    expect(emulator.endpoint).toBe(`127.0.0.1:${emulator.port}`);
    expect(emulator.url).toBe(`http://127.0.0.1:${emulator.port}`);
  });

  it.each([['0.0.0.0'], ['192.168.1.10'], ['localhost'], ['::']])('refuses the non-loopback host %s', async (host) => {
    await expect(startStsEmulator({ callers: staticAccounts([]), roles: [], host })).rejects.toThrow(/loopback/);
  });

  it('refuses a malformed role ARN, an invalid role policy and an out-of-range maximum session', async () => {
    const callers = staticAccounts([]);
    await expect(startStsEmulator({ callers, roles: [{ arn: 'acs:ram::x:role/a', policy: ROLE_POLICY }] })).rejects.toThrow(
      /is not acs:ram::<account>:role\/<name>/,
    );
    await expect(startStsEmulator({ callers, roles: [{ arn: ROLE_ARN, policy: '{"Version":"1"}' }] })).rejects.toThrow(
      /policy of role .* is invalid/,
    );
    await expect(
      startStsEmulator({ callers, roles: [{ arn: ROLE_ARN, policy: ROLE_POLICY, maxSessionDurationSeconds: 900 }] }),
    ).rejects.toThrow(/3600\.\.43200/);
  });

  it('closes promptly even with a hung request and the SDK keep-alive socket open', async () => {
    const { emulator } = harness;
    await client(emulator).assumeRole(request());
    emulator.setFault({ kind: 'hang' });
    const pending = sdkError(client(emulator, CALLER, { connectTimeout: 20000, readTimeout: 20000 }).assumeRole(request()));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await emulator.close();
    expect(Date.now() - started).toBeLessThan(1000);
    const error = await pending;
    expect(error.message).toMatch(/socket hang up|ECONNRESET/);
    harness = await start(); // afterEach closes a fresh one
  });
});

describe('AssumeRole through the SDK', () => {
  it('issues credentials in the STS answer shape', async () => {
    const { emulator, clockMs } = harness;
    const response = await client(emulator).assumeRole(request({ policy: ALICE_POLICY }));
    expect(response.statusCode).toBe(200);
    const body = response.body;
    expect(body?.requestId).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    expect(body?.assumedRoleUser?.arn).toBe(`acs:ram::${ACCOUNT}:assumed-role/uploader/alice`);
    expect(body?.assumedRoleUser?.assumedRoleId).toMatch(/^\d{17}:alice$/);
    expect(body?.credentials?.accessKeyId).toMatch(/^STS\.[A-Za-z0-9]{28}$/);
    expect(body?.credentials?.accessKeySecret).toMatch(/^[A-Za-z0-9]{44}$/);
    expect(body?.credentials?.securityToken).toMatch(/^CAIS[A-Za-z0-9+/]+={0,2}$/);
    expect(body?.credentials?.securityToken).toContain('+');
    expect(body?.credentials?.securityToken).toContain('/');
    expect(body?.credentials?.expiration).toBe(new Date(clockMs() + 900_000).toISOString().replace('.000Z', 'Z'));
    expect(response.headers?.['cache-control']).toBe('no-store');
  });

  it("dates its answers by its own clock, as a real STS's Date header is its clock (a client measures skew by it)", async () => {
    const { emulator, clockMs, advance } = harness;
    advance(14 * 60_000);
    const response = await client(emulator).assumeRole(request());
    expect(response.headers?.['date']).toBe(new Date(clockMs()).toUTCString());
    expect(Date.parse(response.body?.credentials?.expiration ?? '') - Date.parse(response.headers?.['date'] ?? '')).toBe(900_000);
  });

  it('issues different credentials on every call', async () => {
    const { emulator } = harness;
    const [a, b] = await Promise.all([client(emulator).assumeRole(request()), client(emulator).assumeRole(request())]);
    expect(a.body?.credentials?.accessKeyId).not.toBe(b.body?.credentials?.accessKeyId);
    expect(a.body?.credentials?.securityToken).not.toBe(b.body?.credentials?.securityToken);
  });

  it('records the request parameters, and no secret, token or signature', async () => {
    const { emulator } = harness;
    const response = await client(emulator).assumeRole(request({ roleSessionName: 'bob', durationSeconds: 1200, policy: ALICE_POLICY }));
    await client(emulator).assumeRole(new Sts20150401.AssumeRoleRequest({ roleArn: ROLE_ARN, roleSessionName: 'carol' }));
    expect(emulator.lastRequests()).toEqual([
      { roleSessionName: 'bob', durationSeconds: 1200, policy: ALICE_POLICY },
      { roleSessionName: 'carol', durationSeconds: 3600, policy: undefined },
    ]);
    const recorded = JSON.stringify(emulator.lastRequests());
    for (const secret of [CALLER.accessKeySecret, response.body?.credentials?.accessKeySecret, response.body?.credentials?.securityToken]) {
      expect(recorded).not.toContain(secret);
    }
  });

  it('defaults DurationSeconds to 3600', async () => {
    const { emulator, clockMs } = harness;
    const response = await client(emulator).assumeRole(new Sts20150401.AssumeRoleRequest({ roleArn: ROLE_ARN, roleSessionName: 'alice' }));
    expect(Date.parse(response.body?.credentials?.expiration ?? '')).toBe(clockMs() + 3600_000);
  });
});

describe('credentialResolver(): what the OSS emulator sees', () => {
  async function issue(policy?: string) {
    const response = await client(harness.emulator).assumeRole(request(policy === undefined ? {} : { policy }));
    const credentials = response.body?.credentials;
    if (!credentials?.accessKeyId || !credentials.accessKeySecret || !credentials.securityToken || !credentials.expiration) {
      throw new Error('incomplete credentials');
    }
    return {
      ...credentials,
      accessKeyId: credentials.accessKeyId,
      securityToken: credentials.securityToken,
      expiration: credentials.expiration,
    };
  }
  const resolve = (id: string, token: string | undefined, at: number) => harness.emulator.credentialResolver()(id, token, new Date(at));

  it('resolves issued credentials to their secret and the role ∩ session permissions', async () => {
    const issued = await issue(ALICE_POLICY);
    const credential = found(resolve(issued.accessKeyId, issued.securityToken, harness.clockMs()));
    expect(credential.accessKeySecret).toBe(issued.accessKeySecret);
    expect(credential.isAllowed('oss:PutObject', 'acs:oss:*:*:bucket/users/alice/a.png', {})).toBe(true);
    expect(credential.isAllowed('oss:AbortMultipartUpload', 'acs:oss:*:*:bucket/users/alice/a.png', {})).toBe(true);
    // The role allows these; the session policy does not.
    expect(credential.isAllowed('oss:GetObject', 'acs:oss:*:*:bucket/users/alice/a.png', {})).toBe(false);
    expect(credential.isAllowed('oss:PutObject', 'acs:oss:*:*:bucket/users/bob/a.png', {})).toBe(false);
    expect(credential.isAllowed('oss:PutObject', 'acs:oss:*:*:bucket/users/alice2/a.png', {})).toBe(false);
    // The session policy allows this; the role's Deny does not.
    expect(credential.isAllowed('oss:PutObject', 'acs:oss:*:*:bucket/users/alice/private/a.png', {})).toBe(false);
  });

  it('gives a session without a policy the role permissions, Deny included', async () => {
    const issued = await issue();
    const credential = found(resolve(issued.accessKeyId, issued.securityToken, harness.clockMs()));
    expect(credential.isAllowed('oss:GetObject', 'acs:oss:*:*:bucket/users/bob/a.png', {})).toBe(true);
    expect(credential.isAllowed('oss:GetObject', 'acs:oss:*:*:other/a.png', {})).toBe(false);
    expect(credential.isAllowed('oss:GetObject', 'acs:oss:*:*:bucket/users/bob/private/a.png', {})).toBe(false);
  });

  it('answers SecurityTokenExpired from the Expiration instant on', async () => {
    const issued = await issue(ALICE_POLICY);
    const expiresAt = Date.parse(issued.expiration);
    expect(expiresAt).toBe(harness.clockMs() + 900_000);
    harness.advance(900_000 - 1);
    expect(resolve(issued.accessKeyId, issued.securityToken, harness.clockMs()).kind).toBe('found');
    harness.advance(1);
    expect(resolve(issued.accessKeyId, issued.securityToken, harness.clockMs())).toMatchObject({
      kind: 'error',
      code: 'SecurityTokenExpired',
    });
    harness.advance(3600_000);
    expect(resolve(issued.accessKeyId, issued.securityToken, harness.clockMs())).toMatchObject({
      kind: 'error',
      code: 'SecurityTokenExpired',
    });
  });

  it('refuses an altered, truncated, extended, missing or borrowed token with InvalidSecurityToken', async () => {
    const issued = await issue(ALICE_POLICY);
    const other = await issue(ALICE_POLICY);
    const token = issued.securityToken;
    const flipped = `${token.slice(0, 20)}${token[20] === 'A' ? 'B' : 'A'}${token.slice(21)}`;
    const variants = [flipped, token.slice(0, -1), `${token}A`, token.toLowerCase(), encodeURIComponent(token), '', other.securityToken];
    for (const variant of variants) {
      expect(resolve(issued.accessKeyId, variant, harness.clockMs())).toMatchObject({ kind: 'error', code: 'InvalidSecurityToken' });
    }
    expect(resolve(issued.accessKeyId, undefined, harness.clockMs())).toMatchObject({ kind: 'error', code: 'InvalidSecurityToken' });
  });

  it('does not know keys it never issued, so firstKnown can fall through to other resolvers', async () => {
    const issued = await issue();
    expect(resolve(CALLER.accessKeyId, undefined, harness.clockMs())).toMatchObject({ kind: 'error', code: 'InvalidAccessKeyId' });
    expect(resolve(`${issued.accessKeyId}x`, issued.securityToken, harness.clockMs())).toMatchObject({
      kind: 'error',
      code: 'InvalidAccessKeyId',
    });
    const both = firstKnown(staticAccounts([CALLER]), harness.emulator.credentialResolver());
    expect(both(CALLER.accessKeyId, undefined, new Date(harness.clockMs())).kind).toBe('found');
    expect(both(issued.accessKeyId, issued.securityToken, new Date(harness.clockMs())).kind).toBe('found');
    expect(both(issued.accessKeyId, 'forged', new Date(harness.clockMs()))).toMatchObject({ kind: 'error', code: 'InvalidSecurityToken' });
  });
});

describe('authentication errors through the SDK', () => {
  it('answers SignatureDoesNotMatch (400) for a wrong secret', async () => {
    const error = await sdkError(client(harness.emulator, { ...CALLER, accessKeySecret: 'wrong' }).assumeRole(request()));
    expect([error.code, error.statusCode]).toEqual(['SignatureDoesNotMatch', 400]);
    expect(error.data).toMatchObject({
      Code: 'SignatureDoesNotMatch',
      HostId: harness.emulator.endpoint,
      Recommend: expect.stringContaining('SignatureDoesNotMatch'),
    });
  });

  it('answers InvalidAccessKeyId.NotFound (404) for an unknown key', async () => {
    const error = await sdkError(client(harness.emulator, { accessKeyId: 'LTAInobody', accessKeySecret: 'x' }).assumeRole(request()));
    expect([error.code, error.statusCode]).toEqual(['InvalidAccessKeyId.NotFound', 404]);
  });

  it('answers InvalidTimeStamp.Expired when the clocks are more than 15 minutes apart, either way', async () => {
    harness.advance(15 * 60_000 + 5_000);
    const late = await sdkError(client(harness.emulator).assumeRole(request()));
    expect([late.code, late.statusCode]).toEqual(['InvalidTimeStamp.Expired', 400]);
    harness.advance(-2 * (15 * 60_000 + 5_000));
    const early = await sdkError(client(harness.emulator).assumeRole(request()));
    expect(early.code).toBe('InvalidTimeStamp.Expired');
    harness.advance(15 * 60_000 + 5_000 - 14 * 60_000);
    expect((await client(harness.emulator).assumeRole(request())).statusCode).toBe(200);
  });

  it('refuses a caller without sts:AssumeRole on the role with NoPermission (403), before revealing whether the role exists', async () => {
    const asked: string[] = [];
    const onlyOtherRole: CredentialResolver = (id) =>
      id === CALLER.accessKeyId
        ? {
            kind: 'found',
            accessKeySecret: CALLER.accessKeySecret,
            isAllowed: (action, resource) => {
              asked.push(`${action} ${resource}`);
              return action === 'sts:AssumeRole' && resource === LONG_ROLE_ARN;
            },
          }
        : { kind: 'error', code: 'InvalidAccessKeyId', message: 'unknown' };
    await harness.emulator.close();
    harness = await start({ callers: onlyOtherRole });
    const denied = await sdkError(client(harness.emulator).assumeRole(request()));
    expect([denied.code, denied.statusCode]).toEqual(['NoPermission', 403]);
    const unknown = await sdkError(client(harness.emulator).assumeRole(request({ roleArn: `acs:ram::${ACCOUNT}:role/nobody` })));
    expect(unknown.code).toBe('NoPermission');
    expect((await client(harness.emulator).assumeRole(request({ roleArn: LONG_ROLE_ARN }))).statusCode).toBe(200);
    expect(asked).toEqual([
      `sts:AssumeRole ${ROLE_ARN}`,
      `sts:AssumeRole acs:ram::${ACCOUNT}:role/nobody`,
      `sts:AssumeRole ${LONG_ROLE_ARN}`,
    ]);
  });

  it('accepts its own STS credentials as a caller (SecurityToken in the query), within their policies', async () => {
    await harness.emulator.close();
    let issued: CredentialResolver = () => ({ kind: 'error', code: 'InvalidAccessKeyId', message: 'not yet' });
    harness = await start({ callers: firstKnown(staticAccounts([CALLER]), (id, token, now) => issued(id, token, now)) });
    issued = harness.emulator.credentialResolver();
    const chainedCredentials = async (policy?: string) => {
      const response = await client(harness.emulator).assumeRole(request(policy === undefined ? {} : { policy }));
      const c = response.body?.credentials;
      return { accessKeyId: c?.accessKeyId ?? '', accessKeySecret: c?.accessKeySecret ?? '', securityToken: c?.securityToken ?? '' };
    };
    const roleSession = await chainedCredentials();
    expect((await client(harness.emulator, roleSession).assumeRole(request({ roleSessionName: 'chained' }))).statusCode).toBe(200);

    const uploadOnly = await chainedCredentials(ALICE_POLICY);
    const denied = await sdkError(client(harness.emulator, uploadOnly).assumeRole(request()));
    expect([denied.code, denied.statusCode]).toEqual(['NoPermission', 403]);

    const tampered = await sdkError(
      client(harness.emulator, { ...roleSession, securityToken: `${roleSession.securityToken}x` }).assumeRole(request()),
    );
    expect(tampered.code).toBe('InvalidSecurityToken.Malformed');
    const missing = await sdkError(
      client(harness.emulator, { accessKeyId: roleSession.accessKeyId, accessKeySecret: roleSession.accessKeySecret }).assumeRole(
        request(),
      ),
    );
    expect(missing.code).toBe('MissingSecurityToken');
    // The sessions last 900 s; 900 s later their tokens are expired while the SDK's Timestamp is still inside the 15-minute window.
    harness.advance(900_000);
    const expired = await sdkError(client(harness.emulator, roleSession).assumeRole(request()));
    expect([expired.code, expired.statusCode]).toEqual(['InvalidSecurityToken.Expired', 403]);
  });
});

describe('AssumeRole parameter validation through the SDK', () => {
  const padTo = (json: string, length: number) => json + ' '.repeat(length - json.length);
  const cases: Array<[string, Parameters<typeof request>[0], string, number]> = [
    ['unknown role', { roleArn: `acs:ram::${ACCOUNT}:role/nobody` }, 'EntityNotExist.Role', 404],
    ['role in another account', { roleArn: 'acs:ram::999:role/uploader' }, 'EntityNotExist.Role', 404],
    ['AWS-style ARN', { roleArn: 'arn:aws:iam::123:role/uploader' }, 'InvalidParameter.RoleArn', 400],
    ['ARN without account', { roleArn: 'acs:ram:::role/uploader' }, 'InvalidParameter.RoleArn', 400],
    ['ARN with a path', { roleArn: `acs:ram::${ACCOUNT}:role/a/b` }, 'InvalidParameter.RoleArn', 400],
    ['empty ARN', { roleArn: '' }, 'MissingParameter.RoleArn', 400],
    ['one-character session name', { roleSessionName: 'a' }, 'InvalidParameter.RoleSessionName', 400],
    ['65-character session name', { roleSessionName: 'a'.repeat(65) }, 'InvalidParameter.RoleSessionName', 400],
    ['session name with a space', { roleSessionName: 'alice smith' }, 'InvalidParameter.RoleSessionName', 400],
    ['session name with a slash', { roleSessionName: 'alice/x' }, 'InvalidParameter.RoleSessionName', 400],
    ['session name with a colon', { roleSessionName: 'user:alice' }, 'InvalidParameter.RoleSessionName', 400],
    ['non-ASCII session name', { roleSessionName: 'ålice' }, 'InvalidParameter.RoleSessionName', 400],
    ['empty session name', { roleSessionName: '' }, 'MissingParameter.RoleSessionName', 400],
    ['899 seconds', { durationSeconds: 899 }, 'InvalidParameter.DurationSeconds', 400],
    ['0 seconds', { durationSeconds: 0 }, 'InvalidParameter.DurationSeconds', 400],
    ['-900 seconds', { durationSeconds: -900 }, 'InvalidParameter.DurationSeconds', 400],
    ['900.5 seconds', { durationSeconds: 900.5 }, 'InvalidParameter.DurationSeconds', 400],
    ['3601 seconds on a 3600 s role', { durationSeconds: 3601 }, 'InvalidParameter.DurationSeconds', 400],
    ['7201 seconds on a 7200 s role', { roleArn: LONG_ROLE_ARN, durationSeconds: 7201 }, 'InvalidParameter.DurationSeconds', 400],
    ['2049-character policy', { policy: padTo(ALICE_POLICY, 2049) }, 'InvalidParameter.PolicySize', 400],
    ['policy that is not JSON', { policy: 'allow everything' }, 'InvalidParameter.PolicyGrammar', 400],
    ['empty policy', { policy: '' }, 'InvalidParameter.PolicyGrammar', 400],
    ['policy version 2', { policy: ALICE_POLICY.replace('"Version":"1"', '"Version":"2"') }, 'InvalidParameter.PolicyGrammar', 400],
    [
      'policy with an unknown operator',
      {
        policy: JSON.stringify({
          Version: '1',
          Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringBeginsWith: { k: 'v' } } }],
        }),
      },
      'InvalidParameter.PolicyGrammar',
      400,
    ],
  ];
  it.each(cases.map(([name, fields, code, status]) => [`${name} → ${code} (${status})`, fields, code, status] as const))(
    '%s',
    async (_title, fields, code, status) => {
      const error = await sdkError(client(harness.emulator).assumeRole(request(fields)));
      expect([error.code, error.statusCode]).toEqual([code, status]);
      expect(error.data).toMatchObject({
        Code: code,
        RequestId: expect.any(String),
        HostId: expect.any(String),
        Message: expect.any(String),
        Recommend: expect.any(String),
      });
    },
  );

  const accepted: Array<[string, Parameters<typeof request>[0]]> = [
    ['a 2-character session name', { roleSessionName: 'ab' }],
    ['a 64-character session name of every allowed character', { roleSessionName: `${'aZ09.@-_'.repeat(8)}` }],
    ['900 seconds', { durationSeconds: 900 }],
    ['3600 seconds', { durationSeconds: 3600 }],
    ['7200 seconds on a 7200 s role', { roleArn: LONG_ROLE_ARN, durationSeconds: 7200 }],
    ['a policy of exactly 2048 characters', { policy: padTo(ALICE_POLICY, 2048) }],
  ];
  it.each(accepted)('accepts %s', async (_name, fields) => {
    expect((await client(harness.emulator).assumeRole(request(fields))).statusCode).toBe(200);
  });
});

describe('faults, as the SDK sees them', () => {
  const timed = async <T>(promise: Promise<T>) => {
    const started = Date.now();
    const outcome = await promise.then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error: error as SdkError }),
    );
    return { ...outcome, ms: Date.now() - started };
  };

  it('delay: the answer arrives late but intact within the timeouts', async () => {
    harness.emulator.setFault({ kind: 'delay', ms: 300 });
    const result = await timed(client(harness.emulator, CALLER, { connectTimeout: 3000, readTimeout: 3000 }).assumeRole(request()));
    expect(result.ok).toBe(true);
    expect(result.ms).toBeGreaterThanOrEqual(290);
  });

  // The SDK passes connectTimeout to http.request's `timeout`, i.e. the socket IDLE timeout: it also fires
  // while waiting for a slow answer ("ConnectTimeout" even though the connection succeeded). readTimeout is
  // a timer started at connect. So a silent server fails after min(connectTimeout, readTimeout).
  it('delay beyond connectTimeout: fails after ~connectTimeout with "ConnectTimeout", whatever readTimeout says', async () => {
    harness.emulator.setFault({ kind: 'delay', ms: 3000 });
    const result = await timed(client(harness.emulator, CALLER, { connectTimeout: 400, readTimeout: 30000 }).assumeRole(request()));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.name).toBe('RequestTimeoutError');
      expect(result.error.message).toMatch(/^ConnectTimeout: Connect http:\/\/127\.0\.0\.1:\d+\/\?Action=AssumeRole/);
    }
    expect(result.ms).toBeGreaterThanOrEqual(390);
    expect(result.ms).toBeLessThan(1500);
  });

  it('delay beyond readTimeout: fails after ~readTimeout with "ReadTimeout"', async () => {
    harness.emulator.setFault({ kind: 'delay', ms: 3000 });
    const result = await timed(client(harness.emulator, CALLER, { connectTimeout: 30000, readTimeout: 400 }).assumeRole(request()));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.name).toBe('RequestTimeoutError');
      expect(result.error.message).toMatch(/^ReadTimeout\(400\)\. POST http:\/\/127\.0\.0\.1:\d+\/\?Action=AssumeRole/);
    }
    expect(result.ms).toBeGreaterThanOrEqual(390);
    expect(result.ms).toBeLessThan(1500);
  });

  it('without timeouts configured, the SDK gives up after 3 s (httpx default)', async () => {
    harness.emulator.setFault({ kind: 'delay', ms: 5000 });
    const result = await timed(client(harness.emulator).assumeRole(request()));
    expect(result.ok).toBe(false);
    expect(result.ms).toBeGreaterThanOrEqual(2900);
    expect(result.ms).toBeLessThan(4500);
  });

  it('a timeout error message carries the whole signed URL (never log it: with STS callers it holds the SecurityToken)', async () => {
    harness.emulator.setFault({ kind: 'hang' });
    const result = await timed(
      client(harness.emulator, CALLER, { connectTimeout: 300, readTimeout: 300 }).assumeRole(request({ policy: ALICE_POLICY })),
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.message).toContain(`AccessKeyId=${CALLER.accessKeyId}`);
      expect(result.error.message).toContain('Signature=');
      expect(result.error.message).toContain('Policy=');
    }
  });

  it('hang: the connection is accepted and never answered; the SDK times out', async () => {
    harness.emulator.setFault({ kind: 'hang' });
    const result = await timed(client(harness.emulator, CALLER, { connectTimeout: 5000, readTimeout: 500 }).assumeRole(request()));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/^ReadTimeout\(500\)/);
    expect(result.ms).toBeGreaterThanOrEqual(490);
  });

  it('status: the given status and code reach the SDK error', async () => {
    harness.emulator.setFault({ kind: 'status', status: 500, code: 'InternalError' });
    const internal = await sdkError(client(harness.emulator).assumeRole(request()));
    expect([internal.code, internal.statusCode]).toEqual(['InternalError', 500]);
    expect(internal.message).toBe(
      `InternalError: code: 500, STS Server Internal Error happened, please send the RequestId to us. request id: ${String(internal.data?.['RequestId'])}`,
    );
    harness.emulator.setFault({ kind: 'status', status: 503, code: 'ServiceUnavailable' });
    const unavailable = await sdkError(client(harness.emulator).assumeRole(request()));
    expect([unavailable.code, unavailable.statusCode]).toEqual(['ServiceUnavailable', 503]);
  });

  it('throttle: Throttling.User with HTTP 400, as POP gateways answer', async () => {
    harness.emulator.setFault({ kind: 'throttle' });
    const error = await sdkError(client(harness.emulator).assumeRole(request()));
    expect([error.code, error.statusCode]).toEqual(['Throttling.User', 400]);
    expect(error.message).toMatch(/Request was denied due to user flow control\./);
  });

  it('malformed: a 200 whose body is not JSON makes the SDK throw a SyntaxError', async () => {
    harness.emulator.setFault({ kind: 'malformed' });
    const error = await sdkError(client(harness.emulator).assumeRole(request()));
    expect(error).toBeInstanceOf(SyntaxError);
    expect(error.code).toBeUndefined();
  });

  it('faults apply until cleared, even to requests that would be refused', async () => {
    harness.emulator.setFault({ kind: 'throttle' });
    const wrongSecret = await sdkError(client(harness.emulator, { ...CALLER, accessKeySecret: 'wrong' }).assumeRole(request()));
    expect(wrongSecret.code).toBe('Throttling.User');
    harness.emulator.setFault(undefined);
    expect((await client(harness.emulator).assumeRole(request())).statusCode).toBe(200);
  });

  it('assumeRoleCalls counts every SDK call exactly once: the SDK does not retry, not even on timeouts or 5xx', async () => {
    const { emulator } = harness;
    expect(emulator.assumeRoleCalls()).toBe(0);
    await client(emulator).assumeRole(request());
    expect(emulator.assumeRoleCalls()).toBe(1);
    await sdkError(client(emulator, { ...CALLER, accessKeySecret: 'wrong' }).assumeRole(request()));
    await sdkError(client(emulator).assumeRole(request({ durationSeconds: 1 })));
    expect(emulator.assumeRoleCalls()).toBe(3);
    emulator.setFault({ kind: 'status', status: 500, code: 'InternalError' });
    await sdkError(client(emulator).assumeRole(request()));
    emulator.setFault({ kind: 'throttle' });
    await sdkError(client(emulator).assumeRole(request()));
    emulator.setFault({ kind: 'hang' });
    await sdkError(client(emulator, CALLER, { connectTimeout: 200, readTimeout: 200 }).assumeRole(request()));
    expect(emulator.assumeRoleCalls()).toBe(6);
    expect(emulator.lastRequests()).toHaveLength(6);
  });
});
