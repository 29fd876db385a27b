/** Signed PUT URLs and POST forms, each signature recomputed from the specification (test/support/oss-spec.ts). */
import { signatureLifetimeSeconds, signerCredentials, type SignerCredentials } from '../../../shared/alicloud/access-key';
import { encodeRfc3986, objectUrl, signPostUpload, signPutUpload, type SigningInput } from '../../../shared/upload/signed-upload';
import type { UploadRules } from '../../../shared/upload/rules';
import { v1Signature, v4CanonicalRequest, v4PolicySignature, v4Signature } from '../../support/oss-spec';
import { rulesOf } from '../../support/upload-rules';

const rules: UploadRules = rulesOf({
  bucket: 'uploads-bucket',
  region: 'cn-hangzhou',
  ossEndpoint: 'https://uploads-bucket.oss-cn-hangzhou.aliyuncs.com',
  prefix: 'users/alice/',
  allowedContentTypes: ['image/png'],
  maxBytes: 1_048_576,
  ttlSeconds: 300,
});
const stsCredentials: SignerCredentials = {
  accessKeyId: 'STS.signer',
  accessKeySecret: 'signer-secret',
  securityToken: 'role-token/+=',
  expiration: undefined,
};
const longTermCredentials: SignerCredentials = {
  accessKeyId: 'LTAIsigner',
  accessKeySecret: 'signer-secret',
  securityToken: undefined,
  expiration: undefined,
};
const now = new Date('2026-11-28T10:20:30.000Z');
const key = 'users/alice/2026/11/a+b c.png';

const size = 12_345;

function input(overrides: Partial<SigningInput> = {}): SigningInput & { size: number } {
  return {
    rules,
    key,
    contentType: 'image/png',
    credentials: stsCredentials,
    now,
    lifetimeSeconds: 300,
    version: 'v4',
    size,
    ...overrides,
  };
}

/** What OSS recomputes for a PUT to this URL with these headers (Content-Length as a client sends it). */
function signatureFor(signedQuery: Record<string, string>, headers: Record<string, string>): string {
  const canonical = v4CanonicalRequest({
    method: 'PUT',
    bucket: 'uploads-bucket',
    key,
    query: signedQuery,
    headers,
    additionalHeaders: (signedQuery['x-oss-additional-headers'] ?? '').split(';').filter((name) => name !== ''),
  });
  return v4Signature('signer-secret', 'cn-hangzhou', '20261128T102030Z', canonical);
}

describe('signed PUT URL, V4', () => {
  test('binds method, key, Content-Type, Content-Disposition, Content-Length, forbid-overwrite and the security token', () => {
    const signed = signPutUpload(input());
    const url = new URL(signed.url);
    expect(`${url.origin}${url.pathname}`).toBe('https://uploads-bucket.oss-cn-hangzhou.aliyuncs.com/users/alice/2026/11/a%2Bb%20c.png');
    expect(signed.headers).toEqual({ 'Content-Type': 'image/png', 'Content-Disposition': 'attachment', 'x-oss-forbid-overwrite': 'true' });
    expect(signed).toMatchObject({ method: 'PUT', bucket: 'uploads-bucket', key, size, expiresAt: '2026-11-28T10:25:30.000Z' });

    const query = Object.fromEntries(url.searchParams);
    expect(query).toEqual({
      'x-oss-additional-headers': 'content-disposition;content-length',
      'x-oss-credential': 'STS.signer/20261128/cn-hangzhou/oss/aliyun_v4_request',
      'x-oss-date': '20261128T102030Z',
      'x-oss-expires': '300',
      'x-oss-signature-version': 'OSS4-HMAC-SHA256',
      'x-oss-security-token': 'role-token/+=',
      'x-oss-signature': expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const { 'x-oss-signature': signature, ...signedQuery } = query;
    expect(signature).toBe(signatureFor(signedQuery, { ...signed.headers, 'Content-Length': String(size) }));
  });

  test('the signature no longer matches another length, another disposition, another type or no forbid-overwrite', () => {
    const signed = signPutUpload(input());
    const { 'x-oss-signature': signature, ...signedQuery } = Object.fromEntries(new URL(signed.url).searchParams);
    const sent: Record<string, string> = { ...signed.headers, 'Content-Length': String(size) };
    expect(signatureFor(signedQuery, sent)).toBe(signature);
    const { 'x-oss-forbid-overwrite': _dropped, ...withoutForbid } = sent;
    for (const headers of [
      { ...sent, 'Content-Length': String(5 * 1024 * 1024) },
      { ...sent, 'Content-Length': '' }, // chunked: no Content-Length at all
      { ...sent, 'Content-Disposition': 'inline' },
      { ...sent, 'Content-Type': 'text/html' },
      withoutForbid,
    ]) {
      expect(signatureFor(signedQuery, headers)).not.toBe(signature);
    }
  });

  test('long-term keys send no security token', () => {
    const url = new URL(signPutUpload(input({ credentials: longTermCredentials })).url);
    expect(url.searchParams.has('x-oss-security-token')).toBe(false);
  });
});

describe('signed PUT URL, V1', () => {
  test('Expires is absolute, the security token is a signed sub-resource; V1 cannot bind the length or the disposition', () => {
    const signed = signPutUpload(input({ version: 'v1' }));
    const url = new URL(signed.url);
    const expires = String(Math.floor(now.getTime() / 1000) + 300);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      OSSAccessKeyId: 'STS.signer',
      Expires: expires,
      'security-token': 'role-token/+=',
      Signature: v1Signature(
        'signer-secret',
        `PUT\n\nimage/png\n${expires}\nx-oss-forbid-overwrite:true\n/uploads-bucket/${key}?security-token=role-token/+=`,
      ),
    });
    expect(signed.expiresAt).toBe('2026-11-28T10:25:30.000Z');
    // V1 signs Content-MD5, Content-Type, the date and x-oss-* only: the answer still asks for the attachment.
    expect(signed.headers).toEqual({ 'Content-Type': 'image/png', 'Content-Disposition': 'attachment', 'x-oss-forbid-overwrite': 'true' });
    expect(signed.size).toBe(size);
  });
});

describe('POST form policy', () => {
  test('V4: the decoded policy pins every field exactly and the signature matches the spec', () => {
    const signed = signPostUpload(input());
    expect(signed).toMatchObject({
      method: 'POST',
      url: 'https://uploads-bucket.oss-cn-hangzhou.aliyuncs.com/',
      bucket: 'uploads-bucket',
      key,
      maxBytes: 1_048_576,
      expiresAt: '2026-11-28T10:25:30.000Z',
    });
    const { policy, 'x-oss-signature': signature, ...rest } = signed.fields;
    expect(rest).toEqual({
      key,
      'Content-Type': 'image/png',
      'Content-Disposition': 'attachment',
      'x-oss-forbid-overwrite': 'true',
      'x-oss-object-acl': 'private',
      'x-oss-storage-class': 'Standard',
      success_action_status: '201',
      'x-oss-signature-version': 'OSS4-HMAC-SHA256',
      'x-oss-credential': 'STS.signer/20261128/cn-hangzhou/oss/aliyun_v4_request',
      'x-oss-date': '20261128T102030Z',
      'x-oss-security-token': 'role-token/+=',
    });
    expect(JSON.parse(Buffer.from(policy!, 'base64').toString('utf8'))).toEqual({
      expiration: '2026-11-28T10:25:30.000Z',
      conditions: [
        { bucket: 'uploads-bucket' },
        { key },
        { 'Content-Type': 'image/png' },
        { 'Content-Disposition': 'attachment' },
        { 'x-oss-forbid-overwrite': 'true' },
        { 'x-oss-object-acl': 'private' },
        { 'x-oss-storage-class': 'Standard' },
        { success_action_status: '201' },
        { 'x-oss-signature-version': 'OSS4-HMAC-SHA256' },
        { 'x-oss-credential': 'STS.signer/20261128/cn-hangzhou/oss/aliyun_v4_request' },
        { 'x-oss-date': '20261128T102030Z' },
        { 'x-oss-security-token': 'role-token/+=' },
        ['content-length-range', 1, 1_048_576],
      ],
    });
    expect(signature).toBe(v4PolicySignature('signer-secret', 'cn-hangzhou', '20261128T102030Z', policy!));
  });

  test('V1: OSSAccessKeyId, policy and Signature = base64 HMAC-SHA1 of the policy', () => {
    const signed = signPostUpload(input({ version: 'v1' }));
    const { policy, Signature, ...rest } = signed.fields;
    expect(rest).toEqual({
      key,
      'Content-Type': 'image/png',
      'Content-Disposition': 'attachment',
      'x-oss-forbid-overwrite': 'true',
      'x-oss-object-acl': 'private',
      'x-oss-storage-class': 'Standard',
      success_action_status: '201',
      'x-oss-security-token': 'role-token/+=',
      OSSAccessKeyId: 'STS.signer',
    });
    expect(Signature).toBe(v1Signature('signer-secret', policy!));
    const decoded = JSON.parse(Buffer.from(policy!, 'base64').toString('utf8')) as { conditions: unknown[] };
    expect(decoded.conditions).toContainEqual(['content-length-range', 1, 1_048_576]);
    expect(decoded.conditions).toContainEqual({ key });
    expect(decoded.conditions).toContainEqual({ 'x-oss-security-token': 'role-token/+=' });
  });

  test('never emits an empty starts-with, which would mean any key', () => {
    const policy = JSON.parse(Buffer.from(signPostUpload(input()).fields['policy']!, 'base64').toString()) as { conditions: unknown[] };
    expect(JSON.stringify(policy.conditions)).not.toContain('starts-with');
  });
});

describe('credentials and lifetimes', () => {
  test('FC context credentials win over the fallback variables', () => {
    const fallback = { accessKeyId: 'env', accessKeySecret: 'env-secret', securityToken: undefined };
    expect(
      signerCredentials({ credentials: { accessKeyId: 'ctx', accessKeySecret: 'ctx-secret', securityToken: 'tok' } }, fallback),
    ).toEqual({ accessKeyId: 'ctx', accessKeySecret: 'ctx-secret', securityToken: 'tok', expiration: undefined });
    expect(signerCredentials({}, fallback)).toEqual({ ...fallback, expiration: undefined });
    expect(signerCredentials({ credentials: { accessKeyId: '', accessKeySecret: 'x' } }, fallback).accessKeyId).toBe('env');
  });

  test('no credentials at all is a server error naming the fix, not a client error', () => {
    expect(() => signerCredentials(undefined, undefined)).toThrow(expect.objectContaining({ status: 500, code: 'InternalError' }) as Error);
  });

  test('a signature never outlives credentials with a known expiry', () => {
    const expiring = { ...stsCredentials, expiration: new Date(now.getTime() + 120_000) };
    expect(signatureLifetimeSeconds(300, expiring, now)).toBe(120);
    expect(signatureLifetimeSeconds(300, stsCredentials, now)).toBe(300);
    expect(() => signatureLifetimeSeconds(300, { ...stsCredentials, expiration: new Date(now.getTime() + 5_000) }, now)).toThrow(
      expect.objectContaining({ status: 500 }) as Error,
    );
  });

  test('object URLs percent-encode each key segment and keep the slashes', () => {
    expect(objectUrl('http://127.0.0.1:9100', 'users/a b/ü*.png')).toBe('http://127.0.0.1:9100/users/a%20b/%C3%BC%2A.png');
  });
});

test('RFC 3986 encoding: the five characters encodeURIComponent leaves are encoded too, and plain values pass as they are', () => {
  expect(encodeRfc3986("a!b'c(d)e*f")).toBe('a%21b%27c%28d%29e%2Af');
  expect(encodeRfc3986('x y/ü~-_.')).toBe('x%20y%2F%C3%BC~-_.');
  expect(encodeRfc3986('20260101T000000Z')).toBe('20260101T000000Z');
  expect(encodeRfc3986('(')).toBe('%28');
});
