/**
 * sign-url's POST answer used as a WeChat mini program uses it: `wx.uploadFile({url, filePath, name: 'file',
 * formData: fields})` sends a multipart/form-data POST of every field in order, then the file as `file` (with the
 * temporary file's name and a type of the mini program's choosing). Sent so here to the local stack: 201, what was
 * stored, and what OSS refuses.
 */
import { randomBytes } from 'node:crypto';
import { startDevStack, type DevStack } from '../../local/dev-stack';
import { callFunction, devToken, md5Hex, storedObjects } from '../support/local-stack-client';

let stack: DevStack;
beforeAll(async () => {
  stack = await startDevStack({
    port: 0,
    ossPort: 0,
    stsPort: 0,
    env: { MAX_UPLOAD_BYTES: '5000' },
    // Random bytes test the transport; upload-completed would remove them (its own tests: test/functions/upload-completed),
    // and whether the listing came before or after it did was a race.
    uploadTriggers: false,
  });
});
afterAll(() => stack.close());

/** What wx.uploadFile sends: formData as it is, then the file part named `file`. */
async function uploadFile(form: { url: string; fields: Record<string, string> }, bytes: Buffer): Promise<{ status: number; body: string }> {
  const body = new FormData();
  for (const [name, value] of Object.entries(form.fields)) body.append(name, value);
  body.append('file', new Blob([new Uint8Array(bytes)], { type: 'application/octet-stream' }), 'tmp_3f1c0e8a.jpg');
  const response = await fetch(form.url, { method: 'POST', body });
  return { status: response.status, body: await response.text() };
}

test('the answer as it is: 201 with the PostResponse, the object stored with the signed type', async () => {
  const user = 'wx-user';
  const token = await devToken(stack, user);
  const bytes = randomBytes(4000);
  const { status, answer } = await callFunction(stack, 'sign-url', token, {
    filename: 'photo.jpg',
    contentType: 'image/jpeg',
    size: bytes.length,
    method: 'POST',
  });
  expect(status).toBe(200);
  const form = answer as { url: string; fields: Record<string, string>; key: string };
  expect(Object.values(form.fields).every((value) => typeof value === 'string')).toBe(true); // formData takes strings
  expect(form.fields['success_action_status']).toBe('201');

  const uploaded = await uploadFile(form, bytes);
  expect(uploaded.status).toBe(201);
  expect(uploaded.body).toContain(`<Key>${form.key}</Key>`);
  expect(await storedObjects(stack, `users/${user}/`)).toEqual([
    { key: form.key, size: bytes.length, contentType: 'image/jpeg', md5: md5Hex(bytes) },
  ]);
});

test('OSS refuses what the policy does not allow: a file over MAX_UPLOAD_BYTES, a second upload to the key', async () => {
  const token = await devToken(stack, 'wx-big');
  const { answer } = await callFunction(stack, 'sign-url', token, { filename: 'big.jpg', contentType: 'image/jpeg', method: 'POST' });
  const form = answer as { url: string; fields: Record<string, string>; key: string };
  const tooBig = await uploadFile(form, randomBytes(5001));
  expect(tooBig.status).toBe(400);
  expect(tooBig.body).toContain('<Code>EntityTooLarge</Code>');
  expect((await uploadFile(form, randomBytes(5000))).status).toBe(201);
  const again = await uploadFile(form, randomBytes(10));
  expect([again.status, /<Code>([^<]+)<\/Code>/.exec(again.body)?.[1]]).toEqual([409, 'FileAlreadyExists']);
  expect((await storedObjects(stack, 'users/wx-big/')).map((object) => object.size)).toEqual([5000]);
});
