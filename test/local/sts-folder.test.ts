/**
 * sign-url's promises hold against the same user's STS credentials, on the local stack as users run it (functions
 * behind the FC adapter, OSS and STS emulators configured with exactly what `npm run policies` prints), driven by
 * the real ali-oss client: STS uploads land only in the user's STS folder, and nothing under the upload prefix is
 * ever overwritten, whoever writes.
 */
import OSS from 'ali-oss';
import { startDevStack, type DevStack } from '../../local/dev-stack';
import { LOCAL_BUCKET, LOCAL_ROOT_KEY } from '../../local/local-account';
import { registerAnswer } from '../support/log-capture';

let stack: DevStack;
beforeAll(async () => {
  // These tests store placeholder bytes to test storage-level protections; upload-completed would remove them.
  stack = await startDevStack({ port: 0, ossPort: 0, stsPort: 0, uploadTriggers: false });
});
afterAll(() => stack.close());

async function call(name: 'sign-url' | 'sts-token', user: string, body: unknown = {}): Promise<Record<string, unknown>> {
  const tokenAnswer = (await (await fetch(`${stack.url}/api/dev-token?user=${user}`)).json()) as { token: string };
  registerAnswer(tokenAnswer);
  const response = await fetch(`${stack.url}/api/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokenAnswer.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  registerAnswer(answer);
  expect(response.status).toBe(200);
  return answer;
}

async function ossCode(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    return String((error as { code?: unknown }).code);
  }
  return 'succeeded';
}

test('the attack of issue 13: a key sign-url issued cannot be overwritten with the same user’s STS credentials', async () => {
  const signed = (await call('sign-url', 'mallory', { filename: 'cat.png', contentType: 'image/png', size: 9 })) as {
    url: string;
    headers: Record<string, string>;
    key: string;
  };
  expect((await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: Buffer.from('png bytes') })).status).toBe(200);

  const sts = new OSS((await call('sts-token', 'mallory')) as unknown as OSS.Options);
  const html = Buffer.from('<script>alert(1)</script>');
  expect(await ossCode(() => sts.put(signed.key, html, { mime: 'text/html' }))).toBe('AccessDenied');
  expect(await ossCode(() => sts.multipartUpload(signed.key, html, { mime: 'text/html' }))).toBe('AccessDenied');
  const stored = stack.oss!.getObject(signed.key);
  expect(stored?.contentType).toBe('image/png');
  expect(stored?.body.toString()).toBe('png bytes');
});

test('STS uploads land only in the STS folder the answer names, never beside sign-url’s keys', async () => {
  const answer = await call('sts-token', 'grace');
  expect(answer['prefix']).toBe('users/grace/sts/');
  const sts = new OSS(answer as unknown as OSS.Options);
  const now = new Date();
  const signUrlShaped = `users/grace/${now.getUTCFullYear()}/${String(now.getUTCMonth() + 1).padStart(2, '0')}/AAAAAAAAAAAAAAAAAAAAAA.png`;
  expect(await ossCode(() => sts.put(signUrlShaped, Buffer.from('x')))).toBe('AccessDenied');
  expect(await ossCode(() => sts.put('users/grace/anything.bin', Buffer.from('x')))).toBe('AccessDenied');
  await sts.put('users/grace/sts/2026/11/ok.png', Buffer.from('ok'));
  expect(stack.oss!.listKeys().filter((key) => key.startsWith('users/grace/'))).toEqual(['users/grace/sts/2026/11/ok.png']);
});

test('inside its own folder, STS cannot replace its objects either: the bucket refuses every overwrite', async () => {
  const sts = new OSS((await call('sts-token', 'heidi')) as unknown as OSS.Options);
  const key = 'users/heidi/sts/2026/11/once.png';
  await sts.put(key, Buffer.from('first'), { mime: 'image/png' });
  expect(await ossCode(() => sts.put(key, Buffer.from('<html>'), { mime: 'text/html' }))).toBe('FileAlreadyExists');
  expect(await ossCode(() => sts.multipartUpload(key, Buffer.alloc(300 * 1024), { partSize: 100 * 1024 }))).toBe('FileAlreadyExists');
  expect(stack.oss!.getObject(key)?.body.toString()).toBe('first');
  expect(stack.oss!.getObject(key)?.contentType).toBe('image/png');
});

test('the protection is the bucket’s, not a policy’s: even the account owner cannot overwrite under users/', async () => {
  const owner = new OSS({ ...LOCAL_ROOT_KEY, bucket: LOCAL_BUCKET, region: 'oss-cn-hangzhou', endpoint: stack.oss!.url, cname: true });
  const signed = (await call('sign-url', 'ivan', { filename: 'doc.pdf', contentType: 'application/pdf', size: 4 })) as {
    url: string;
    headers: Record<string, string>;
    key: string;
  };
  expect((await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: Buffer.from('%PDF') })).status).toBe(200);
  expect(await ossCode(() => owner.put(signed.key, Buffer.from('replaced')))).toBe('FileAlreadyExists');
  expect(stack.oss!.getObject(signed.key)?.body.toString()).toBe('%PDF');
  // Outside the upload prefix the bucket behaves as usual.
  await owner.put('site/index.html', Buffer.from('1'));
  await owner.put('site/index.html', Buffer.from('2'));
  expect(stack.oss!.getObject('site/index.html')?.body.toString()).toBe('2');
});

test('STS credentials cannot make an upload public: the upload role denies public ACLs, as it prints', async () => {
  const answer = await call('sts-token', 'oscar');
  const sts = new OSS(answer as unknown as OSS.Options);
  const key = `${String(answer['prefix'])}2026/11/public.png`;
  for (const acl of ['public-read', 'public-read-write']) {
    expect(await ossCode(() => sts.put(key, Buffer.from('png'), { headers: { 'x-oss-object-acl': acl } }))).toBe('AccessDenied');
  }
  expect(stack.oss!.getObject(key)).toBeUndefined();
  expect(await ossCode(() => sts.put(key, Buffer.from('png'), { headers: { 'x-oss-object-acl': 'private' } }))).toBe('succeeded');
});
