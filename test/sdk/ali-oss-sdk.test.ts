/**
 * The official OSS Node SDK (npm ali-oss 6.23) against the local stack (`npm start`'s dev stack), in both of its
 * signature versions: STS credentials from sts-token given to the SDK's STS-token option (`stsToken`), and a
 * signed PUT URL from sign-url sent with plain HTTP (fetch), as test/sdk/go-sdk.test.ts does for the Go SDK. What
 * was stored is read back from the emulator with its MD5.
 */
import OSS from 'ali-oss';
import { randomBytes } from 'node:crypto';
import { startDevStack, type DevStack } from '../../local/dev-stack';
import { callFunction, devToken, md5Hex, monthFolder, storedObjects } from '../support/local-stack-client';

let stack: DevStack;
beforeAll(async () => {
  stack = await startDevStack({
    port: 0,
    ossPort: 0,
    stsPort: 0,
    // These uploads carry placeholder bytes to test the SDK's transport and our grants; upload-completed would judge
    // (and remove) them, racing the overwrite checks. Its verdicts are tested on their own.
    uploadTriggers: false,
  });
});
afterAll(() => stack.close());

/** OSS's error code, or 'ok'. */
async function outcome(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'ok';
  } catch (error) {
    const { code, status } = error as { code?: unknown; status?: unknown };
    return `${String(status)} ${String(code)}`;
  }
}

describe.each([
  ['V4 (the answer as it is)', true],
  ['V1 (authorizationV4: false, the SDK’s default)', false],
])('ali-oss, %s', (_name, authorizationV4) => {
  const user = `node-${authorizationV4 ? 'v4' : 'v1'}`;

  test('STS credentials: put and multipartUpload store their bytes; outside the STS folder, another user’s folder, a read and an overwrite are refused', async () => {
    const token = await devToken(stack, user);
    const { status, answer } = await callFunction(stack, 'sts-token', token);
    expect(status).toBe(200);
    const { accessKeyId, accessKeySecret, stsToken, bucket, endpoint, prefix } = answer as Record<string, string>;
    // The SDK's own STS option, spelt out rather than `new OSS(answer)`, as a server in another language would.
    const client = new OSS({ accessKeyId, accessKeySecret, stsToken, bucket, endpoint, cname: true, authorizationV4 } as OSS.Options);
    const folder = monthFolder(prefix!);
    const small = randomBytes(3000);
    const large = randomBytes(300 * 1024);

    expect(await outcome(() => client.put(`${folder}node-put.png`, small, { mime: 'image/png' }))).toBe('ok');
    expect(await outcome(() => client.multipartUpload(`${folder}node-multipart.bin`, large, { partSize: 100 * 1024 }))).toBe('ok');
    expect(await outcome(() => client.put(`${monthFolder(`users/${user}/`)}AAAAAAAAAAAAAAAAAAAAAA.png`, small))).toBe('403 AccessDenied');
    expect(await outcome(() => client.multipartUpload(`users/${user}/outside.bin`, large, { partSize: 100 * 1024 }))).toBe(
      '403 AccessDenied',
    );
    expect(await outcome(() => client.put(`${monthFolder('users/mallory/sts/')}x.png`, small))).toBe('403 AccessDenied');
    expect(await outcome(() => client.get(`${folder}node-put.png`))).toBe('403 AccessDenied');
    expect(await outcome(() => client.put(`${folder}node-put.png`, Buffer.from('<html>'), { mime: 'text/html' }))).toBe(
      '409 FileAlreadyExists',
    );

    expect(await storedObjects(stack, `users/${user}/`)).toEqual([
      { key: `${folder}node-multipart.bin`, size: large.length, contentType: 'application/octet-stream', md5: md5Hex(large) },
      { key: `${folder}node-put.png`, size: small.length, contentType: 'image/png', md5: md5Hex(small) },
    ]);
    expect(await storedObjects(stack, 'users/mallory/')).toEqual([]);
  });
});

test('a signed PUT URL from sign-url, sent with fetch and exactly its headers: stored byte for byte; another size, another type or a second use refused', async () => {
  const user = 'node-put';
  const token = await devToken(stack, user);
  const bytes = randomBytes(4000);
  const { status, answer } = await callFunction(stack, 'sign-url', token, {
    filename: 'photo.png',
    contentType: 'image/png',
    size: bytes.length,
  });
  expect(status).toBe(200);
  const { url, headers, key } = answer as { url: string; headers: Record<string, string>; key: string };
  const put = async (body: Buffer, sent: Record<string, string> = headers): Promise<string> => {
    const response = await fetch(url, { method: 'PUT', headers: sent, body: new Uint8Array(body) });
    const text = await response.text();
    return `${response.status} ${/<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? ''}`.trim();
  };
  expect(await put(Buffer.concat([bytes, Buffer.from('!')]))).toBe('403 SignatureDoesNotMatch');
  expect(await put(bytes.subarray(1))).toBe('403 SignatureDoesNotMatch');
  expect(await put(bytes, { ...headers, 'Content-Type': 'text/html' })).toBe('403 SignatureDoesNotMatch');
  expect(await put(bytes)).toBe('200');
  expect(await put(bytes)).toBe('409 FileAlreadyExists');
  expect(await storedObjects(stack, `users/${user}/`)).toEqual([{ key, size: bytes.length, contentType: 'image/png', md5: md5Hex(bytes) }]);
});
