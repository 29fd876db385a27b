/**
 * `storageDir`: objects and in-progress multipart uploads survive a restart of the emulator on the same folder,
 * and a half-written temp file left by a crash is never read back.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OSS from 'ali-oss';
import { staticAccounts } from '../../local/emulator-accounts';
import { startOssEmulator } from '../../local/oss-emulator';

const BUCKET = 'persist-bucket';
const account = { accessKeyId: 'LTAI-persist', accessKeySecret: 'persist-secret' };
const credentials = staticAccounts([account]);

function client(url: string): OSS {
  return new OSS({
    ...account,
    bucket: BUCKET,
    region: 'oss-cn-hangzhou',
    endpoint: url,
    cname: true,
    authorizationV4: true,
  });
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'oss-emulator-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('storageDir', () => {
  it('keeps objects and an in-progress multipart upload across a restart, and the upload completes', async () => {
    const small = Buffer.from('kept across restarts');
    const part1 = randomBytes(100 * 1024);
    const part2 = randomBytes(30 * 1024);

    const first = await startOssEmulator({ bucket: BUCKET, region: 'cn-hangzhou', credentials, storageDir: dir });
    let init: { uploadId: string };
    let uploaded1: { etag: string };
    try {
      const before = client(first.url);
      await before.put('notes/a.txt', small, { mime: 'text/plain', headers: { 'x-oss-meta-n': '1' } });
      await before.put('notes/gone.txt', Buffer.from('deleted before restart'));
      await before.delete('notes/gone.txt');
      init = await before.initMultipartUpload('video/clip.bin', { mime: 'video/mp4' });
      uploaded1 = await before.uploadPart('video/clip.bin', init.uploadId, 1, part1, 0, part1.length);
    } finally {
      await first.close();
    }

    // A crash mid-write leaves a temp file behind: the next start must ignore (and remove) it.
    writeFileSync(join(dir, 'tmp', 'half-written.tmp'), 'garbage');

    const second = await startOssEmulator({ bucket: BUCKET, region: 'cn-hangzhou', credentials, storageDir: dir });
    try {
      expect(second.listKeys()).toEqual(['notes/a.txt']);
      expect(second.getObject('notes/a.txt')).toMatchObject({ contentType: 'text/plain', headers: { 'x-oss-meta-n': '1' } });
      expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
      expect(second.listUploads()).toEqual([{ uploadId: init.uploadId, key: 'video/clip.bin', partNumbers: [1] }]);

      const after = client(second.url);
      const got = await after.get('notes/a.txt');
      expect((got.content as Buffer).toString()).toBe('kept across restarts');

      const listed = await after.listParts('video/clip.bin', init.uploadId, {} as OSS.ListPartsQuery, {});
      expect([listed.parts].flat()).toEqual([expect.objectContaining({ PartNumber: '1', ETag: uploaded1.etag })]);
      const uploaded2 = await after.uploadPart('video/clip.bin', init.uploadId, 2, part2, 0, part2.length);
      await after.completeMultipartUpload('video/clip.bin', init.uploadId, [
        { number: 1, etag: uploaded1.etag },
        { number: 2, etag: uploaded2.etag },
      ]);
      const clip = second.getObject('video/clip.bin');
      expect(clip?.contentType).toBe('video/mp4');
      expect(Buffer.compare(clip?.body ?? Buffer.alloc(0), Buffer.concat([part1, part2]))).toBe(0);
      const partMd5s = [part1, part2].map((part) => createHash('md5').update(part).digest());
      expect(clip?.etag).toBe(`"${createHash('md5').update(Buffer.concat(partMd5s)).digest('hex').toUpperCase()}-2"`);
      expect(second.listUploads()).toEqual([]);
    } finally {
      await second.close();
    }

    // The completed object persisted too, and the finished upload left nothing behind.
    const third = await startOssEmulator({ bucket: BUCKET, region: 'cn-hangzhou', credentials, storageDir: dir });
    try {
      expect(third.listKeys()).toEqual(['notes/a.txt', 'video/clip.bin']);
      expect(third.getObject('video/clip.bin')?.body.length).toBe(part1.length + part2.length);
      expect(third.listUploads()).toEqual([]);
      expect(readdirSync(join(dir, 'uploads'))).toEqual([]);
    } finally {
      await third.close();
    }
  });

  it('keeps nothing on disk without storageDir', async () => {
    const first = await startOssEmulator({ bucket: BUCKET, region: 'cn-hangzhou', credentials });
    try {
      await client(first.url).put('a.txt', Buffer.from('a'));
    } finally {
      await first.close();
    }
    const second = await startOssEmulator({ bucket: BUCKET, region: 'cn-hangzhou', credentials });
    const keys = second.listKeys();
    await second.close();
    expect(keys).toEqual([]);
  });
});

describe('startOssEmulator options', () => {
  it('listens on 127.0.0.1 with port 0 and refuses a non-loopback host', async () => {
    const emulator = await startOssEmulator({ bucket: BUCKET, region: 'cn-hangzhou', credentials, port: 0 });
    await emulator.close();
    expect(emulator.url).toBe(`http://127.0.0.1:${emulator.port}`);
    expect(emulator.port).toBeGreaterThan(0);
    await expect(startOssEmulator({ bucket: BUCKET, region: 'cn-hangzhou', credentials, host: '0.0.0.0' })).rejects.toThrow(/loopback/);
    await expect(startOssEmulator({ bucket: BUCKET, region: 'oss-cn-hangzhou', credentials })).rejects.toThrow(/bare id/);
  });

  it('logs one line per request with no query string, signature or secret in it', async () => {
    const lines: string[] = [];
    let signature = '';
    const emulator = await startOssEmulator({
      bucket: BUCKET,
      region: 'cn-hangzhou',
      credentials,
      log: (entry) => lines.push(JSON.stringify(entry)),
    });
    try {
      const store = client(emulator.url);
      await store.put('logged.txt', Buffer.from('x'));
      const url = await store.signatureUrlV4('GET', 60, {}, 'logged.txt');
      signature = new URL(url).searchParams.get('x-oss-signature') ?? '';
      await fetch(url);
      await fetch(`${url.slice(0, -4)}0000`);
    } finally {
      await emulator.close();
    }
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[2] ?? '{}')).toMatchObject({
      method: 'GET',
      path: '/logged.txt',
      operation: 'GetObject',
      status: 403,
      code: 'SignatureDoesNotMatch',
      accessKeyId: account.accessKeyId,
    });
    for (const line of lines) {
      expect(line).not.toContain(account.accessKeySecret);
      expect(line).not.toContain('x-oss-');
      expect(signature).toMatch(/^[0-9a-f]{64}$/);
      expect(line).not.toContain(signature);
    }
  });
});
