/**
 * The whole flow over real HTTP, as users run it: the dev stack (functions behind the FC adapter, OSS and STS
 * emulators) and the official clients: ali-oss with credentials from sts-token, fetch with signed URLs and forms.
 */
import OSS from 'ali-oss';
import { randomBytes } from 'node:crypto';
import { startDevStack, type DevStack } from '../../local/dev-stack';
import { registerAnswer } from '../support/log-capture';

const MAX_UPLOAD_BYTES = 400_000;
let stack: DevStack;
let clockOffsetMs = 0;
beforeAll(async () => {
  stack = await startDevStack({
    port: 0,
    ossPort: 0,
    stsPort: 0,
    env: { MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) },
    // Random bytes test the transport; upload-completed would remove them (its own tests: test/functions/upload-completed).
    uploadTriggers: false,
    emulatorClock: () => new Date(Date.now() + clockOffsetMs),
  });
});
afterEach(() => {
  clockOffsetMs = 0;
});
afterAll(() => stack.close());

async function tokenFor(user: string): Promise<string> {
  const response = await fetch(`${stack.url}/api/dev-token?user=${user}`);
  expect(response.status).toBe(200);
  const answer = (await response.json()) as { token: string };
  registerAnswer(answer);
  return answer.token;
}

async function callFunction(name: 'sign-url' | 'sts-token', user: string, body: unknown = {}): Promise<Record<string, unknown>> {
  const response = await fetch(`${stack.url}/api/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await tokenFor(user)}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  registerAnswer(answer);
  if (response.status !== 200) throw new Error(`${name} answered ${response.status}: ${JSON.stringify(answer)}`);
  return answer;
}

async function clientFor(user: string): Promise<{ client: OSS; prefix: string }> {
  const answer = await callFunction('sts-token', user);
  return { client: new OSS(answer as unknown as OSS.Options), prefix: String(answer['prefix']) };
}

async function ossCode(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    return String((error as { code?: unknown }).code);
  }
  return 'succeeded';
}

describe('ali-oss with credentials from sts-token', () => {
  test('put and a 3-part multipart upload inside the prefix read back byte-identical', async () => {
    const { client, prefix } = await clientFor('alice');
    const small = randomBytes(1000);
    await client.put(`${prefix}small.bin`, small);
    const big = randomBytes(350 * 1024);
    let progressCalls = 0;
    await client.multipartUpload(`${prefix}big.bin`, big, { partSize: 100 * 1024, progress: async () => void (progressCalls += 1) });
    expect(progressCalls).toBeGreaterThanOrEqual(3);
    expect(stack.oss!.getObject(`${prefix}small.bin`)?.body.equals(small)).toBe(true);
    expect(stack.oss!.getObject(`${prefix}big.bin`)?.body.equals(big)).toBe(true);
  });

  test("outside the prefix, another user's objects and the bucket listing are AccessDenied", async () => {
    const bob = await clientFor('bob');
    await bob.client.put(`${bob.prefix}private.bin`, Buffer.from('bob'));
    const { client, prefix } = await clientFor('mallory');
    expect(prefix).toBe('users/mallory/sts/');
    expect(await ossCode(() => client.put('users/bob/planted.bin', Buffer.from('x')))).toBe('AccessDenied');
    expect(await ossCode(() => client.put('elsewhere.bin', Buffer.from('x')))).toBe('AccessDenied');
    expect(await ossCode(() => client.get(`${bob.prefix}private.bin`))).toBe('AccessDenied');
    expect(await ossCode(() => client.delete(`${bob.prefix}private.bin`))).toBe('AccessDenied');
    expect(await ossCode(() => client.list({ 'max-keys': 10 }, {}))).toBe('AccessDenied');
    expect(await ossCode(() => client.get(`${prefix}anything.bin`))).toBe('AccessDenied');
    expect(stack.oss!.getObject(`${bob.prefix}private.bin`)?.body.toString()).toBe('bob');
  });

  test('after the credentials expire, refused', async () => {
    const { client, prefix } = await clientFor('frank');
    await client.put(`${prefix}before.bin`, Buffer.from('ok'));
    clockOffsetMs = 901_000;
    // Keep the client's clock with the server's (as ali-oss's browser build does itself) so only expiry is tested.
    (client as unknown as { options: { amendTimeSkewed: number } }).options.amendTimeSkewed = clockOffsetMs;
    expect(await ossCode(() => client.put(`${prefix}after.bin`, Buffer.from('late')))).toBe('SecurityTokenExpired');
    expect(stack.oss!.getObject(`${prefix}after.bin`)).toBeUndefined();
  });
});

describe('signed PUT URL with fetch', () => {
  test('succeeds; another Content-Type is SignatureDoesNotMatch; a second PUT is FileAlreadyExists', async () => {
    const signed = (await callFunction('sign-url', 'carol', { filename: 'photo.png', contentType: 'image/png', size: 2048 })) as {
      url: string;
      headers: Record<string, string>;
      key: string;
    };
    const body = randomBytes(2048);
    const wrongType = await fetch(signed.url, { method: 'PUT', headers: { ...signed.headers, 'Content-Type': 'text/html' }, body });
    expect(wrongType.status).toBe(403);
    expect(await wrongType.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    const ok = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body });
    expect(ok.status).toBe(200);
    expect(stack.oss!.getObject(signed.key)?.body.equals(body)).toBe(true);
    expect(stack.oss!.getObject(signed.key)?.contentType).toBe('image/png');
    const again = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: randomBytes(2048) });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('<Code>FileAlreadyExists</Code>');
    expect(stack.oss!.getObject(signed.key)?.body.equals(body)).toBe(true);
  });

  test('the URL takes exactly the declared size, stored as an attachment: more bytes or another disposition are refused', async () => {
    const signed = (await callFunction('sign-url', 'carol', { filename: 'x.html', contentType: 'image/png', size: 10 })) as {
      url: string;
      headers: Record<string, string>;
      key: string;
    };
    expect(signed.key).toMatch(/\.png$/);
    const refused = async (init: RequestInit): Promise<string | undefined> => {
      const response = await fetch(signed.url, { method: 'PUT', ...init });
      return `${response.status} ${/<Code>(\w+)<\/Code>/.exec(await response.text())?.[1]}`;
    };
    expect(await refused({ headers: signed.headers, body: randomBytes(5 * 1024 * 1024) })).toBe('403 SignatureDoesNotMatch');
    expect(await refused({ headers: signed.headers, body: randomBytes(9) })).toBe('403 SignatureDoesNotMatch');
    expect(await refused({ headers: { ...signed.headers, 'Content-Disposition': 'inline' }, body: randomBytes(10) })).toBe(
      '403 SignatureDoesNotMatch',
    );
    const { 'Content-Disposition': _dropped, ...withoutDisposition } = signed.headers;
    expect(await refused({ headers: withoutDisposition, body: randomBytes(10) })).toBe('403 SignatureDoesNotMatch');
    expect(stack.oss!.getObject(signed.key)).toBeUndefined();

    const body = randomBytes(10);
    expect((await fetch(signed.url, { method: 'PUT', headers: signed.headers, body })).status).toBe(200);
    expect(stack.oss!.getObject(signed.key)).toMatchObject({
      body,
      contentType: 'image/png',
      headers: { 'content-disposition': 'attachment' },
    });
  });

  test('an expired URL is refused', async () => {
    const signed = (await callFunction('sign-url', 'carol', { filename: 'late.png', contentType: 'image/png', size: 4 })) as {
      url: string;
      headers: Record<string, string>;
      key: string;
    };
    clockOffsetMs = 301_000;
    const response = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: Buffer.from('late') });
    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(/<Code>AccessDenied<\/Code>[\s\S]*expired/i);
    expect(stack.oss!.getObject(signed.key)).toBeUndefined();
  });
});

describe('POST form with FormData', () => {
  async function form(
    user: string,
    contentType = 'image/png',
  ): Promise<{ url: string; fields: Record<string, string>; key: string; maxBytes: number }> {
    return (await callFunction('sign-url', user, { filename: 'scan.png', contentType, method: 'POST' })) as {
      url: string;
      fields: Record<string, string>;
      key: string;
      maxBytes: number;
    };
  }
  function formData(fields: Record<string, string>, file: Buffer, type = 'image/png'): FormData {
    const data = new FormData();
    for (const [name, value] of Object.entries(fields)) data.append(name, value);
    data.append('file', new Blob([new Uint8Array(file)], { type }), 'scan.png');
    return data;
  }

  test('succeeds with 201 and the object lands under the key', async () => {
    const signed = await form('dave');
    const body = randomBytes(4096);
    const response = await fetch(signed.url, { method: 'POST', body: formData(signed.fields, body) });
    expect(response.status).toBe(201);
    expect(stack.oss!.getObject(signed.key)?.body.equals(body)).toBe(true);
  });

  test('a file over MAX_UPLOAD_BYTES is EntityTooLarge', async () => {
    const signed = await form('dave');
    expect(signed.maxBytes).toBe(MAX_UPLOAD_BYTES);
    const response = await fetch(signed.url, { method: 'POST', body: formData(signed.fields, randomBytes(MAX_UPLOAD_BYTES + 1)) });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('<Code>EntityTooLarge</Code>');
    expect(stack.oss!.getObject(signed.key)).toBeUndefined();
  });

  test('fields OSS would act on are pinned: a public ACL, an archive class, an inline disposition are refused', async () => {
    const signed = await form('erin');
    expect(signed.fields).toMatchObject({
      'Content-Disposition': 'attachment',
      'x-oss-object-acl': 'private',
      'x-oss-storage-class': 'Standard',
    });
    for (const changed of [
      { 'x-oss-object-acl': 'public-read' },
      { 'x-oss-storage-class': 'DeepColdArchive' },
      { 'Content-Disposition': 'inline' },
    ]) {
      const response = await fetch(signed.url, { method: 'POST', body: formData({ ...signed.fields, ...changed }, Buffer.from('x')) });
      expect([changed, response.status, /<Code>(\w+)<\/Code>/.exec(await response.text())?.[1]]).toEqual([changed, 403, 'AccessDenied']);
    }
    expect(stack.oss!.getObject(signed.key)).toBeUndefined();
    const ok = await fetch(signed.url, { method: 'POST', body: formData(signed.fields, Buffer.from('x')) });
    expect(ok.status).toBe(201);
    expect(stack.oss!.getObject(signed.key)?.headers).toMatchObject({ 'content-disposition': 'attachment' });
  });

  test('a changed key or Content-Type field is refused', async () => {
    const signed = await form('erin');
    const otherKey = await fetch(signed.url, {
      method: 'POST',
      body: formData({ ...signed.fields, key: 'users/someone-else/x.png' }, Buffer.from('x')),
    });
    expect(otherKey.status).toBe(403);
    const otherType = await fetch(signed.url, {
      method: 'POST',
      body: formData({ ...signed.fields, 'Content-Type': 'text/html' }, Buffer.from('x')),
    });
    expect(otherType.status).toBe(403);
    expect(stack.oss!.listKeys().some((key) => key.startsWith('users/someone-else/'))).toBe(false);
  });
});

describe('the dev server', () => {
  test('healthz, and dev tokens only for sane names', async () => {
    expect(await (await fetch(`${stack.url}/healthz`)).json()).toEqual({ status: 'ok', mode: 'embedded' });
    expect((await fetch(`${stack.url}/api/dev-token?user=${encodeURIComponent('a/b')}`)).status).toBe(400);
  });
});

describe('the dev server with real configuration', () => {
  test('starts no emulator, signs for the real bucket with the given keys, and refuses development tokens', async () => {
    const cloud = await startDevStack({
      port: 0,
      env: {
        OSS_BUCKET: 'real-bucket',
        OSS_REGION: 'cn-shanghai',
        AUTH_JWT_SECRET: 'a-real-deployment-secret-of-enough-length',
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI-deployer',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'deployer-secret-value',
        STS_ROLE_ARN: 'acs:ram::1234567890123456:role/oss-upload',
      },
    });
    try {
      expect([cloud.mode, cloud.oss, cloud.sts]).toEqual(['cloud', undefined, undefined]);
      expect((await fetch(`${cloud.url}/api/dev-token?user=alice`)).status).toBe(403);
      const { SignJWT } = await import('jose');
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('alice')
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode('a-real-deployment-secret-of-enough-length'));
      const response = await fetch(`${cloud.url}/api/sign-url`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ filename: 'a.png', contentType: 'image/png', size: 1 }),
      });
      const answer = (await response.json()) as { url: string };
      registerAnswer(answer);
      expect(response.status).toBe(200);
      const url = new URL(answer.url);
      expect(url.origin).toBe('https://real-bucket.oss-cn-shanghai.aliyuncs.com');
      expect(url.searchParams.get('x-oss-credential')).toMatch(/^LTAI-deployer\/\d{8}\/cn-shanghai\/oss\/aliyun_v4_request$/);
    } finally {
      await cloud.close();
    }
  });
});
