/**
 * The official signing vectors (Go SDK v2 signer tests; docs/oss-facts.md), checked twice: against the tests' own
 * spec implementation (which the other signing tests trust) and against the ali-oss helpers shared/ signs with.
 */
import signUtils from 'ali-oss/lib/common/signUtils';
import { timestampOf, v1Signature, v4CanonicalRequest, v4Signature, type V4Request } from '../../support/oss-spec';

const commonQuery = { param1: 'value1', '+param1': 'value3', '|param1': 'value4', '+param2': null, '|param2': null, param2: null };
const commonHeaders = { 'x-oss-head1': 'value', abc: 'value', ZAbc: 'value', XYZ: 'value' };

interface V4Vector {
  name: string;
  time: number;
  form: 'header' | 'query';
  headers: Record<string, string>;
  token?: string;
  additional: string[];
  expires?: number;
  expected: string;
}

const vectors: V4Vector[] = [
  {
    name: 'header',
    form: 'header',
    time: 1702743657,
    headers: { 'content-type': 'text/plain', 'x-oss-content-sha256': 'UNSIGNED-PAYLOAD' },
    additional: [],
    expected: 'e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe',
  },
  {
    name: 'header + STS',
    form: 'header',
    time: 1702784856,
    token: 'token',
    headers: { 'content-type': 'text/plain', 'x-oss-content-sha256': 'UNSIGNED-PAYLOAD' },
    additional: [],
    expected: 'b94a3f999cf85bcdc00d332fbd3734ba03e48382c36fa4d5af5df817395bd9ea',
  },
  {
    name: 'header + additional',
    form: 'header',
    time: 1702747512,
    headers: { 'content-type': 'text/plain', 'x-oss-content-sha256': 'UNSIGNED-PAYLOAD' },
    additional: ['abc', 'ZAbc'],
    expected: '4a4183c187c07c8947db7620deb0a6b38d9fbdd34187b6dbaccb316fa251212f',
  },
  {
    name: 'query',
    form: 'query',
    time: 1702781677,
    expires: 599,
    headers: { 'content-type': 'application/octet-stream' },
    additional: [],
    expected: 'a39966c61718be0d5b14e668088b3fa07601033f6518ac7b523100014269c0fe',
  },
  {
    name: 'query + STS',
    form: 'query',
    time: 1702785388,
    expires: 599,
    token: 'token',
    headers: { 'content-type': 'application/octet-stream' },
    additional: [],
    expected: '3817ac9d206cd6dfc90f1c09c00be45005602e55898f26f5ddb06d7892e1f8b5',
  },
  {
    name: 'query + additional',
    form: 'query',
    time: 1702783809,
    expires: 599,
    headers: { 'content-type': 'application/octet-stream' },
    additional: ['abc', 'ZAbc'],
    expected: '6bd984bfe531afb6db1f7550983a741b103a8c58e5e14f83ea474c2322dfa2b7',
  },
];

function requestFor(vector: V4Vector): V4Request {
  const timestamp = timestampOf(vector.time);
  const headers: Record<string, string> = { ...commonHeaders, ...vector.headers };
  const query: Record<string, string | null> = { ...commonQuery };
  if (vector.form === 'header') {
    headers['x-oss-date'] = timestamp;
    if (vector.token !== undefined) headers['x-oss-security-token'] = vector.token;
  } else {
    query['x-oss-signature-version'] = 'OSS4-HMAC-SHA256';
    query['x-oss-credential'] = `ak/${timestamp.slice(0, 8)}/cn-hangzhou/oss/aliyun_v4_request`;
    query['x-oss-date'] = timestamp;
    query['x-oss-expires'] = String(vector.expires);
    if (vector.token !== undefined) query['x-oss-security-token'] = vector.token;
    if (vector.additional.length > 0)
      query['x-oss-additional-headers'] = vector.additional
        .map((h) => h.toLowerCase())
        .sort()
        .join(';');
  }
  return { method: 'PUT', bucket: 'bucket', key: '1234+-/123/1.txt', query, headers, additionalHeaders: vector.additional };
}

describe('OSS V4 official vectors', () => {
  test('the canonical URI and query of the header case are as documented', () => {
    const lines = v4CanonicalRequest(requestFor(vectors[0]!)).split('\n');
    expect(lines[1]).toBe('/bucket/1234%2B-/123/1.txt');
    expect(lines[2]).toBe('%2Bparam1=value3&%2Bparam2&%7Cparam1=value4&%7Cparam2&param1=value1&param2');
  });

  test.each(vectors)('$name: the spec implementation gives the official signature', (vector) => {
    const canonical = v4CanonicalRequest(requestFor(vector));
    expect(v4Signature('sk', 'cn-hangzhou', timestampOf(vector.time), canonical)).toBe(vector.expected);
  });

  test.each(vectors)('$name: the ali-oss helpers shared/ uses give the official signature', (vector) => {
    const request = requestFor(vector);
    const timestamp = timestampOf(vector.time);
    const lowerHeaders = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
    const additional = vector.additional.map((h) => h.toLowerCase()).sort();
    const canonical = signUtils.getCanonicalRequest(
      'PUT',
      { headers: lowerHeaders, queries: request.query },
      'bucket',
      request.key,
      additional,
    );
    const signature = signUtils.getSignatureV4(
      'sk',
      timestamp.slice(0, 8),
      'cn-hangzhou',
      signUtils.getStringToSign('cn-hangzhou', timestamp, canonical),
    );
    expect(signature).toBe(vector.expected);
  });

  test('a changed secret, region or time gives a different signature', () => {
    const vector = vectors[0]!;
    const canonical = v4CanonicalRequest(requestFor(vector));
    expect(v4Signature('sk2', 'cn-hangzhou', timestampOf(vector.time), canonical)).not.toBe(vector.expected);
    expect(v4Signature('sk', 'cn-shanghai', timestampOf(vector.time), canonical)).not.toBe(vector.expected);
    expect(v4Signature('sk', 'cn-hangzhou', timestampOf(vector.time + 1), canonical)).not.toBe(vector.expected);
  });
});

describe('OSS V1 official vectors', () => {
  const v1Vectors = [
    ['GET\n\n\n1699807420\n/bucket/key?versionId=versionId', 'dcLTea+Yh9ApirQ8o8dOPqtvJXQ='],
    ['GET\n\n\n1699808204\n/bucket/key+123?security-token=token&versionId=versionId', 'jzKYRrM5y6Br0dRFPaTGOsbrDhY='],
    [
      'PUT\neB5eJF1ptWaXm4bijSPyxw==\ntext/html\nWed, 28 Dec 2022 10:27:41 GMT\nx-oss-date:Wed, 28 Dec 2022 10:27:41 GMT\nx-oss-meta-author:alice\nx-oss-meta-magic:abracadabra\n/examplebucket/nelson',
      'kSHKmLxlyEAKtZPkJhG9bZb5k7M=',
    ],
  ] as const;

  test.each(v1Vectors)('%j signs to %s with node:crypto and with ali-oss', (stringToSign, expected) => {
    expect(v1Signature('sk', stringToSign)).toBe(expected);
    expect(signUtils.computeSignature('sk', stringToSign)).toBe(expected);
  });

  test('ali-oss builds the documented V1 string to sign', () => {
    const canonical = signUtils.buildCanonicalString('PUT', '/examplebucket/nelson', {
      headers: {
        'content-md5': 'eB5eJF1ptWaXm4bijSPyxw==',
        'content-type': 'text/html',
        'x-oss-date': 'Wed, 28 Dec 2022 10:27:41 GMT',
        'x-oss-meta-magic': 'abracadabra',
        'x-oss-meta-author': 'alice',
      },
    });
    expect(canonical).toBe(v1Vectors[2][0]);
  });
});
