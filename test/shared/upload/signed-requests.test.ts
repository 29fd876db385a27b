/**
 * The requests sign-url sends OSS itself (header-signed) and its part URLs, recomputed from the specification
 * (test/support/oss-spec.ts), never from our own code.
 */
import { v1, v4 } from '../../../shared/upload/signature-schemes';
import { v1Signature, v4CanonicalRequest, v4Signature } from '../../support/oss-spec';

const credentials = { accessKeyId: 'ak', accessKeySecret: 'sk', securityToken: 'token', expiration: undefined };
const now = new Date(Date.UTC(2026, 10, 28, 10, 20, 30));
const key = 'users/alice/2026/11/AAAAAAAAAAAAAAAAAAAAAA.png';

test('V4 header-signed InitiateMultipartUpload: ?uploads as a bare sub-resource, every x-oss header and the type signed', () => {
  const headers = { 'content-type': 'image/png', 'x-oss-forbid-overwrite': 'true' };
  const signed = v4.signRequest({
    method: 'POST',
    bucket: 'bucket',
    region: 'cn-hangzhou',
    key,
    subResources: { uploads: null },
    query: {},
    headers,
    credentials,
    now,
  });
  expect(signed).toEqual({
    'x-oss-date': '20261128T102030Z',
    'x-oss-content-sha256': 'UNSIGNED-PAYLOAD',
    'x-oss-security-token': 'token',
    authorization: expect.stringMatching(
      /^OSS4-HMAC-SHA256 Credential=ak\/20261128\/cn-hangzhou\/oss\/aliyun_v4_request,Signature=[0-9a-f]{64}$/,
    ),
  });
  const { authorization, ...sent } = signed;
  const canonical = v4CanonicalRequest({
    method: 'POST',
    bucket: 'bucket',
    key,
    query: { uploads: null },
    headers: { ...headers, ...sent },
    additionalHeaders: [],
  });
  expect(authorization!.split('Signature=')[1]).toBe(v4Signature('sk', 'cn-hangzhou', '20261128T102030Z', canonical));
});

test('V4 header-signed ListParts: the paging parameters are signed too', () => {
  const query = { 'max-parts': '1000', 'part-number-marker': '0' };
  const signed = v4.signRequest({
    method: 'GET',
    bucket: 'bucket',
    region: 'cn-hangzhou',
    key,
    subResources: { uploadId: 'ID1' },
    query,
    headers: {},
    credentials,
    now,
  });
  const { authorization, ...sent } = signed;
  const canonical = v4CanonicalRequest({
    method: 'GET',
    bucket: 'bucket',
    key,
    query: { uploadId: 'ID1', ...query },
    headers: sent,
    additionalHeaders: [],
  });
  expect(authorization!.split('Signature=')[1]).toBe(v4Signature('sk', 'cn-hangzhou', '20261128T102030Z', canonical));
});

test('V1 header-signed CompleteMultipartUpload: Date line, x-oss headers, the uploadId sub-resource, not max-parts', () => {
  const headers = { 'content-type': 'application/xml', 'x-oss-forbid-overwrite': 'true' };
  const signed = v1.signRequest({
    method: 'POST',
    bucket: 'bucket',
    region: 'cn-hangzhou',
    key,
    subResources: { uploadId: 'ID1' },
    query: { 'max-parts': '5' },
    headers,
    credentials,
    now,
  });
  expect(signed['date']).toBe('Sat, 28 Nov 2026 10:20:30 GMT');
  const stringToSign = `POST\n\napplication/xml\nSat, 28 Nov 2026 10:20:30 GMT\nx-oss-forbid-overwrite:true\nx-oss-security-token:token\n/bucket/${key}?uploadId=ID1`;
  expect(signed['authorization']).toBe(`OSS ak:${v1Signature('sk', stringToSign)}`);
});

test("part URLs: V4 signs partNumber and uploadId in the canonical query and the part's Content-Length; V1 the first two in the canonical resource", () => {
  const input = {
    bucket: 'bucket',
    region: 'cn-hangzhou',
    key,
    uploadId: 'ID1',
    partNumber: 7,
    contentLength: 5242880,
    credentials,
    now,
    lifetimeSeconds: 300,
  };
  const { 'x-oss-signature': signature, ...query } = v4.presignPart(input);
  expect(query).toMatchObject({ partNumber: '7', uploadId: 'ID1', 'x-oss-expires': '300', 'x-oss-additional-headers': 'content-length' });
  const signedFor = (length: number): string =>
    v4Signature(
      'sk',
      'cn-hangzhou',
      '20261128T102030Z',
      v4CanonicalRequest({
        method: 'PUT',
        bucket: 'bucket',
        key,
        query,
        headers: { 'content-length': String(length) },
        additionalHeaders: ['content-length'],
      }),
    );
  expect(signature).toBe(signedFor(5242880));
  expect(signature).not.toBe(signedFor(5242881));
  const legacy = v1.presignPart(input);
  const expires = String(now.getTime() / 1000 + 300);
  expect(legacy).toEqual({
    partNumber: '7',
    uploadId: 'ID1',
    'security-token': 'token',
    OSSAccessKeyId: 'ak',
    Expires: expires,
    Signature: expect.any(String),
  });
  expect(legacy['Signature']).toBe(v1Signature('sk', `PUT\n\n\n${expires}\n/bucket/${key}?partNumber=7&security-token=token&uploadId=ID1`));
});
