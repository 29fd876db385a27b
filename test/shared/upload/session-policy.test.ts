import { createHash } from 'node:crypto';
import { userSegmentFor } from '../../../shared/auth/identity';
import { uploadRulesFor } from '../../../shared/upload/rules';
import { serialisePolicy, sessionPolicyFor, STS_POLICY_MAX_LENGTH } from '../../../shared/upload/session-policy';
import { checkStsConfig, stsTokenConfig, type StsTokenConfig } from '../../../functions/sts-token/vend-credentials';
import { toHttpError } from '../../../shared/alicloud/sts-client';
import { configFrom } from '../../support/env';

function config(overrides: Record<string, string> = {}): StsTokenConfig {
  return configFrom(stsTokenConfig, { STS_ROLE_ARN: 'acs:ram::1234567890123456:role/uploader', ...overrides });
}

function policyFor(subject: string, cfg: StsTokenConfig = config()): unknown {
  return sessionPolicyFor(uploadRulesFor({ userSegment: userSegmentFor(subject) }, cfg, cfg.profiles.list[0]!));
}

const expected = (segment: string): unknown => ({
  Version: '1',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['oss:PutObject', 'oss:AbortMultipartUpload', 'oss:ListParts'],
      Resource: [`acs:oss:*:*:uploads-bucket/users/${segment}/sts/*`],
    },
  ],
});

describe('session policy', () => {
  test('a normal user: upload actions on their own prefix and nothing else', () => {
    expect(policyFor('alice')).toEqual(expected('alice'));
  });

  test.each([
    ['*', '_2a'],
    ['?', '_3f'],
    ['a/b', 'a_2fb'],
    ['../x', '_2e_2e_2fx'],
    ['alice/', 'alice_2f'],
    ['ü', '_c3_bc'],
    ['日', '_e6_97_a5'],
    ['x'.repeat(500), `_h${createHash('sha256').update('x'.repeat(500)).digest('hex')}`],
  ])('hostile identity %j stays inside its own segment %s', (subject, segment) => {
    expect(policyFor(subject)).toEqual(expected(segment));
  });

  test('hostile identities never share or nest a resource', () => {
    const subjects = ['alice', 'alice/', 'alice*', 'alic', 'alice2', '*', '?', '..', '', 'a/b', 'a_2fb'];
    const resources = subjects
      .filter((s) => s !== '')
      .map((s) => (policyFor(s) as { Statement: Array<{ Resource: string[] }> }).Statement[0]!.Resource[0]!.slice(0, -1));
    for (const [i, a] of resources.entries()) {
      for (const [j, b] of resources.entries()) if (i !== j) expect(b.startsWith(a)).toBe(false);
    }
  });

  test('an empty or wildcard prefix is refused rather than widened', () => {
    expect(() => sessionPolicyFor({ bucket: 'b', prefix: '' })).toThrow();
    expect(() => sessionPolicyFor({ bucket: 'b', prefix: 'users/*/' })).toThrow();
    expect(() => sessionPolicyFor({ bucket: 'b', prefix: 'users/alice' })).toThrow();
  });

  test('measured against the 2048-character limit', () => {
    const big = {
      Version: '1' as const,
      Statement: [{ Effect: 'Allow' as const, Action: ['oss:PutObject'], Resource: ['x'.repeat(STS_POLICY_MAX_LENGTH)] }],
    };
    expect(serialisePolicy(big)).toEqual({ ok: false, problem: expect.stringContaining("over STS's limit of 2048") });
    expect(checkStsConfig(config())).toEqual([]);
    const longPrefix = `${'p'.repeat(60)}/${'q'.repeat(60)}/${'r'.repeat(60)}/{user}/`;
    expect(checkStsConfig(config({ UPLOAD_PREFIX: longPrefix }))).toEqual([]);
  });
});

describe('STS errors', () => {
  const withCode = (code: string, statusCode = 400): unknown =>
    Object.assign(new Error(`${code}: secret-laden message Policy=... AccessKeyId=STS.xyz`), { code, statusCode });

  test.each([
    ['Throttling.User', 429, 'TooManyRequests'],
    ['Throttling', 429, 'TooManyRequests'],
    ['NoPermission', 500, 'InternalError'],
    ['EntityNotExist.Role', 500, 'InternalError'],
    ['InvalidParameter.PolicyGrammar', 500, 'InternalError'],
    ['InternalError', 503, 'UpstreamUnavailable'],
    ['ServiceUnavailable', 503, 'UpstreamUnavailable'],
  ])('%s → %i %s, without the STS message', (code, status, ours) => {
    const error = toHttpError(withCode(code));
    expect(error.status).toBe(status);
    expect(error.code).toBe(ours);
    expect(error.message).not.toContain('secret-laden');
    expect(error.logDetail).toContain(code);
    expect(error.logDetail).not.toContain('secret-laden');
    if (status !== 500) expect(error.headers['Retry-After']).toMatch(/^\d+$/);
  });

  test('network failures and malformed answers → 503 with Retry-After', () => {
    for (const failure of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
      new SyntaxError('Unexpected token < in JSON'),
      'weird',
    ]) {
      const error = toHttpError(failure);
      expect(error.status).toBe(503);
      expect(error.headers['Retry-After']).toBe('2');
    }
  });
});
