/**
 * The emulator's verifier against the official vectors (Go SDK v2 signer tests, docs/oss-facts.md): if it accepts these
 * exact requests at their own time and refuses every altered one, it is a fair judge of our own signing code.
 */
import {
  OssError,
  type SignableRequest,
  authenticateRequest,
  checkPostPolicy,
  decodePostPolicy,
  v1CanonicalResource,
  v1Sign,
  v1StringToSign,
  v4CanonicalQuery,
  v4CanonicalUri,
} from '../../local/oss-emulator';

const REGION = 'cn-hangzhou';

/** `yyyymmddTHHMMSSZ` */
function v4Datetime(epochSeconds: number): string {
  return new Date(epochSeconds * 1000)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function expectOssError(run: () => unknown, code: string, message?: RegExp): OssError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(OssError);
  const error = caught as OssError;
  expect(error.code).toBe(code);
  if (message) expect(error.message).toMatch(message);
  return error;
}

/** Inputs common to every V4 vector. */
const V4_QUERY: Array<[string, string]> = [
  ['param1', 'value1'],
  ['+param1', 'value3'],
  ['|param1', 'value4'],
  ['+param2', ''],
  ['|param2', ''],
  ['param2', ''],
];
const V4_HEADERS = { 'x-oss-head1': 'value', abc: 'value', zabc: 'value', xyz: 'value' };

function v4HeaderRequest(epoch: number, signature: string, extra: { token?: string; additional?: string }): SignableRequest {
  const datetime = v4Datetime(epoch);
  const additional = extra.additional === undefined ? '' : `,AdditionalHeaders=${extra.additional}`;
  const headers: Record<string, string> = {
    ...V4_HEADERS,
    'content-type': 'text/plain',
    'x-oss-content-sha256': 'UNSIGNED-PAYLOAD',
    'x-oss-date': datetime,
    date: new Date(epoch * 1000).toUTCString(),
    authorization: `OSS4-HMAC-SHA256 Credential=ak/${datetime.slice(0, 8)}/cn-hangzhou/oss/aliyun_v4_request${additional},Signature=${signature}`,
  };
  if (extra.token !== undefined) headers['x-oss-security-token'] = extra.token;
  return { method: 'PUT', bucket: 'bucket', key: '1234+-/123/1.txt', query: V4_QUERY, headers };
}

function v4QueryRequest(epoch: number, signature: string, extra: { token?: string; additional?: string }): SignableRequest {
  const datetime = v4Datetime(epoch);
  const query: Array<[string, string]> = [
    ...V4_QUERY,
    ['x-oss-signature-version', 'OSS4-HMAC-SHA256'],
    ['x-oss-date', datetime],
    ['x-oss-expires', '599'],
    ['x-oss-credential', `ak/${datetime.slice(0, 8)}/cn-hangzhou/oss/aliyun_v4_request`],
  ];
  if (extra.token !== undefined) query.push(['x-oss-security-token', extra.token]);
  if (extra.additional !== undefined) query.push(['x-oss-additional-headers', extra.additional]);
  query.push(['x-oss-signature', signature]);
  return {
    method: 'PUT',
    bucket: 'bucket',
    key: '1234+-/123/1.txt',
    query,
    headers: { ...V4_HEADERS, 'content-type': 'application/octet-stream' },
  };
}

const V4_VECTORS = [
  {
    name: 'header',
    form: 'header',
    epoch: 1702743657,
    extra: {},
    signature: 'e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe',
  },
  {
    name: 'header + STS',
    form: 'header',
    epoch: 1702784856,
    extra: { token: 'token' },
    signature: 'b94a3f999cf85bcdc00d332fbd3734ba03e48382c36fa4d5af5df817395bd9ea',
  },
  {
    name: 'header + additional',
    form: 'header',
    epoch: 1702747512,
    extra: { additional: 'abc;zabc' },
    signature: '4a4183c187c07c8947db7620deb0a6b38d9fbdd34187b6dbaccb316fa251212f',
  },
  {
    name: 'query',
    form: 'query',
    epoch: 1702781677,
    extra: {},
    signature: 'a39966c61718be0d5b14e668088b3fa07601033f6518ac7b523100014269c0fe',
  },
  {
    name: 'query + STS',
    form: 'query',
    epoch: 1702785388,
    extra: { token: 'token' },
    signature: '3817ac9d206cd6dfc90f1c09c00be45005602e55898f26f5ddb06d7892e1f8b5',
  },
  {
    name: 'query + additional',
    form: 'query',
    epoch: 1702783809,
    extra: { additional: 'abc;zabc' },
    signature: '6bd984bfe531afb6db1f7550983a741b103a8c58e5e14f83ea474c2322dfa2b7',
  },
] as const;

function buildV4(vector: (typeof V4_VECTORS)[number], signature: string = vector.signature): SignableRequest {
  return vector.form === 'header'
    ? v4HeaderRequest(vector.epoch, signature, vector.extra)
    : v4QueryRequest(vector.epoch, signature, vector.extra);
}

describe('V4 canonical pieces', () => {
  it('encodes the canonical URI and query exactly as the official vectors give them', () => {
    expect(v4CanonicalUri('bucket', '1234+-/123/1.txt')).toBe('/bucket/1234%2B-/123/1.txt');
    expect(v4CanonicalQuery(V4_QUERY)).toBe('%2Bparam1=value3&%2Bparam2&%7Cparam1=value4&%7Cparam2&param1=value1&param2');
  });
});

describe.each(V4_VECTORS)('V4 official vector: $name', (vector) => {
  const signedAt = new Date(vector.epoch * 1000);

  it('is accepted at its own time with the right secret, and names the signer', () => {
    const auth = authenticateRequest(buildV4(vector), { region: REGION, now: signedAt });
    expect(auth).toMatchObject({ kind: 'signed', version: 'v4', location: vector.form, accessKeyId: 'ak' });
    if (auth.kind !== 'signed') throw new Error('unreachable');
    expect(auth.securityToken).toBe('token' in vector.extra ? 'token' : undefined);
    expect(() => auth.verify('sk')).not.toThrow();
  });

  it('is refused with a wrong secret, and the error shows the string to sign', () => {
    const auth = authenticateRequest(buildV4(vector), { region: REGION, now: signedAt });
    if (auth.kind !== 'signed') throw new Error('expected a signed request');
    const error = expectOssError(() => auth.verify('sk2'), 'SignatureDoesNotMatch');
    expect(error.status).toBe(403);
    expect(error.details['StringToSign']).toMatch(
      /^OSS4-HMAC-SHA256\n\d{8}T\d{6}Z\n\d{8}\/cn-hangzhou\/oss\/aliyun_v4_request\n[0-9a-f]{64}$/,
    );
    expect(error.details['CanonicalRequest']).toContain('/bucket/1234%2B-/123/1.txt');
  });

  const tamperings: Array<[string, (request: SignableRequest) => SignableRequest]> = [
    ['another key', (r) => ({ ...r, key: '1234+-/123/2.txt' })],
    ['another bucket', (r) => ({ ...r, bucket: 'bucket2' })],
    ['another method', (r) => ({ ...r, method: 'GET' })],
    ['a changed query value', (r) => ({ ...r, query: r.query.map(([k, v]) => [k, k === 'param1' ? 'value2' : v] as [string, string]) })],
    ['an added query parameter', (r) => ({ ...r, query: [...r.query, ['param3', 'x'] as [string, string]] })],
    ['a changed content-type', (r) => ({ ...r, headers: { ...r.headers, 'content-type': 'text/html' } })],
    ['a changed x-oss header', (r) => ({ ...r, headers: { ...r.headers, 'x-oss-head1': 'other' } })],
    ['an added x-oss header', (r) => ({ ...r, headers: { ...r.headers, 'x-oss-forbid-overwrite': 'false' } })],
  ];
  it.each(tamperings)('is refused after %s', (_name, tamper) => {
    const auth = authenticateRequest(tamper(buildV4(vector)), { region: REGION, now: signedAt });
    if (auth.kind !== 'signed') throw new Error('expected a signed request');
    expectOssError(() => auth.verify('sk'), 'SignatureDoesNotMatch');
  });

  it('refuses a changed signature', () => {
    const flipped = vector.signature.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    const auth = authenticateRequest(buildV4(vector, flipped), { region: REGION, now: signedAt });
    if (auth.kind !== 'signed') throw new Error('expected a signed request');
    expectOssError(() => auth.verify('sk'), 'SignatureDoesNotMatch');
  });

  it('refuses another region before looking at the secret', () => {
    expectOssError(() => authenticateRequest(buildV4(vector), { region: 'cn-shanghai', now: signedAt }), 'InvalidArgument', /region/);
  });

  if (vector.form === 'header') {
    it('is refused as skewed 16 minutes later or earlier, and accepted 14 minutes later', () => {
      const request = buildV4(vector);
      expectOssError(
        () => authenticateRequest(request, { region: REGION, now: new Date(signedAt.getTime() + 16 * 60_000) }),
        'RequestTimeTooSkewed',
      );
      expectOssError(
        () => authenticateRequest(request, { region: REGION, now: new Date(signedAt.getTime() - 16 * 60_000) }),
        'RequestTimeTooSkewed',
      );
      expect(authenticateRequest(request, { region: REGION, now: new Date(signedAt.getTime() + 14 * 60_000) }).kind).toBe('signed');
    });
  } else {
    it('is accepted until x-oss-date + x-oss-expires, then refused as expired', () => {
      const request = buildV4(vector);
      expect(authenticateRequest(request, { region: REGION, now: new Date(signedAt.getTime() + 599_000) }).kind).toBe('signed');
      expectOssError(
        () => authenticateRequest(request, { region: REGION, now: new Date(signedAt.getTime() + 600_000) }),
        'AccessDenied',
        /^Request has expired\.$/,
      );
    });
  }
});

describe('V1 official vectors', () => {
  it('signs the three official strings to sign', () => {
    expect(v1Sign('sk', 'GET\n\n\n1699807420\n/bucket/key?versionId=versionId')).toBe('dcLTea+Yh9ApirQ8o8dOPqtvJXQ=');
    expect(v1Sign('sk', 'GET\n\n\n1699808204\n/bucket/key+123?security-token=token&versionId=versionId')).toBe(
      'jzKYRrM5y6Br0dRFPaTGOsbrDhY=',
    );
    expect(
      v1Sign(
        'sk',
        'PUT\neB5eJF1ptWaXm4bijSPyxw==\ntext/html\nWed, 28 Dec 2022 10:27:41 GMT\nx-oss-date:Wed, 28 Dec 2022 10:27:41 GMT\nx-oss-meta-author:alice\nx-oss-meta-magic:abracadabra\n/examplebucket/nelson',
      ),
    ).toBe('kSHKmLxlyEAKtZPkJhG9bZb5k7M=');
  });

  const query1: SignableRequest = {
    method: 'GET',
    bucket: 'bucket',
    key: 'key',
    query: [
      ['Expires', '1699807420'],
      ['OSSAccessKeyId', 'ak'],
      ['Signature', 'dcLTea+Yh9ApirQ8o8dOPqtvJXQ='],
      ['versionId', 'versionId'],
    ],
    headers: {},
  };
  const query2: SignableRequest = {
    method: 'GET',
    bucket: 'bucket',
    key: 'key+123',
    query: [
      ['Expires', '1699808204'],
      ['OSSAccessKeyId', 'ak'],
      ['Signature', 'jzKYRrM5y6Br0dRFPaTGOsbrDhY='],
      ['security-token', 'token'],
      ['versionId', 'versionId'],
    ],
    headers: {},
  };
  const header: SignableRequest = {
    method: 'PUT',
    bucket: 'examplebucket',
    key: 'nelson',
    query: [],
    headers: {
      'content-md5': 'eB5eJF1ptWaXm4bijSPyxw==',
      'content-type': 'text/html',
      'x-oss-meta-author': 'alice',
      'x-oss-meta-magic': 'abracadabra',
      'x-oss-date': 'Wed, 28 Dec 2022 10:27:41 GMT',
      authorization: 'OSS ak:kSHKmLxlyEAKtZPkJhG9bZb5k7M=',
    },
  };
  const headerTime = new Date('2022-12-28T10:27:41Z');

  it('rebuilds the official strings to sign from the requests', () => {
    expect(v1StringToSign(query1, '1699807420')).toBe('GET\n\n\n1699807420\n/bucket/key?versionId=versionId');
    expect(v1CanonicalResource(query2)).toBe('/bucket/key+123?security-token=token&versionId=versionId');
    expect(v1StringToSign(header, 'Wed, 28 Dec 2022 10:27:41 GMT')).toBe(
      'PUT\neB5eJF1ptWaXm4bijSPyxw==\ntext/html\nWed, 28 Dec 2022 10:27:41 GMT\nx-oss-date:Wed, 28 Dec 2022 10:27:41 GMT\nx-oss-meta-author:alice\nx-oss-meta-magic:abracadabra\n/examplebucket/nelson',
    );
  });

  it.each([
    ['query', query1, new Date(1699807420_000 - 60_000), undefined],
    ['query + STS', query2, new Date(1699808204_000 - 60_000), 'token'],
    ['header', header, headerTime, undefined],
  ] as const)('accepts the %s vector and refuses a wrong secret or a tampered request', (_name, request, now, token) => {
    const auth = authenticateRequest(request, { region: REGION, now });
    expect(auth).toMatchObject({ kind: 'signed', version: 'v1', accessKeyId: 'ak', securityToken: token });
    if (auth.kind !== 'signed') throw new Error('unreachable');
    expect(() => auth.verify('sk')).not.toThrow();
    expectOssError(() => auth.verify('sk2'), 'SignatureDoesNotMatch');
    const tampered = authenticateRequest({ ...request, key: `${request.key}x` }, { region: REGION, now });
    if (tampered.kind !== 'signed') throw new Error('unreachable');
    expectOssError(() => tampered.verify('sk'), 'SignatureDoesNotMatch');
  });

  it('ignores query parameters that are not sub-resources, as OSS does', () => {
    const auth = authenticateRequest(
      { ...query1, query: [...query1.query, ['prefix', 'anything']] },
      { region: REGION, now: new Date(1699807000_000) },
    );
    if (auth.kind !== 'signed') throw new Error('unreachable');
    expect(() => auth.verify('sk')).not.toThrow();
  });

  it('refuses an expired V1 URL and a skewed V1 header', () => {
    expectOssError(
      () => authenticateRequest(query1, { region: REGION, now: new Date(1699807421_000) }),
      'AccessDenied',
      /^Request has expired\.$/,
    );
    expectOssError(
      () => authenticateRequest(header, { region: REGION, now: new Date(headerTime.getTime() + 16 * 60_000) }),
      'RequestTimeTooSkewed',
    );
  });
});

describe('authentication forms', () => {
  it('treats an unsigned request as anonymous', () => {
    expect(
      authenticateRequest({ method: 'GET', bucket: 'b', key: 'k', query: [], headers: {} }, { region: REGION, now: new Date() }),
    ).toEqual({ kind: 'anonymous' });
  });

  it.each([
    ['an unknown scheme', { authorization: 'Bearer abc' }, [], 'InvalidArgument'],
    ['a header and a signed URL at once', { authorization: 'OSS ak:sig' }, [['Signature', 'x']], 'InvalidArgument'],
    [
      'a V4 header without x-oss-date',
      { authorization: 'OSS4-HMAC-SHA256 Credential=ak/20240101/cn-hangzhou/oss/aliyun_v4_request,Signature=00' },
      [],
      'AccessDenied',
    ],
    [
      'a V4 URL with x-oss-expires out of range',
      {},
      [
        ['x-oss-signature-version', 'OSS4-HMAC-SHA256'],
        ['x-oss-credential', 'ak/20240101/cn-hangzhou/oss/aliyun_v4_request'],
        ['x-oss-date', '20240101T000000Z'],
        ['x-oss-expires', '604801'],
        ['x-oss-signature', '00'],
      ],
      'InvalidArgument',
    ],
    ['a V1 header without a date', { authorization: 'OSS ak:sig' }, [], 'AccessDenied'],
  ] as const)('refuses %s', (_name, headers, query, code) => {
    const request: SignableRequest = {
      method: 'GET',
      bucket: 'b',
      key: 'k',
      query: query.map(([k, v]) => [k, v] as [string, string]),
      headers,
    };
    expectOssError(() => authenticateRequest(request, { region: REGION, now: new Date('2024-01-01T00:00:00Z') }), code);
  });
});

describe('PostObject policy conditions', () => {
  const now = new Date('2030-01-01T00:00:00Z');
  const policyOf = (conditions: unknown[], expiration = '2030-01-01T01:00:00.000Z'): string =>
    Buffer.from(JSON.stringify({ expiration, conditions })).toString('base64');
  const fields = (values: Record<string, string>) =>
    new Map(Object.entries(values).map(([name, value]) => [name.toLowerCase(), { name, value }]));
  const form = fields({ key: 'users/alice/a.png', 'Content-Type': 'image/png', 'x-oss-meta-tag': 'blue', success_action_status: '201' });
  const check = (conditions: unknown[], size = 10, strict = false, expiration?: string) =>
    checkPostPolicy(decodePostPolicy(policyOf(conditions, expiration)), { fields: form, bucket: 'b', fileSize: size, now, strict });

  it.each([
    ['exact', [{ key: 'users/alice/a.png' }]],
    ['exact with field name in another case', [{ 'content-type': 'image/png' }]],
    ['eq', [['eq', '$Content-Type', 'image/png']]],
    ['starts-with', [['starts-with', '$key', 'users/alice/']]],
    ['in', [['in', '$content-type', ['image/jpeg', 'image/png']]]],
    ['not-in', [['not-in', '$content-type', ['text/html']]]],
    ['content-length-range', [['content-length-range', 10, 10]]],
    ['bucket', [{ bucket: 'b' }]],
  ])('accepts a form meeting a %s condition', (_name, conditions) => {
    expect(() => check(conditions)).not.toThrow();
  });

  it.each([
    ['exact', [{ key: 'users/bob/a.png' }], 'AccessDenied'],
    ['eq', [['eq', '$Content-Type', 'text/html']], 'AccessDenied'],
    ['eq on a missing field', [['eq', '$x-oss-forbid-overwrite', 'true']], 'AccessDenied'],
    ['starts-with', [['starts-with', '$key', 'users/bob/']], 'AccessDenied'],
    ['in', [['in', '$content-type', ['image/jpeg']]], 'AccessDenied'],
    ['not-in', [['not-in', '$content-type', ['image/png']]], 'AccessDenied'],
    ['bucket', [{ bucket: 'other' }], 'AccessDenied'],
  ])('refuses a form failing a %s condition', (_name, conditions, code) => {
    expectOssError(() => check(conditions), code, /Invalid according to Policy: Policy Condition failed/);
  });

  it('maps content-length-range to EntityTooLarge / EntityTooSmall', () => {
    expectOssError(() => check([['content-length-range', 1, 9]]), 'EntityTooLarge');
    expectOssError(() => check([['content-length-range', 11, 20]]), 'EntityTooSmall');
  });

  it('refuses an expired policy', () => {
    expectOssError(() => check([], 10, false, '2029-12-31T23:59:59.000Z'), 'AccessDenied', /Policy expired/);
  });

  it('in strict mode refuses fields no condition mentions', () => {
    expectOssError(
      () => check([{ key: 'users/alice/a.png' }], 10, true),
      'AccessDenied',
      /Extra input fields: content-type, x-oss-meta-tag, success_action_status/,
    );
    expect(() =>
      check(
        [
          { key: 'users/alice/a.png' },
          { 'Content-Type': 'image/png' },
          ['starts-with', '$x-oss-meta-tag', ''],
          { success_action_status: '201' },
        ],
        10,
        true,
      ),
    ).not.toThrow();
  });

  it.each([
    ['not base64', '%%%'],
    ['not JSON', Buffer.from('{').toString('base64')],
    ['no expiration', Buffer.from(JSON.stringify({ conditions: [] })).toString('base64')],
    ['a local-time expiration', Buffer.from(JSON.stringify({ expiration: '2030-01-01T00:00:00', conditions: [] })).toString('base64')],
    ['conditions not a list', Buffer.from(JSON.stringify({ expiration: '2030-01-01T00:00:00Z', conditions: {} })).toString('base64')],
    ['an unknown operator', policyOf([['ends-with', '$key', 'x']])],
    ['a bad content-length-range', policyOf([['content-length-range', 10, 1]])],
    ['a field without $', policyOf([['eq', 'key', 'x']])],
  ])('calls a policy with %s InvalidPolicyDocument', (_name, policy) => {
    expectOssError(() => decodePostPolicy(policy), 'InvalidPolicyDocument');
  });
});
