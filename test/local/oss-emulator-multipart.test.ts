/**
 * The OSS emulator's multipart checks that sign-url relies on: part URLs whose partNumber and uploadId are signed
 * sub-resources (V4 and V1), ListParts paged like OSS, and forbid-overwrite taken from the initiate.
 */
import { randomBytes } from 'node:crypto';
import OSS from 'ali-oss';
import { staticAccounts } from '../../local/emulator-accounts';
import { startOssEmulator, type RunningOssEmulator } from '../../local/oss-emulator';
import { rfc3986, timestampOf, v1Signature, v4CanonicalRequest, v4Signature } from '../support/oss-spec';

const BUCKET = 'parts-bucket';
const key = { accessKeyId: 'LTAI-parts-test', accessKeySecret: 'parts-test-secret-value' };
let oss: RunningOssEmulator;
let store: OSS;

beforeAll(async () => {
  oss = await startOssEmulator({ bucket: BUCKET, region: 'cn-hangzhou', credentials: staticAccounts([key]) });
  store = new OSS({
    ...key,
    bucket: BUCKET,
    region: 'oss-cn-hangzhou',
    endpoint: oss.url,
    cname: true,
    authorizationV4: true,
  });
});
afterAll(() => oss.close());

const objectPath = (name: string): string => name.split('/').map(rfc3986).join('/');

/** A part URL written from the specification (docs/oss-facts.md), as sign-url hands them out. */
function partUrlV4(name: string, uploadId: string, partNumber: number): URL {
  const date = timestampOf(Math.floor(Date.now() / 1000));
  const query: Record<string, string> = {
    partNumber: String(partNumber),
    uploadId,
    'x-oss-credential': `${key.accessKeyId}/${date.slice(0, 8)}/cn-hangzhou/oss/aliyun_v4_request`,
    'x-oss-date': date,
    'x-oss-expires': '300',
    'x-oss-signature-version': 'OSS4-HMAC-SHA256',
  };
  const canonical = v4CanonicalRequest({ method: 'PUT', bucket: BUCKET, key: name, query, headers: {}, additionalHeaders: [] });
  const url = new URL(`${oss.url}/${objectPath(name)}`);
  for (const [param, value] of Object.entries({
    ...query,
    'x-oss-signature': v4Signature(key.accessKeySecret, 'cn-hangzhou', date, canonical),
  })) {
    url.searchParams.set(param, value);
  }
  return url;
}

function partUrlV1(name: string, uploadId: string, partNumber: number): URL {
  const expires = String(Math.floor(Date.now() / 1000) + 300);
  const signature = v1Signature(
    key.accessKeySecret,
    `PUT\n\n\n${expires}\n/${BUCKET}/${name}?partNumber=${partNumber}&uploadId=${uploadId}`,
  );
  const url = new URL(`${oss.url}/${objectPath(name)}`);
  for (const [param, value] of Object.entries({
    partNumber: String(partNumber),
    uploadId,
    OSSAccessKeyId: key.accessKeyId,
    Expires: expires,
    Signature: signature,
  })) {
    url.searchParams.set(param, value);
  }
  return url;
}

const codeOf = (xml: string): string | undefined => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];

describe.each([
  ['V4', partUrlV4],
  ['V1', partUrlV1],
])('%s part URLs: partNumber and uploadId are signed', (_version, partUrl) => {
  test('the URL as signed uploads its part; another part number or another upload id is SignatureDoesNotMatch', async () => {
    const name = `signed/${_version}.bin`;
    const { uploadId } = await store.initMultipartUpload(name);
    const { uploadId: otherUpload } = await store.initMultipartUpload(name);
    const url = partUrl(name, uploadId, 1);

    const renumbered = new URL(url);
    renumbered.searchParams.set('partNumber', '2');
    const moved = new URL(url);
    moved.searchParams.set('uploadId', otherUpload);
    for (const tampered of [renumbered, moved]) {
      const response = await fetch(tampered, { method: 'PUT', body: new Uint8Array(randomBytes(10)) });
      expect([response.status, codeOf(await response.text())]).toEqual([403, 'SignatureDoesNotMatch']);
    }
    expect(
      oss
        .listUploads()
        .filter((upload) => upload.key === name)
        .map((upload) => upload.partNumbers),
    ).toEqual([[], []]);

    const ok = await fetch(url, { method: 'PUT', body: new Uint8Array(randomBytes(10)) });
    expect(ok.status).toBe(200);
    expect(oss.listUploads().find((upload) => upload.uploadId === uploadId)?.partNumbers).toEqual([1]);
  });
});

describe('ListParts pages like OSS', () => {
  test('max-parts and part-number-marker walk the parts; IsTruncated and NextPartNumberMarker say where to go on', async () => {
    const name = 'paged/file.bin';
    const { uploadId } = await store.initMultipartUpload(name);
    for (const partNumber of [1, 2, 3, 5, 8])
      await fetch(partUrlV4(name, uploadId, partNumber), { method: 'PUT', body: new Uint8Array(randomBytes(100)) });

    const pages: Array<{ parts: string[]; truncated: unknown; next: unknown }> = [];
    let marker = '0';
    for (let i = 0; i < 5; i += 1) {
      const page = (await store.listParts(name, uploadId, {
        'max-parts': '2',
        'part-number-marker': marker,
      } as unknown as OSS.ListPartsQuery)) as unknown as {
        parts: Array<{ PartNumber: string }>;
        isTruncated: boolean | string;
        nextPartNumberMarker: string;
      };
      pages.push({
        parts: [page.parts].flat().map((part) => part.PartNumber),
        truncated: String(page.isTruncated) === 'true',
        next: page.nextPartNumberMarker,
      });
      if (String(page.isTruncated) !== 'true') break;
      marker = page.nextPartNumberMarker;
    }
    expect(pages).toEqual([
      { parts: ['1', '2'], truncated: true, next: '2' },
      { parts: ['3', '5'], truncated: true, next: '5' },
      { parts: ['8'], truncated: false, next: '8' },
    ]);
  });

  test.each(['0', '1001', 'x'])('max-parts=%s is InvalidArgument', async (maxParts) => {
    const { uploadId } = await store.initMultipartUpload('paged/bad.bin');
    const error = await store.listParts('paged/bad.bin', uploadId, { 'max-parts': maxParts } as unknown as OSS.ListPartsQuery).then(
      () => undefined,
      (thrown: { code?: string }) => thrown.code,
    );
    expect(error).toBe('InvalidArgument');
  });
});

test('x-oss-forbid-overwrite given at the initiate holds at the completion, even without the header there', async () => {
  const name = 'guarded/object.bin';
  const { uploadId } = await store.initMultipartUpload(name, {
    headers: { 'x-oss-forbid-overwrite': 'true' },
  });
  const put = await fetch(partUrlV4(name, uploadId, 1), { method: 'PUT', body: new Uint8Array(randomBytes(10)) });
  await store.put(name, Buffer.from('first'));
  const refused = await store.completeMultipartUpload(name, uploadId, [{ number: 1, etag: put.headers.get('etag')! }]).then(
    () => undefined,
    (thrown: { code?: string; status?: number }) => [thrown.status, thrown.code],
  );
  expect(refused).toEqual([409, 'FileAlreadyExists']);
  expect(oss.getObject(name)?.body.toString()).toBe('first');
});
