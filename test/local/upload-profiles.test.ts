/**
 * Upload profiles over real HTTP on the local stack (functions behind the FC adapter, OSS and STS emulators,
 * upload-completed on every object, the stack's webhook receiver): each field of a profile enforced on every path it
 * applies to, by the storage where it can be (signatures, the form policy, the session policy, the bucket's overwrite
 * rule) and by our code where it cannot (upload-completed's verdict after the object lands).
 */
import OSS from 'ali-oss';
import { SignJWT } from 'jose';
import { startDevStack, type DevStack } from '../../local/dev-stack';
import { sampleJpeg, sampleMp4, samplePdf, samplePng } from '../../local/sample-files';
import type { MultipartStarted, SignedPost, SignedPut, StsTokenAnswer } from '../../shared/contract';
import { devToken as devTokenOf } from '../support/local-stack-client';
import { registerAnswer, registerIssued } from '../support/log-capture';

const MIB = 1024 * 1024;
const PROFILES = {
  name: 'upload-profiles.json',
  document: {
    $schema: './upload-profiles.schema.json',
    avatar: {
      contentTypes: ['image/png', 'image/jpeg'],
      maxBytes: 8192,
      key: 'fixed',
      methods: ['PUT', 'POST', 'MULTIPART'],
      ttlSeconds: 120,
    },
    documents: {
      contentTypes: ['application/pdf'],
      minBytes: 200,
      maxBytes: 20_000,
      methods: ['PUT', 'POST', 'STS'],
      ttlSeconds: 60,
      maxObjectsPerUser: 5,
      maxBytesPerUser: 60_000,
    },
    videos: {
      contentTypes: ['video/mp4'],
      maxBytes: 12 * MIB,
      methods: ['MULTIPART'],
      requireClaims: { plan: ['pro', 'team'] },
      maxOpenUploadsPerUser: 1,
    },
  },
};

let stack: DevStack;
/** Every operation the OSS emulator answered, in order. */
const operations: string[] = [];
beforeAll(async () => {
  stack = await startDevStack({
    port: 0,
    ossPort: 0,
    stsPort: 0,
    profilesFile: PROFILES,
    asyncRetryDelaysMs: [50, 100],
    ossLog: (entry) => void operations.push(entry.operation ?? '-'),
  });
});
afterAll(() => stack.close());

/** A token as the app's identity provider would sign it: the stack's development secret, issuer and audience, and any claims. */
async function tokenFor(user: string, claims: Record<string, unknown> = {}): Promise<string> {
  if (stack.devTokens.kind !== 'on') throw new Error('the embedded stack signs development tokens');
  const { secret, issuer, audience } = stack.devTokens;
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(user).setIssuedAt().setExpirationTime('1h');
  if (issuer !== undefined) jwt.setIssuer(issuer);
  if (audience !== undefined) jwt.setAudience(audience);
  const token = await jwt.sign(new TextEncoder().encode(secret));
  registerIssued(token);
  return token;
}

interface Called<T> {
  status: number;
  answer: T;
  error: { code: string; message: string };
}

async function call<T = Record<string, unknown>>(
  name: 'sign-url' | 'sts-token',
  user: string,
  body: unknown,
  claims: Record<string, unknown> = {},
): Promise<Called<T>> {
  const response = await fetch(`${stack.url}/api/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await tokenFor(user, claims)}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (response.status === 204 ? {} : await response.json()) as T & { error: { code: string; message: string } };
  registerAnswer(answer);
  return { status: response.status, answer, error: answer.error };
}

async function granted<T>(name: 'sign-url' | 'sts-token', user: string, body: unknown, claims: Record<string, unknown> = {}): Promise<T> {
  const result = await call<T>(name, user, body, claims);
  if (result.status !== 200) throw new Error(`${name} answered ${result.status}: ${JSON.stringify(result.error)}`);
  return result.answer;
}

const codeOf = (xml: string): string | undefined => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];

async function put(signed: SignedPut, body: Buffer, url = signed.url): Promise<{ status: number; code: string | undefined }> {
  const response = await fetch(url, { method: 'PUT', headers: signed.headers, body: new Uint8Array(body) });
  return { status: response.status, code: codeOf(await response.text()) };
}

async function post(
  signed: SignedPost,
  body: Buffer,
  fields: Record<string, string> = {},
): Promise<{ status: number; code: string | undefined }> {
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...signed.fields, ...fields })) form.append(name, value);
  form.append('file', new Blob([new Uint8Array(body)]), 'file');
  const response = await fetch(signed.url, { method: 'POST', body: form });
  return { status: response.status, code: codeOf(await response.text()) };
}

/** MULTIPART, every part PUT, COMPLETE: the object's key. */
async function multipart(
  user: string,
  start: Record<string, unknown>,
  body: Buffer,
  claims: Record<string, unknown> = {},
): Promise<string> {
  const started = await granted<MultipartStarted>('sign-url', user, { method: 'MULTIPART', ...start, size: body.length }, claims);
  const parts = [];
  for (const part of started.parts) {
    const bytes = body.subarray((part.partNumber - 1) * started.partSize, part.partNumber * started.partSize);
    const response = await fetch(part.url, { method: 'PUT', body: new Uint8Array(bytes) });
    expect(response.status).toBe(200);
    parts.push({ partNumber: part.partNumber, etag: response.headers.get('etag') ?? '' });
  }
  await granted('sign-url', user, { method: 'COMPLETE', key: started.key, uploadId: started.uploadId, parts }, claims);
  return started.key;
}

/** upload-completed's verdict on the object now at `key` (this very version), as the app's receiver got it. */
async function verdictOf(key: string): Promise<string> {
  const etag = stack.oss!.getObject(key)?.etag.replace(/"/g, '');
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const found = stack
      .webhookReceiver!.verdicts()
      .find((entry) => entry.key === key && (etag === undefined || entry.message.data.etag === etag));
    if (found !== undefined) return found.verdict;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no verdict on ${key}`);
}

function stsClient(credentials: StsTokenAnswer): OSS {
  return new OSS(credentials);
}

async function ossCode(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    return String((error as { code?: unknown }).code);
  }
  return 'succeeded';
}

const keysUnder = (prefix: string): string[] => stack.oss!.listKeys().filter((key) => key.startsWith(prefix));

/** The operations `run` made the OSS emulator answer. */
async function operationsOf(run: () => Promise<unknown>): Promise<string[]> {
  const before = operations.length;
  await run();
  return operations.slice(before);
}

const record = (user: string): unknown => JSON.parse(stack.oss!.getObject(`users.usage/${user}/documents`)?.body.toString() ?? 'null');

/** The account owner's client (the emulator's root key), which may write anywhere, as an app's own back end may. */
function ownerClient(): OSS {
  return new OSS({
    accessKeyId: 'LTAI-local-root',
    accessKeySecret: 'local-root-secret-loopback-only',
    bucket: 'local-uploads',
    region: 'oss-cn-hangzhou',
    endpoint: stack.oss!.url,
    cname: true,
    authorizationV4: true,
  });
}

describe('a request names its profile; the answer and the key carry it', () => {
  test('unknown, missing (there is no default profile), malformed: 400 InvalidProfile naming the profiles', async () => {
    for (const body of [
      { profile: 'photos', filename: 'a.pdf', contentType: 'application/pdf', size: 300 },
      { filename: 'a.pdf', contentType: 'application/pdf', size: 300 },
      { profile: 'Documents', filename: 'a.pdf', contentType: 'application/pdf', size: 300 },
      { profile: 7, filename: 'a.pdf', contentType: 'application/pdf', size: 300 },
    ]) {
      const { status, error } = await call('sign-url', 'ivy', body);
      expect([status, error.code]).toEqual([400, 'InvalidProfile']);
      expect(error.message).toContain('avatar, documents, videos');
    }
  });

  test('keys are <user prefix><profile>/…; the answer names the profile', async () => {
    const signed = await granted<SignedPut>('sign-url', 'ivy', {
      profile: 'documents',
      filename: 'a.pdf',
      contentType: 'application/pdf',
      size: 300,
    });
    expect(signed.profile).toBe('documents');
    expect(signed.key).toMatch(/^users\/ivy\/documents\/\d{4}\/\d{2}\/[A-Za-z0-9_-]{22}\.pdf$/);
    expect(signed.headers['x-oss-forbid-overwrite']).toBe('true');
  });
});

describe('contentTypes, minBytes, maxBytes: refused before signing, and bound by the storage', () => {
  test('PUT: another type 400; under minBytes 400; over maxBytes 413; the URL takes only the declared size', async () => {
    const base = { profile: 'documents', filename: 'a.pdf', contentType: 'application/pdf' };
    expect((await call('sign-url', 'jack', { ...base, contentType: 'image/png', size: 300 })).error.code).toBe('InvalidContentType');
    const small = await call('sign-url', 'jack', { ...base, size: 199 });
    expect([small.status, small.error.code]).toEqual([400, 'InvalidSize']);
    expect(small.error.message).toBe('size 199 B is under the least of 200 B');
    const large = await call('sign-url', 'jack', { ...base, size: 20_001 });
    expect([large.status, large.error.code]).toEqual([413, 'EntityTooLarge']);
    const signed = await granted<SignedPut>('sign-url', 'jack', { ...base, size: 300 });
    expect(await put(signed, samplePdf(301))).toEqual({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(await put(signed, samplePdf(300))).toEqual({ status: 200, code: undefined });
    await expect(verdictOf(signed.key)).resolves.toBe('verified');
  });

  test('POST: the form policy holds the range [minBytes, maxBytes], enforced by OSS', async () => {
    const signed = await granted<SignedPost>('sign-url', 'jack', {
      profile: 'documents',
      method: 'POST',
      filename: 'a.pdf',
      contentType: 'application/pdf',
    });
    const policy = JSON.parse(Buffer.from(signed.fields['policy']!, 'base64').toString()) as { conditions: unknown[] };
    expect(policy.conditions).toContainEqual(['content-length-range', 200, 20_000]);
    expect(await post(signed, samplePdf(150))).toEqual({ status: 400, code: 'EntityTooSmall' });
    expect(await post(signed, samplePdf(20_001))).toEqual({ status: 400, code: 'EntityTooLarge' });
    expect(keysUnder(signed.key)).toEqual([]);
    expect((await post(signed, samplePdf(1000))).status).toBe(201);
    await expect(verdictOf(signed.key)).resolves.toBe('verified');
  });

  test('MULTIPART: over maxBytes 413, another type 400', async () => {
    const claims = { plan: 'pro' };
    const large = await call(
      'sign-url',
      'kim',
      { profile: 'videos', method: 'MULTIPART', filename: 'v.mp4', contentType: 'video/mp4', size: 12 * MIB + 1 },
      claims,
    );
    expect([large.status, large.error.code]).toEqual([413, 'EntityTooLarge']);
    const type = await call(
      'sign-url',
      'kim',
      { profile: 'videos', method: 'MULTIPART', filename: 'v.png', contentType: 'image/png', size: MIB },
      claims,
    );
    expect([type.status, type.error.code]).toEqual([400, 'InvalidContentType']);
  });

  test('STS: the credentials cannot bound type or size, so upload-completed removes what breaks them', async () => {
    const credentials = await granted<StsTokenAnswer>('sts-token', 'lena', { profile: 'documents' });
    expect(credentials).toMatchObject({
      profile: 'documents',
      prefix: 'users/lena/documents/sts/',
      maxBytes: 20_000,
      allowedContentTypes: ['application/pdf'],
    });
    const client = stsClient(credentials);
    const prefix = credentials.prefix;
    await client.put(`${prefix}good.pdf`, samplePdf(1000), { mime: 'application/pdf' });
    await client.put(`${prefix}picture.png`, samplePng(1000), { mime: 'image/png' });
    await client.put(`${prefix}tiny.pdf`, samplePdf(150), { mime: 'application/pdf' });
    await client.put(`${prefix}huge.pdf`, samplePdf(20_001), { mime: 'application/pdf' });
    await expect(verdictOf(`${prefix}good.pdf`)).resolves.toBe('verified');
    await expect(verdictOf(`${prefix}picture.png`)).resolves.toBe('rejected: TypeNotAllowed');
    await expect(verdictOf(`${prefix}tiny.pdf`)).resolves.toBe('rejected: TooSmall');
    await expect(verdictOf(`${prefix}huge.pdf`)).resolves.toBe('rejected: TooLarge');
    expect(keysUnder(prefix)).toEqual([`${prefix}good.pdf`]);
  });
});

describe('methods: a profile allows only what it lists', () => {
  test.each([
    ['avatar', 'sts-token', {}],
    ['videos', 'sign-url', { method: 'PUT', filename: 'v.mp4', contentType: 'video/mp4', size: 1000 }],
    ['videos', 'sign-url', { method: 'POST', filename: 'v.mp4', contentType: 'video/mp4' }],
    ['documents', 'sign-url', { method: 'MULTIPART', filename: 'a.pdf', contentType: 'application/pdf', size: 1000 }],
  ] as const)('%s through %s %j: 403 naming what the profile allows', async (profile, fn, body) => {
    const { status, error } = await call(fn, 'max', { ...body, profile }, { plan: 'pro' });
    expect(status).toBe(403);
    expect(error.message).toMatch(new RegExp(`^profile ${profile} does not allow \\w+; it allows `));
  });

  test('STS credentials of one profile write its sts/ folder only: not another profile, not the profile folder itself', async () => {
    const credentials = await granted<StsTokenAnswer>('sts-token', 'nina', { profile: 'documents' });
    const client = stsClient(credentials);
    expect(await ossCode(() => client.put('users/nina/avatar/current', samplePng(500)))).toBe('AccessDenied');
    expect(await ossCode(() => client.put('users/nina/documents/2026/01/x.pdf', samplePdf(500)))).toBe('AccessDenied');
    expect(await ossCode(() => client.put('users/nina/videos/sts/x.mp4', sampleMp4(500)))).toBe('AccessDenied');
    expect(await ossCode(() => client.put('users/olga/documents/sts/x.pdf', samplePdf(500)))).toBe('AccessDenied');
    expect(keysUnder('users/nina/')).toEqual([]);
  });

  test('?format=app-server&profile= for the mobile SDKs: credentials of that profile; a profile without STS answers in that shape', async () => {
    const token = await tokenFor('nina');
    const ok = await fetch(`${stack.url}/api/sts-token?format=app-server&profile=documents`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const answer = (await ok.json()) as Record<string, unknown>;
    registerAnswer(answer);
    expect(answer).toMatchObject({ StatusCode: 200, AccessKeyId: expect.stringMatching(/^STS\./) });
    const both = await fetch(`${stack.url}/api/sts-token?profile=avatar`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ profile: 'documents' }),
    });
    expect([both.status, await both.json()]).toEqual([
      400,
      { error: { code: 'InvalidProfile', message: "?profile= and the body's profile name different profiles: name one" } },
    ]);
    const refused = await fetch(`${stack.url}/api/sts-token?format=app-server&profile=avatar`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await refused.json()).toEqual({
      StatusCode: 403,
      ErrorCode: 'Forbidden',
      ErrorMessage: 'profile avatar does not allow STS; it allows PUT, POST, MULTIPART',
    });
  });
});

describe('ttlSeconds: the lifetime of what each profile signs', () => {
  test('documents 60 s, avatar 120 s (PUT URL and POST policy alike)', async () => {
    const lifetime = (expiresAt: string): number => (Date.parse(expiresAt) - Date.now()) / 1000;
    const documents = await granted<SignedPut>('sign-url', 'otto', {
      profile: 'documents',
      filename: 'a.pdf',
      contentType: 'application/pdf',
      size: 300,
    });
    expect(lifetime(documents.expiresAt)).toBeGreaterThan(55);
    expect(lifetime(documents.expiresAt)).toBeLessThanOrEqual(60);
    expect(new URL(documents.url).searchParams.get('x-oss-expires')).toBe('60');
    const avatar = await granted<SignedPost>('sign-url', 'otto', {
      profile: 'avatar',
      method: 'POST',
      filename: 'a.png',
      contentType: 'image/png',
    });
    expect(lifetime(avatar.expiresAt)).toBeGreaterThan(115);
    expect(lifetime(avatar.expiresAt)).toBeLessThanOrEqual(120);
  });
});

describe('requireClaims: a token without the claim, or with a value not allowed, is 403 naming the claim', () => {
  const start = { profile: 'videos', method: 'MULTIPART', filename: 'v.mp4', contentType: 'video/mp4', size: 1000 };
  test.each([
    ['no claim', {}],
    ['another value', { plan: 'free' }],
    ['a list without an allowed value', { plan: ['free', 'beta'] }],
    ['the value in another type', { plan: 1 }],
  ])('%s', async (_name, claims) => {
    const { status, error } = await call('sign-url', 'pia', start, claims);
    expect([status, error.code, error.message]).toEqual([
      403,
      'Forbidden',
      'profile videos requires the token claim "plan", with an allowed value',
    ]);
  });

  test('an allowed value, or a list holding one, is granted; every later step asks again', async () => {
    const video = sampleMp4(6 * MIB);
    const key = await multipart('pia', { profile: 'videos', filename: 'v.mp4', contentType: 'video/mp4' }, video, {
      plan: ['beta', 'team'],
    });
    expect(key).toMatch(/^users\/pia\/videos\/\d{4}\/\d{2}\/[A-Za-z0-9_-]{22}\.mp4$/);
    await expect(verdictOf(key)).resolves.toBe('verified');
    const started = await granted<MultipartStarted>('sign-url', 'pia', { ...start, size: MIB }, { plan: 'pro' });
    const parts = await call(
      'sign-url',
      'pia',
      { method: 'PARTS', key: started.key, uploadId: started.uploadId, partNumbers: [1] },
      { plan: 'free' },
    );
    expect([parts.status, parts.error.message]).toEqual([403, 'profile videos requires the token claim "plan", with an allowed value']);
    // Aborting asks nothing: a user who lost the claim can still clean up.
    expect((await call('sign-url', 'pia', { method: 'ABORT', key: started.key, uploadId: started.uploadId })).status).toBe(204);
  });
});

describe('maxOpenUploadsPerUser: the profile bounds unfinished multipart uploads in its own folder', () => {
  test('a second unfinished upload of videos is 409 QuotaExceeded; done with the first, a new one starts', async () => {
    const claims = { plan: 'pro' };
    const body = { profile: 'videos', method: 'MULTIPART', filename: 'v.mp4', contentType: 'video/mp4', size: MIB };
    const first = await granted<MultipartStarted>('sign-url', 'quinn', body, claims);
    const second = await call('sign-url', 'quinn', body, claims);
    expect([second.status, second.error.code]).toEqual([409, 'QuotaExceeded']);
    expect(second.error.message).toContain('in profile videos');
    expect((await call('sign-url', 'quinn', { method: 'ABORT', key: first.key, uploadId: first.uploadId }, claims)).status).toBe(204);
    await granted('sign-url', 'quinn', body, claims);
  });
});

describe('key fixed: one key per user, which a new upload replaces, and nothing else', () => {
  test('PUT, POST and MULTIPART all write users/<user>/avatar/current, each replacing the last', async () => {
    const first = await granted<SignedPut>('sign-url', 'rosa', {
      profile: 'avatar',
      filename: 'me.png',
      contentType: 'image/png',
      size: 1000,
    });
    expect(first.key).toBe('users/rosa/avatar/current');
    expect(first.headers['x-oss-forbid-overwrite']).toBe('false');
    const png = samplePng(1000);
    expect((await put(first, png)).status).toBe(200);
    await expect(verdictOf(first.key)).resolves.toBe('verified');

    const second = await granted<SignedPost>('sign-url', 'rosa', {
      profile: 'avatar',
      method: 'POST',
      filename: 'me.jpg',
      contentType: 'image/jpeg',
    });
    expect(second.key).toBe(first.key);
    expect(second.fields['x-oss-forbid-overwrite']).toBe('false');
    const jpeg = sampleJpeg(2000);
    expect((await post(second, jpeg)).status).toBe(201);
    expect(stack.oss!.getObject(first.key)).toMatchObject({ body: jpeg, contentType: 'image/jpeg' });
    await expect(verdictOf(first.key)).resolves.toBe('verified');

    const third = samplePng(3000);
    expect(await multipart('rosa', { profile: 'avatar', filename: 'me.png', contentType: 'image/png' }, third)).toBe(first.key);
    expect(stack.oss!.getObject(first.key)?.body.equals(third)).toBe(true);
    expect(keysUnder('users/rosa/')).toEqual([first.key]);
  });

  test("its URL and form write that key only: not another key of the folder, not another user's avatar", async () => {
    const signed = await granted<SignedPut>('sign-url', 'sam', {
      profile: 'avatar',
      filename: 'me.png',
      contentType: 'image/png',
      size: 500,
    });
    const other = signed.url.replace('/users/sam/avatar/current', '/users/sam/avatar/other');
    const victim = signed.url.replace('/users/sam/avatar/current', '/users/tess/avatar/current');
    expect(other).not.toBe(signed.url);
    expect(await put(signed, samplePng(500), other)).toEqual({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(await put(signed, samplePng(500), victim)).toEqual({ status: 403, code: 'SignatureDoesNotMatch' });
    const form = await granted<SignedPost>('sign-url', 'sam', {
      profile: 'avatar',
      method: 'POST',
      filename: 'me.png',
      contentType: 'image/png',
    });
    expect((await post(form, samplePng(500), { key: 'users/tess/avatar/current' })).status).toBe(403);
    expect(keysUnder('users/tess/')).toEqual([]);
    expect(keysUnder('users/sam/')).toEqual([]);
  });

  test('an object another key of the folder gets some other way is KeyNotGranted; the bucket rule still stops STS overwrites', async () => {
    // The account owner may write anywhere: upload-completed judges it all the same.
    const owner = ownerClient();
    await owner.put('users/uma/avatar/second.png', samplePng(500), { mime: 'image/png' });
    await expect(verdictOf('users/uma/avatar/second.png')).resolves.toBe('rejected: KeyNotGranted');
    await owner.put('users/uma/photos/x.png', samplePng(500), { mime: 'image/png' });
    await expect(verdictOf('users/uma/photos/x.png')).resolves.toBe('rejected: UnknownProfile');

    const credentials = await granted<StsTokenAnswer>('sts-token', 'uma', { profile: 'documents' });
    const client = stsClient(credentials);
    await client.put(`${credentials.prefix}doc.pdf`, samplePdf(500), { mime: 'application/pdf' });
    expect(await ossCode(() => client.put(`${credentials.prefix}doc.pdf`, samplePdf(600), { mime: 'application/pdf' }))).toBe(
      'FileAlreadyExists',
    );
  });
});

describe('quotas, counted at OSS at grant and again once an object has landed', () => {
  const pdf = { profile: 'documents', filename: 'a.pdf', contentType: 'application/pdf' };

  test('maxObjectsPerUser: at 5 objects the 6th grant is 409 QuotaExceeded, in words; STS credentials too', async () => {
    for (let i = 0; i < 5; i += 1) {
      const signed = await granted<SignedPut>('sign-url', 'vera', { ...pdf, size: 300 });
      expect((await put(signed, samplePdf(300))).status).toBe(200);
      await expect(verdictOf(signed.key)).resolves.toBe('verified');
    }
    const refused = await call('sign-url', 'vera', { ...pdf, size: 300 });
    expect([refused.status, refused.error]).toEqual([
      409,
      {
        code: 'QuotaExceeded',
        message: 'profile documents keeps at most 5 objects per user and you have 5: delete one before uploading another',
      },
    ]);
    expect((await call('sign-url', 'vera', { ...pdf, method: 'POST' })).error.code).toBe('QuotaExceeded');
    expect((await call('sts-token', 'vera', { profile: 'documents' })).error.code).toBe('QuotaExceeded');
    // Another user, and another profile of the same user, are counted apart.
    expect((await call('sign-url', 'walt', { ...pdf, size: 300 })).status).toBe(200);
    expect((await call('sign-url', 'vera', { profile: 'avatar', filename: 'a.png', contentType: 'image/png', size: 300 })).status).toBe(
      200,
    );
  });

  test('maxBytesPerUser: a grant past it is refused in human units; a POST form ends where the quota does (OSS enforces it)', async () => {
    for (let i = 0; i < 3; i += 1) {
      const signed = await granted<SignedPut>('sign-url', 'xena', { ...pdf, size: 19_000 });
      expect((await put(signed, samplePdf(19_000))).status).toBe(200);
      await expect(verdictOf(signed.key)).resolves.toBe('verified');
    }
    const refused = await call('sign-url', 'xena', { ...pdf, size: 4000 });
    expect([refused.status, refused.error]).toEqual([
      409,
      {
        code: 'QuotaExceeded',
        message: 'profile documents keeps at most 58.6 KiB per user and you have 55.7 KiB: a file of 3.91 KiB would take you to 59.6 KiB',
      },
    ]);
    const form = await granted<SignedPost>('sign-url', 'xena', { ...pdf, method: 'POST' });
    expect(form.maxBytes).toBe(3000);
    const policy = JSON.parse(Buffer.from(form.fields['policy']!, 'base64').toString()) as { conditions: unknown[] };
    expect(policy.conditions).toContainEqual(['content-length-range', 200, 3000]);
    expect(await post(form, samplePdf(3001))).toEqual({ status: 400, code: 'EntityTooLarge' });
    expect((await post(form, samplePdf(3000))).status).toBe(201);
    await expect(verdictOf(form.key)).resolves.toBe('verified');
  });

  test('20 parallel grants against a quota of 5: every grant passes, at most 5 objects are kept, and the app is told of each', async () => {
    const grants = await Promise.all(Array.from({ length: 20 }, () => granted<SignedPut>('sign-url', 'yuri', { ...pdf, size: 500 })));
    expect(new Set(grants.map((grant) => grant.key)).size).toBe(20);
    const uploads = await Promise.all(grants.map((grant) => put(grant, samplePdf(500))));
    expect(uploads.every((upload) => upload.status === 200)).toBe(true);
    const verdicts = await Promise.all(grants.map((grant) => verdictOf(grant.key)));
    const kept = keysUnder('users/yuri/documents/');
    expect(kept.length).toBeLessThanOrEqual(5);
    // What the app was told matches what is kept: each verified object is there, each rejected one (QuotaExceeded) gone.
    const verified = grants.filter((_grant, index) => verdicts[index] === 'verified').map((grant) => grant.key);
    expect(kept.sort()).toEqual(verified.sort());
    expect(verdicts.filter((verdict) => verdict !== 'verified').every((verdict) => verdict === 'rejected: QuotaExceeded')).toBe(true);
    expect(verdicts.filter((verdict) => verdict === 'rejected: QuotaExceeded').length).toBeGreaterThanOrEqual(15);
  });

  test('the usage record: written by upload-completed with what it counted, read by grants instead of a listing', async () => {
    const signed = await granted<SignedPut>('sign-url', 'zane', { ...pdf, size: 400 });
    expect((await put(signed, samplePdf(400))).status).toBe(200);
    await expect(verdictOf(signed.key)).resolves.toBe('verified');
    expect(record('zane')).toEqual({ objects: 1, bytes: 400, countedAt: expect.any(String) });
    // With a record saying there is room, a grant reads it and lists nothing.
    const grant = await operationsOf(() => granted('sign-url', 'zane', { ...pdf, size: 400 }));
    expect(grant).toEqual(['GetObject']);
    // The app deletes objects without telling anyone: a record saying there is no room is checked by a listing.
    await ownerClient().put('users.usage/zane/documents', Buffer.from(JSON.stringify({ objects: 5, bytes: 2000 })));
    const confirmed = await operationsOf(() => granted('sign-url', 'zane', { ...pdf, size: 400 }));
    expect(confirmed).toEqual(['GetObject', 'ListObjects']);
    // A record saying there is room when there is none (what landed since it was written) lets the grant through;
    // upload-completed counts after landing, removes what is over, and writes the record anew.
    for (let i = 0; i < 4; i += 1)
      stack.oss!.seedObject({ key: `users/zane/documents/2026/01/seeded${i}.pdf`, body: samplePdf(400), contentType: 'application/pdf' });
    await ownerClient().put('users.usage/zane/documents', Buffer.from(JSON.stringify({ objects: 1, bytes: 400 })));
    const late = await granted<SignedPut>('sign-url', 'zane', { ...pdf, size: 400 });
    expect((await put(late, samplePdf(400))).status).toBe(200);
    await expect(verdictOf(late.key)).resolves.toBe('rejected: QuotaExceeded');
    expect(keysUnder('users/zane/documents/')).toHaveLength(5);
    expect(record('zane')).toMatchObject({ objects: 6 });
    expect((await call('sign-url', 'zane', { ...pdf, size: 400 })).error.code).toBe('QuotaExceeded');
  });
});

describe('without a profiles file, everything is as it was', () => {
  let plain: DevStack;
  const plainOperations: string[] = [];
  beforeAll(async () => {
    plain = await startDevStack({
      port: 0,
      ossPort: 0,
      stsPort: 0,
      profilesFile: null,
      env: { MAX_UPLOAD_BYTES: '50000' },
      ossLog: (entry) => void plainOperations.push(entry.operation ?? '-'),
    });
  });
  afterAll(() => plain.close());

  async function plainCall<T>(name: 'sign-url' | 'sts-token', body: unknown): Promise<T> {
    if (plain.devTokens.kind !== 'on') throw new Error('the embedded stack signs development tokens');
    const response = await fetch(`${plain.url}/api/${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await devTokenOf(plain, 'abel')}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as T;
    registerAnswer(answer);
    expect(response.status).toBe(200);
    return answer;
  }

  test("one profile, default: today's keys, headers, form range, STS folder and rules; no OSS call at grant", async () => {
    const before = plainOperations.length;
    const put = await plainCall<SignedPut>('sign-url', { filename: 'a.png', contentType: 'image/png', size: 300 });
    expect(put).toMatchObject({ profile: 'default', headers: { 'x-oss-forbid-overwrite': 'true' } });
    expect(put.key).toMatch(/^users\/abel\/\d{4}\/\d{2}\/[A-Za-z0-9_-]{22}\.png$/);
    const form = await plainCall<SignedPost>('sign-url', { method: 'POST', filename: 'a.png', contentType: 'image/png' });
    const policy = JSON.parse(Buffer.from(form.fields['policy']!, 'base64').toString()) as { conditions: unknown[] };
    expect(policy.conditions).toContainEqual(['content-length-range', 1, 50000]);
    expect(form.maxBytes).toBe(50000);
    const sts = await plainCall<StsTokenAnswer>('sts-token', {});
    expect(sts).toMatchObject({ profile: 'default', prefix: 'users/abel/sts/', maxBytes: 50000 });
    expect(plainOperations.slice(before)).toEqual([]);
    // A profile name means nothing more than the one profile there is.
    const response = await fetch(`${plain.url}/api/sign-url`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await devTokenOf(plain, 'abel')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ profile: 'avatar', filename: 'a.png', contentType: 'image/png', size: 300 }),
    });
    expect([response.status, ((await response.json()) as { error: { code: string } }).error.code]).toEqual([400, 'InvalidProfile']);
    // Any key of the prefix is judged by the variables' rules, as before: upload-completed knows no folders.
    expect((await fetch(put.url, { method: 'PUT', headers: put.headers, body: new Uint8Array(samplePng(300)) })).status).toBe(200);
    for (let attempt = 0; attempt < 200 && plain.webhookReceiver!.verdicts().every((entry) => entry.key !== put.key); attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(plain.webhookReceiver!.verdicts().find((entry) => entry.key === put.key)).toMatchObject({
      verdict: 'verified',
      message: { data: { profile: 'default' } },
    });
    expect(plain.oss!.listKeys().filter((key) => key.includes('.usage/'))).toEqual([]);
  });
});
