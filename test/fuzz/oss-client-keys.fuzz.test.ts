/**
 * Property: whatever a key holds (dot segments, `%`, `+`, `?`, `#`, control characters, non-ASCII, empty segments,
 * up to OSS's 1,023 bytes), the OSS client addresses exactly that object. The OSS emulator verifies each signature
 * against the path it received and stores under the key that path decodes to, so a client that resolved `..` or
 * re-encoded a byte would be refused or would act on another key. Every call is made on each key: copy to it, ranged
 * read, head, a multipart upload started, listed and aborted, delete; and the bucket holds nothing else afterwards.
 * FUZZ_RUNS sets the case count (300 here by default).
 */
import OSS from 'ali-oss';
import fc from 'fast-check';
import { staticAccounts } from '../../local/emulator-accounts';
import { startOssEmulator, type RunningOssEmulator } from '../../local/oss-emulator';
import { createOssClient } from '../../shared/alicloud/oss-client';
import { registerIssued } from '../support/log-capture';

const RUNS = Math.max(1, Math.floor(Number(process.env['FUZZ_RUNS'] ?? 3000) / 10));
const BUCKET = 'keys-bucket';
const SEED = 'seed/object.txt';
const OWNER = { accessKeyId: 'LTAI-oss-keys-fuzz', accessKeySecret: 'oss-keys-fuzz-secret-value' };
registerIssued(OWNER.accessKeySecret);

let oss: RunningOssEmulator;
let seedEtag: string;
beforeAll(async () => {
  oss = await startOssEmulator({ bucket: BUCKET, region: 'cn-hangzhou', credentials: staticAccounts([OWNER]) });
  const owner = new OSS({
    ...OWNER,
    bucket: BUCKET,
    region: 'oss-cn-hangzhou',
    endpoint: oss.url,
    cname: true,
    authorizationV4: true,
  });
  await owner.put(SEED, Buffer.from('0123456789abcdef'), { headers: { 'Content-Type': 'text/plain' } });
  seedEtag = oss.getObject(SEED)!.etag;
});
afterAll(() => oss.close());

const controlCharacter = fc.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code));
const piece = fc.oneof(
  fc.constantFrom(
    '.',
    '..',
    '...',
    '%',
    '%2F',
    '%2e%2e',
    '%25',
    '+',
    ' ',
    '?',
    '#',
    '&',
    '=',
    ';',
    '\\',
    '~',
    '*',
    "'",
    '(',
    ')',
    ':',
    '@',
  ),
  controlCharacter,
  fc.constantFrom('\u007f', 'é', 'ü', '中文', '😀', '\u00a0', '\u200b', '\ufeff', '\u2028'),
  fc.string({ maxLength: 6 }),
  fc.string({ unit: 'grapheme', maxLength: 3 }),
);
const segment = fc.array(piece, { maxLength: 4 }).map((pieces) => pieces.join(''));
/** The longest keys OSS takes, made of what is most often mishandled. */
const longest = fc.constantFrom(
  '../'.repeat(341),
  `${'é'.repeat(511)}x`,
  '%'.repeat(1023),
  `a/${'.'.repeat(1021)}`,
  `${'\u0001'.repeat(1022)}z`,
);

const isOssKey = (key: string): boolean =>
  key.isWellFormed() &&
  Buffer.byteLength(key) >= 1 &&
  Buffer.byteLength(key) <= 1023 &&
  !/^[/\\]/.test(key) &&
  key !== SEED &&
  // The emulator reads a first segment naming its bucket as path-style addressing.
  key.split('/')[0] !== BUCKET;

const keyArb = fc.oneof(
  { arbitrary: fc.array(segment, { minLength: 1, maxLength: 6 }).map((segments) => segments.join('/')), weight: 8 },
  { arbitrary: longest, weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), weight: 1 },
);

test('every call addresses exactly the object named, whatever its key holds', async () => {
  let checked = 0;
  await fc.assert(
    fc.asyncProperty(keyArb.filter(isOssKey), fc.constantFrom('v4' as const, 'v1' as const), async (key, signatureVersion) => {
      const client = createOssClient({
        endpoint: oss.url,
        bucket: BUCKET,
        region: 'cn-hangzhou',
        credentials: { ...OWNER, securityToken: undefined, expiration: undefined },
        signatureVersion,
        timeout: { ms: 5000, covers: 'each call' },
      });
      expect(await client.copy({ sourceKey: SEED, key, ifMatch: seedEtag, headers: { 'content-type': 'text/plain' } })).toBe('copied');
      expect(oss.getObject(key)?.body.toString()).toBe('0123456789abcdef');
      const read = await client.readStart(key, 4);
      expect([read?.start?.toString(), read?.head.size]).toEqual(['0123', 16]);
      expect((await client.head(key))?.etag).toBe(seedEtag);

      const uploadId = await client.initiateMultipart({ key, headers: {} });
      expect(oss.listUploads().filter((upload) => upload.uploadId === uploadId)).toEqual([{ uploadId, key, partNumbers: [] }]);
      expect(await client.listParts({ key, uploadId })).toEqual([]);
      await client.abortMultipart({ key, uploadId });

      await client.delete(key);
      expect(oss.listKeys()).toEqual([SEED]);
      expect(oss.listUploads()).toEqual([]);
      checked += Buffer.byteLength(key) > 1000 || /(^|\/)\.\.?(\/|$)/.test(key) ? 1 : 0;
    }),
    { numRuns: RUNS },
  );
  // Not vacuous: dot segments and near-limit keys were among the cases.
  expect(checked).toBeGreaterThan(0);
}, 600_000);
