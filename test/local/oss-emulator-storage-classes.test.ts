/**
 * What the emulator models of OSS beyond plain objects, as the function that judges uploads meets it: storage
 * classes (an upload may ask for any; Archive-type objects answer GetObject and CopyObject with 403
 * InvalidObjectState until restored, while HEAD and DELETE work), CopyObject's 1 GB limit, key length, and
 * ListMultipartUploads with `encoding-type=url` for keys XML cannot carry.
 */
import OSS from 'ali-oss';
import { staticAccounts } from '../../local/emulator-accounts';
import { MAX_COPY_BYTES, STORAGE_CLASSES, startOssEmulator, type RunningOssEmulator } from '../../local/oss-emulator';
import { registerIssued } from '../support/log-capture';
import { rawOssRequest } from '../support/raw-oss';

const BUCKET = 'classes-bucket';
const OWNER = { accessKeyId: 'LTAI-classes-owner', accessKeySecret: 'classes-owner-secret-value' };
registerIssued(OWNER.accessKeySecret);

let oss: RunningOssEmulator;
let store: OSS;
beforeAll(async () => {
  oss = await startOssEmulator({ bucket: BUCKET, region: 'cn-hangzhou', credentials: staticAccounts([OWNER]) });
  store = new OSS({
    ...OWNER,
    bucket: BUCKET,
    region: 'oss-cn-hangzhou',
    endpoint: oss.url,
    cname: true,
    authorizationV4: true,
  });
});
afterAll(() => oss.close());

const raw = (input: Omit<Parameters<typeof rawOssRequest>[0], 'endpoint' | 'bucket' | 'region' | 'credentials'>) =>
  rawOssRequest({ endpoint: oss.url, bucket: BUCKET, region: 'cn-hangzhou', credentials: OWNER, ...input });
const codeOf = (xml: string): string | undefined => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];

describe('storage classes', () => {
  it.each(STORAGE_CLASSES.map((storageClass) => [storageClass, ['Standard', 'IA'].includes(storageClass)] as const))(
    'a PUT asking for %s is stored in it; GET works: %s; HEAD and DELETE always work',
    async (storageClass, readable) => {
      const key = `classes/${storageClass}.png`;
      // Case-insensitive, as OSS compares the value.
      const put = await raw({
        method: 'PUT',
        key,
        headers: { 'x-oss-storage-class': storageClass.toLowerCase() },
        body: Buffer.from('bytes'),
      });
      expect(put.status).toBe(200);
      expect(oss.getObject(key)?.storageClass).toBe(storageClass);
      expect((await store.head(key)).res.headers).toMatchObject({ 'x-oss-storage-class': storageClass });
      const get = await raw({ method: 'GET', key });
      expect([get.status, get.status === 200 ? get.body : codeOf(get.body)]).toEqual(
        readable ? [200, 'bytes'] : [403, 'InvalidObjectState'],
      );
      expect((await raw({ method: 'DELETE', key })).status).toBe(204);
      expect(oss.getObject(key)).toBeUndefined();
    },
  );

  it('a multipart upload keeps the class it was initiated with; a PostObject field sets it too', async () => {
    const key = 'classes/multipart.bin';
    const { uploadId } = await store.initMultipartUpload(key, { headers: { 'x-oss-storage-class': 'ColdArchive' } });
    const part = await store.uploadPart(key, uploadId, 1, Buffer.from('x'), 0, 1);
    await store.completeMultipartUpload(key, uploadId, [{ number: 1, etag: part.etag }]);
    expect(oss.getObject(key)?.storageClass).toBe('ColdArchive');
    expect(codeOf((await raw({ method: 'GET', key })).body)).toBe('InvalidObjectState');
  });

  it('CopyObject from an object that must be restored first is refused: 403 InvalidObjectState, nothing written', async () => {
    await raw({ method: 'PUT', key: 'classes/frozen.png', headers: { 'x-oss-storage-class': 'Archive' }, body: Buffer.from('x') });
    const copy = await raw({ method: 'PUT', key: 'copies/frozen.png', headers: { 'x-oss-copy-source': `/${BUCKET}/classes/frozen.png` } });
    expect([copy.status, codeOf(copy.body)]).toEqual([403, 'InvalidObjectState']);
    expect(oss.getObject('copies/frozen.png')).toBeUndefined();
  });
});

it('CopyObject copies at most 1 GB: a larger source is refused and nothing is written', async () => {
  // Lazily zeroed: the process never touches (or holds) a gigabyte for this.
  oss.seedObject({
    key: 'big/over.bin',
    body: Buffer.alloc(MAX_COPY_BYTES + 1),
    contentType: 'application/octet-stream',
    etag: '"0123456789ABCDEF0123456789ABCDEF"',
  });
  oss.seedObject({ key: 'big/at-limit-stand-in.bin', body: Buffer.from('small'), contentType: 'application/octet-stream' });
  const over = await raw({ method: 'PUT', key: 'copies/over.bin', headers: { 'x-oss-copy-source': `/${BUCKET}/big/over.bin` } });
  expect([over.status, codeOf(over.body)]).toEqual([400, 'EntityTooLarge']);
  expect(oss.listKeys().filter((key) => key.startsWith('copies/'))).toEqual([]);
  const small = await raw({
    method: 'PUT',
    key: 'copies/small.bin',
    headers: { 'x-oss-copy-source': `/${BUCKET}/big/at-limit-stand-in.bin` },
  });
  expect(small.status).toBe(200);
  // What a reader of the big one sees: its real size, from a ranged GET.
  const ranged = await raw({ method: 'GET', key: 'big/over.bin', headers: { range: 'bytes=0-3' } });
  expect([ranged.status, ranged.headers['content-range']]).toEqual([206, `bytes 0-3/${MAX_COPY_BYTES + 1}`]);
  await raw({ method: 'DELETE', key: 'big/over.bin' });
});

it('keys: 1,023 bytes are taken, 1,024 are refused with InvalidObjectName', async () => {
  const longest = `k/${'é'.repeat(510)}x`;
  expect(Buffer.byteLength(longest)).toBe(1023);
  expect((await raw({ method: 'PUT', key: longest, body: Buffer.from('x') })).status).toBe(200);
  const over = await raw({ method: 'PUT', key: `${longest}y`, body: Buffer.from('x') });
  expect([over.status, codeOf(over.body)]).toEqual([400, 'InvalidObjectName']);
});

it('ListMultipartUploads: by prefix, max-uploads and IsTruncated, keys URL-encoded with encoding-type=url', async () => {
  const keys = ['lmu/a\u0001b.bin', 'lmu/b.bin', 'lmu/c.bin', 'other/d.bin'];
  for (const key of keys) expect((await raw({ method: 'POST', key, query: { uploads: null } })).status).toBe(200);
  const page = await raw({ method: 'GET', key: '', query: { uploads: null, prefix: 'lmu/', 'max-uploads': '2', 'encoding-type': 'url' } });
  expect(page.status).toBe(200);
  expect([...page.body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((match) => match[1])).toEqual(['lmu%2Fa%01b.bin', 'lmu%2Fb.bin']);
  expect(page.body).toContain('<IsTruncated>true</IsTruncated>');
  const all = await raw({ method: 'GET', key: '', query: { uploads: null, prefix: 'lmu/', 'max-uploads': '10', 'encoding-type': 'url' } });
  expect([...all.body.matchAll(/<Upload>/g)]).toHaveLength(3);
  expect(all.body).toContain('<IsTruncated>false</IsTruncated>');
});
