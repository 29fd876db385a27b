/**
 * sign-url's multipart methods through the FC edge, against the OSS emulator over HTTP with the function role's
 * own key, allowed exactly what the manifest grants: answers recomputed from the specification, the whole flow,
 * the size limit enforced at COMPLETE, and hostile input with its exact status and code.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { signUrlManifest } from '../../../functions/sign-url/manifest';
import { signUrlFunction } from '../../../functions/sign-url/sign-upload';
import { staticAccounts } from '../../../local/emulator-accounts';
import { startOssEmulator, type RunningOssEmulator } from '../../../local/oss-emulator';
import { createFcHandler, type FcHandler } from '../../../shared/edge/handler';
import { copyBuiltFunction } from '../../support/built-function';
import { baseEnv, configFrom } from '../../support/env';
import { fcContext, fcEvent, jsonOf, type FcResponse } from '../../support/fc-event';
import { registerAnswer } from '../../support/log-capture';
import { rfc3986, v1Signature, v4CanonicalRequest, v4Signature } from '../../support/oss-spec';
import { roleResolver } from '../../support/role-credentials';
import { hsToken, rsaKeys, rsToken } from '../../support/tokens';
import { handleFor, ossUploadIdOf } from '../../support/upload-handle';
import { deploymentConfig, functionRolePolicy } from '../../../deploy/policies';

const MIB = 1024 * 1024;
const MAX_UPLOAD_BYTES = 20 * MIB;
const BUCKET = 'uploads-bucket';
const role = {
  accessKeyId: 'STS.fc-sign-url-key',
  accessKeySecret: 'fc-sign-url-role-secret',
  securityToken: 'fc-sign-url-role-token-value',
};
const root = { accessKeyId: 'LTAI-test-root', accessKeySecret: 'test-root-secret-value' };
const context = fcContext(role);

let oss: RunningOssEmulator;
let env: Record<string, string | undefined>;
let handler: FcHandler;

beforeAll(async () => {
  env = baseEnv({
    MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
    STS_ROLE_ARN: 'acs:ram::1234567890123456:role/oss-upload',
    // Tests leave uploads unfinished; the default bound has tests of its own.
    MAX_OPEN_UPLOADS_PER_USER: '100',
  });
  const rolePolicy = functionRolePolicy(signUrlManifest, configFrom(deploymentConfig, env), { uploadRoleArn: '', functionRoleArns: {} });
  oss = await startOssEmulator({
    bucket: BUCKET,
    region: 'cn-hangzhou',
    credentials: roleResolver(role, rolePolicy, staticAccounts([root])),
  });
  env = { ...env, OSS_ENDPOINT: oss.url };
  handler = createFcHandler(signUrlFunction, { env });
});
afterAll(() => oss.close());

async function call(body: unknown, user = 'alice', withHandler: FcHandler = handler): Promise<FcResponse> {
  const token = await hsToken({ sub: user });
  return await withHandler(
    fcEvent({ headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body as object }),
    context,
  );
}

async function ok<T>(body: unknown, user = 'alice'): Promise<T> {
  const response = await call(body, user);
  if (response.statusCode !== 200) throw new Error(`answered ${response.statusCode}: ${response.body}`);
  expect(response.headers['Cache-Control']).toBe('no-store');
  const answer = jsonOf(response) as unknown as T;
  for (const part of (answer as { parts?: unknown[] }).parts ?? []) registerAnswer(part);
  return answer;
}

const codeOf = (response: FcResponse): string => (jsonOf(response) as { error: { code: string } }).error.code;

interface Started {
  method: string;
  bucket: string;
  key: string;
  uploadId: string;
  partSize: number;
  partCount: number;
  parts: Array<{ partNumber: number; url: string }>;
  expiresAt: string;
}

const start = (size: number, user = 'alice', filename = 'movie.png'): Promise<Started> =>
  ok<Started>({ method: 'MULTIPART', filename, contentType: 'image/png', size }, user);

async function putPart(url: string, body: Buffer): Promise<string> {
  const response = await fetch(url, { method: 'PUT', body: new Uint8Array(body) });
  if (response.status !== 200) throw new Error(`part PUT answered ${response.status}: ${await response.text()}`);
  return response.headers.get('etag')!;
}

describe('MULTIPART', () => {
  test('starts the upload at OSS under a key of the caller and answers V4 part URLs recomputed from the spec, each bound to its length', async () => {
    const size = 12 * MIB + 7;
    const started = await start(size);
    expect(started).toEqual({
      method: 'MULTIPART',
      bucket: BUCKET,
      profile: 'default',
      key: expect.stringMatching(/^users\/alice\/\d{4}\/\d{2}\/[A-Za-z0-9_-]{22}\.png$/),
      uploadId: expect.stringMatching(/^[0-9A-F]{32}\.12582919\.5242880\.[A-Za-z0-9_-]{22}$/),
      partSize: 5 * MIB,
      partCount: 3,
      parts: [1, 2, 3].map((partNumber) => ({ partNumber, url: expect.any(String) })),
      expiresAt: expect.any(String),
    });
    // The handle: OSS's upload id and the declared plan, under the function's MAC (recomputed from its definition).
    const ossUploadId = ossUploadIdOf(started.uploadId);
    expect(started.uploadId).toBe(handleFor({ key: started.key, ossUploadId, size, partSize: 5 * MIB }));
    expect(oss.listUploads()).toContainEqual({ uploadId: ossUploadId, key: started.key, partNumbers: [] });
    const lengths = [5 * MIB, 5 * MIB, 2 * MIB + 7];
    for (const { partNumber, url } of started.parts) {
      const parsed = new URL(url);
      expect(`${parsed.origin}${parsed.pathname}`).toBe(`${oss.url}/${started.key.split('/').map(rfc3986).join('/')}`);
      const { 'x-oss-signature': signature, ...query } = Object.fromEntries(parsed.searchParams);
      expect(query).toEqual({
        partNumber: String(partNumber),
        uploadId: ossUploadId,
        'x-oss-additional-headers': 'content-length',
        'x-oss-credential': expect.stringMatching(/^STS\.fc-sign-url-key\/\d{8}\/cn-hangzhou\/oss\/aliyun_v4_request$/),
        'x-oss-date': expect.stringMatching(/^\d{8}T\d{6}Z$/),
        'x-oss-expires': '300',
        'x-oss-signature-version': 'OSS4-HMAC-SHA256',
        'x-oss-security-token': role.securityToken,
      });
      const canonical = v4CanonicalRequest({
        method: 'PUT',
        bucket: BUCKET,
        key: started.key,
        query,
        headers: { 'content-length': String(lengths[partNumber - 1]) },
        additionalHeaders: ['content-length'],
      });
      expect(signature).toBe(v4Signature(role.accessKeySecret, 'cn-hangzhou', query['x-oss-date']!, canonical));
    }
    const lifetime = Date.parse(started.expiresAt) - Date.now();
    expect(lifetime).toBeGreaterThan(290_000);
    expect(lifetime).toBeLessThanOrEqual(300_000);
  });

  test('SIGNATURE_VERSION=v1: part URLs whose canonical resource carries partNumber, uploadId and the token', async () => {
    const v1 = createFcHandler(signUrlFunction, { env: { ...env, SIGNATURE_VERSION: 'v1' } });
    const response = await call({ method: 'MULTIPART', filename: 'a.pdf', contentType: 'application/pdf', size: 6 * MIB }, 'alice', v1);
    const started = jsonOf(response) as unknown as Started;
    expect(started.partCount).toBe(2);
    for (const { partNumber, url } of started.parts) {
      const query = Object.fromEntries(new URL(url).searchParams);
      registerAnswer({ url });
      expect(Object.keys(query).sort()).toEqual(['Expires', 'OSSAccessKeyId', 'Signature', 'partNumber', 'security-token', 'uploadId']);
      const stringToSign = `PUT\n\n\n${query['Expires']}\n/${BUCKET}/${started.key}?partNumber=${partNumber}&security-token=${role.securityToken}&uploadId=${ossUploadIdOf(started.uploadId)}`;
      expect(query['Signature']).toBe(v1Signature(role.accessKeySecret, stringToSign));
    }
    // And the emulator, which checks V1 from the specification, takes them; the V1 header-signed calls went through too.
    const etag = await putPart(started.parts[1]!.url, randomBytes(1000));
    expect(etag).toMatch(/^"[0-9A-F]{32}"$/);
  });

  test('at most 100 part URLs in the answer, the rest through PARTS', async () => {
    const big = createFcHandler(signUrlFunction, { env: { ...env, MAX_UPLOAD_BYTES: String(5 * 1024 ** 3) } });
    const response = await call({ method: 'MULTIPART', filename: 'big.png', contentType: 'image/png', size: 5 * 1024 ** 3 }, 'alice', big);
    const started = jsonOf(response) as unknown as Started;
    expect([started.partSize, started.partCount, started.parts.length]).toEqual([26 * MIB, 197, 100]);
    expect(started.parts.at(-1)!.partNumber).toBe(100);
  });
});

describe('the whole flow', () => {
  test('parts PUT to the URLs, COMPLETE lists them at OSS and completes: the object is byte-identical, typed, final', async () => {
    const body = randomBytes(12 * MIB + 12345);
    const started = await start(body.length);
    const etags = await Promise.all(
      started.parts.map(({ partNumber, url }) =>
        putPart(url, body.subarray((partNumber - 1) * started.partSize, partNumber * started.partSize)),
      ),
    );
    // Fresh URLs, and what OSS holds, for a client that resumes.
    const parts = await ok<{ parts: Array<{ partNumber: number; url: string }>; uploaded: unknown[]; expiresAt: string }>({
      method: 'PARTS',
      key: started.key,
      uploadId: started.uploadId,
      partNumbers: [3],
    });
    expect(parts.parts.map((part) => part.partNumber)).toEqual([3]);
    expect(parts.uploaded).toEqual(
      etags.map((etag, index) => ({ partNumber: index + 1, etag, size: index < 2 ? 5 * MIB : body.length - 10 * MIB })),
    );

    const completed = await ok<Record<string, unknown>>({
      method: 'COMPLETE',
      key: started.key,
      uploadId: started.uploadId,
      // Quotes or none, as browsers and Uppy hand them over.
      parts: etags.map((etag, index) => ({ partNumber: index + 1, etag: index === 0 ? etag.replace(/"/g, '') : etag })),
      size: body.length,
    });
    const stored = oss.getObject(started.key)!;
    expect(completed).toEqual({ bucket: BUCKET, key: started.key, profile: 'default', size: body.length, etag: stored.etag });
    expect(createHash('md5').update(stored.body).digest('hex')).toBe(createHash('md5').update(body).digest('hex'));
    expect(stored.contentType).toBe('image/png');

    // Completed: it can never be completed again, and its part URLs no longer work.
    const again = await call({
      method: 'COMPLETE',
      key: started.key,
      uploadId: started.uploadId,
      parts: [{ partNumber: 1, etag: etags[0] }],
    });
    expect([again.statusCode, codeOf(again)]).toEqual([404, 'NoSuchUpload']);
    const late = await fetch(started.parts[0]!.url, { method: 'PUT', body: new Uint8Array(5 * MIB) });
    expect(late.status).toBe(404);
    expect(oss.getObject(started.key)!.etag).toBe(stored.etag);
  });

  test("with AUTH_JWKS_URL and USER_HASH_SECRET, an identity provider's RS256 token starts, signs and completes an upload", async () => {
    const keys = await rsaKeys();
    const idp = createServer((_request, response) =>
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(keys.jwks)),
    );
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    try {
      const jwksHandler = createFcHandler(signUrlFunction, {
        env: {
          ...env,
          AUTH_JWT_SECRET: undefined,
          AUTH_JWKS_URL: `http://127.0.0.1:${(idp.address() as AddressInfo).port}/.well-known/jwks.json`,
          AUTH_ISSUER: 'https://idp.example.com',
          AUTH_AUDIENCE: 'api://uploads',
          USER_HASH_SECRET: 'a-user-hash-secret-of-at-least-32-bytes',
        },
      });
      const token = await rsToken(keys.privateKey, { sub: 'carol', iss: 'https://idp.example.com', aud: 'api://uploads' });
      const step = async <T>(body: object): Promise<T> => {
        const response = await jwksHandler(
          fcEvent({ headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body }),
          context,
        );
        if (response.statusCode !== 200) throw new Error(`answered ${response.statusCode}: ${response.body}`);
        const answer = jsonOf(response) as T;
        for (const part of (answer as { parts?: unknown[] }).parts ?? []) registerAnswer(part);
        return answer;
      };
      const body = randomBytes(6 * MIB);
      const started = await step<Started>({ method: 'MULTIPART', filename: 'idp.png', contentType: 'image/png', size: body.length });
      expect(started.key).toMatch(/^users\/carol\//);
      const etags = await Promise.all(
        started.parts.map(({ partNumber, url }) =>
          putPart(url, body.subarray((partNumber - 1) * started.partSize, partNumber * started.partSize)),
        ),
      );
      const parts = etags.map((etag, index) => ({ partNumber: index + 1, etag }));
      await step({ method: 'COMPLETE', key: started.key, uploadId: started.uploadId, parts, size: body.length });
      expect(createHash('md5').update(oss.getObject(started.key)!.body).digest('hex')).toBe(createHash('md5').update(body).digest('hex'));
    } finally {
      await new Promise((resolve) => idp.close(resolve));
    }
  });

  test('a V4 part URL takes a part of exactly its length: another length, or none declared, is refused and nothing is parked', async () => {
    const started = await start(5 * MIB + 1);
    for (const body of [Buffer.alloc(5 * MIB + 1), Buffer.alloc(5 * MIB - 1), Buffer.alloc(0)]) {
      const response = await fetch(started.parts[0]!.url, { method: 'PUT', body: new Uint8Array(body) });
      expect([response.status, /<Code>(\w+)<\/Code>/.exec(await response.text())?.[1]]).toEqual([403, 'SignatureDoesNotMatch']);
    }
    // Chunked, with no Content-Length at all.
    const chunked = await fetch(started.parts[1]!.url, {
      method: 'PUT',
      body: new ReadableStream({ start: (controller) => (controller.enqueue(new Uint8Array(1)), controller.close()) }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(403);
    expect(oss.listUploads().find((upload) => upload.uploadId === ossUploadIdOf(started.uploadId))?.partNumbers).toEqual([]);
    await putPart(started.parts[1]!.url, randomBytes(1));
  });

  test('V1 (which cannot bind a length): parts adding up to more than MAX_UPLOAD_BYTES are 413, the upload is aborted, nothing is stored', async () => {
    const v1 = createFcHandler(signUrlFunction, { env: { ...env, SIGNATURE_VERSION: 'v1' } });
    const started = jsonOf(
      await call({ method: 'MULTIPART', filename: 'a.png', contentType: 'image/png', size: 10 * MIB }, 'alice', v1),
    ) as unknown as Started;
    for (const part of started.parts) registerAnswer(part);
    // A V1 URL cannot bound a part's size: the client sends 16 MiB for the second part.
    const etags = [await putPart(started.parts[0]!.url, randomBytes(5 * MIB)), await putPart(started.parts[1]!.url, randomBytes(16 * MIB))];
    const response = await call(
      {
        method: 'COMPLETE',
        key: started.key,
        uploadId: started.uploadId,
        parts: etags.map((etag, index) => ({ partNumber: index + 1, etag })),
      },
      'alice',
      v1,
    );
    expect(response.statusCode).toBe(413);
    expect(jsonOf(response)).toEqual({
      error: {
        code: 'EntityTooLarge',
        message: 'the parts add up to 21 MiB, over the limit of 20 MiB: the upload is aborted',
        size: 21 * MIB,
        maxBytes: MAX_UPLOAD_BYTES,
      },
    });
    expect(oss.listUploads().some((upload) => upload.uploadId === ossUploadIdOf(started.uploadId))).toBe(false);
    expect(oss.getObject(started.key)).toBeUndefined();
  });

  test('V1: a part of another length than the plan gives it is refused at COMPLETE (400 InvalidPart); sent again right, it completes', async () => {
    const v1 = createFcHandler(signUrlFunction, { env: { ...env, SIGNATURE_VERSION: 'v1' } });
    const started = jsonOf(
      await call({ method: 'MULTIPART', filename: 'a.png', contentType: 'image/png', size: 6 * MIB }, 'alice', v1),
    ) as unknown as Started;
    for (const part of started.parts) registerAnswer(part);
    const first = await putPart(started.parts[0]!.url, randomBytes(5 * MIB));
    const wrong = await putPart(started.parts[1]!.url, randomBytes(2 * MIB));
    const complete = (etag: string): Promise<FcResponse> =>
      call(
        {
          method: 'COMPLETE',
          key: started.key,
          uploadId: started.uploadId,
          parts: [
            { partNumber: 1, etag: first },
            { partNumber: 2, etag },
          ],
        },
        'alice',
        v1,
      );
    const refused = await complete(wrong);
    expect([refused.statusCode, jsonOf(refused)]).toEqual([
      400,
      { error: { code: 'InvalidPart', message: `part 2 is ${2 * MIB} bytes; this upload's part 2 is ${MIB}: upload it again` } },
    ]);
    const right = await putPart(started.parts[1]!.url, randomBytes(MIB));
    expect((await complete(right)).statusCode).toBe(200);
    expect(oss.getObject(started.key)?.body.length).toBe(6 * MIB);
  });

  test('a size that the parts do not add up to: 400 InvalidSize, and the upload stays for a correct COMPLETE', async () => {
    const started = await start(100);
    const etag = await putPart(started.parts[0]!.url, randomBytes(100));
    const wrong = await call({
      method: 'COMPLETE',
      key: started.key,
      uploadId: started.uploadId,
      parts: [{ partNumber: 1, etag }],
      size: 99,
    });
    expect([wrong.statusCode, codeOf(wrong)]).toEqual([400, 'InvalidSize']);
    await ok({ method: 'COMPLETE', key: started.key, uploadId: started.uploadId, parts: [{ partNumber: 1, etag }], size: 100 });
    expect(oss.getObject(started.key)?.body.length).toBe(100);
  });

  test('an object already at the key (forbid-overwrite from the initiate on): COMPLETE is 409 and the object stays', async () => {
    const started = await start(100);
    const etag = await putPart(started.parts[0]!.url, randomBytes(100));
    // Someone holding the owner's key writes there first.
    const signer = new (await import('ali-oss')).default({
      accessKeyId: root.accessKeyId,
      accessKeySecret: root.accessKeySecret,
      bucket: BUCKET,
      endpoint: oss.url,
      cname: true,
      authorizationV4: true,
      region: 'oss-cn-hangzhou',
    });
    await signer.put(started.key, Buffer.from('first'));
    const response = await call({ method: 'COMPLETE', key: started.key, uploadId: started.uploadId, parts: [{ partNumber: 1, etag }] });
    expect([response.statusCode, codeOf(response)]).toEqual([409, 'FileAlreadyExists']);
    expect(oss.getObject(started.key)?.body.toString()).toBe('first');
  });

  test('ABORT: 204 with no body, the parts are gone, a second ABORT is 404', async () => {
    const started = await start(100);
    await putPart(started.parts[0]!.url, randomBytes(100));
    const response = await call({ method: 'ABORT', key: started.key, uploadId: started.uploadId });
    expect([response.statusCode, response.body, response.headers['Cache-Control']]).toEqual([204, '', 'no-store']);
    expect(oss.listUploads().some((upload) => upload.uploadId === ossUploadIdOf(started.uploadId))).toBe(false);
    const again = await call({ method: 'ABORT', key: started.key, uploadId: started.uploadId });
    expect([again.statusCode, codeOf(again)]).toEqual([404, 'NoSuchUpload']);
  });
});

describe('at most MAX_OPEN_UPLOADS_PER_USER unfinished uploads per user, counted at OSS', () => {
  test.each(['v4', 'v1'] as const)(
    'signed %s: the 11th unfinished upload is refused with 409 QuotaExceeded; after an ABORT one starts again',
    async (version) => {
      const user = `olga-${version}`;
      // The default bound, 10.
      const versioned = createFcHandler(signUrlFunction, {
        env: { ...env, SIGNATURE_VERSION: version, MAX_OPEN_UPLOADS_PER_USER: undefined },
      });
      const begin = (): Promise<FcResponse> =>
        call({ method: 'MULTIPART', filename: 'a.png', contentType: 'image/png', size: 100 }, user, versioned);
      // Another user's unfinished uploads are not this user's.
      for (let i = 0; i < 3; i += 1)
        expect(
          (await call({ method: 'MULTIPART', filename: 'b.png', contentType: 'image/png', size: 100 }, `other-${version}`, versioned))
            .statusCode,
        ).toBe(200);
      const started: Started[] = [];
      for (let i = 0; i < 10; i += 1) {
        const response = await begin();
        expect(response.statusCode).toBe(200);
        started.push(jsonOf(response) as unknown as Started);
      }
      for (const answer of started) for (const part of answer.parts) registerAnswer(part);
      const uploadsBefore = oss.listUploads().length;
      const refused = await begin();
      expect([refused.statusCode, jsonOf(refused)]).toEqual([
        409,
        {
          error: {
            code: 'QuotaExceeded',
            message: 'you have 10 unfinished multipart uploads, the most allowed: complete or abort one (ABORT) before starting another',
          },
        },
      ]);
      expect(oss.listUploads()).toHaveLength(uploadsBefore);
      const aborted = await call({ method: 'ABORT', key: started[0]!.key, uploadId: started[0]!.uploadId }, user, versioned);
      expect(aborted.statusCode).toBe(204);
      const again = await begin();
      expect(again.statusCode).toBe(200);
      for (const part of (jsonOf(again) as unknown as Started).parts) registerAnswer(part);
    },
  );

  test("the user's STS folder counts too (its uploads are the user's), and the bound is configurable", async () => {
    const owner = new (await import('ali-oss')).default({
      accessKeyId: root.accessKeyId,
      accessKeySecret: root.accessKeySecret,
      bucket: BUCKET,
      endpoint: oss.url,
      cname: true,
      authorizationV4: true,
      region: 'oss-cn-hangzhou',
    });
    await owner.initMultipartUpload('users/pia/sts/2026/11/resumable.mp4');
    await owner.initMultipartUpload('users/pia/sts/2026/11/again.mp4');
    const two = createFcHandler(signUrlFunction, { env: { ...env, MAX_OPEN_UPLOADS_PER_USER: '2' } });
    const refused = await call({ method: 'MULTIPART', filename: 'a.png', contentType: 'image/png', size: 100 }, 'pia', two);
    expect([refused.statusCode, codeOf(refused)]).toEqual([409, 'QuotaExceeded']);
    const three = createFcHandler(signUrlFunction, { env: { ...env, MAX_OPEN_UPLOADS_PER_USER: '3' } });
    const started = await call({ method: 'MULTIPART', filename: 'a.png', contentType: 'image/png', size: 100 }, 'pia', three);
    expect(started.statusCode).toBe(200);
    for (const part of (jsonOf(started) as unknown as Started).parts) registerAnswer(part);
  });
});

describe('hostile input gets the exact status and code, and changes nothing', () => {
  let bob: Started;
  let alice: Started;
  let aliceEtag: string;
  beforeAll(async () => {
    bob = await start(100, 'bob');
    alice = await start(6 * MIB);
    aliceEtag = await putPart(alice.parts[0]!.url, randomBytes(5 * MIB));
  });

  const madeUpId = '0123456789ABCDEF0123456789ABCDEF';
  /** A handle sign-url would have issued for an upload OSS never had (MAC recomputed with the test's secret). */
  const madeUp = (): string => handleFor({ key: alice.key, ossUploadId: madeUpId, size: 6 * MIB, partSize: 5 * MIB });
  /** Alice's handle with its declared size changed: the MAC no longer matches. */
  const enlarged = (): string => alice.uploadId.replace(`.${6 * MIB}.`, `.${20 * MIB}.`);
  const cases: Array<[string, () => unknown, number, string]> = [
    [
      "another user's key and upload id (COMPLETE)",
      () => ({ method: 'COMPLETE', key: bob.key, uploadId: bob.uploadId, parts: [{ partNumber: 1, etag: aliceEtag }] }),
      403,
      'Forbidden',
    ],
    ["another user's key (PARTS)", () => ({ method: 'PARTS', key: bob.key, uploadId: bob.uploadId, partNumbers: [1] }), 403, 'Forbidden'],
    ["another user's key (ABORT)", () => ({ method: 'ABORT', key: bob.key, uploadId: bob.uploadId }), 403, 'Forbidden'],
    [
      'a key in the prefix that sign-url never issues',
      () => ({ method: 'ABORT', key: 'users/alice/sts/notes.txt', uploadId: alice.uploadId }),
      403,
      'Forbidden',
    ],
    [
      'a key with .. in it',
      () => ({ method: 'ABORT', key: `users/alice/../bob/${bob.key.slice('users/bob/'.length)}`, uploadId: bob.uploadId }),
      403,
      'Forbidden',
    ],
    ['a key that is not a string', () => ({ method: 'ABORT', key: ['users/alice/'], uploadId: alice.uploadId }), 400, 'InvalidKey'],
    ['no key', () => ({ method: 'PARTS', uploadId: alice.uploadId, partNumbers: [] }), 400, 'InvalidKey'],
    ['a made-up upload id (PARTS)', () => ({ method: 'PARTS', key: alice.key, uploadId: madeUp(), partNumbers: [1] }), 404, 'NoSuchUpload'],
    [
      'a made-up upload id (COMPLETE)',
      () => ({ method: 'COMPLETE', key: alice.key, uploadId: madeUp(), parts: [{ partNumber: 1, etag: aliceEtag }] }),
      404,
      'NoSuchUpload',
    ],
    ['a made-up upload id (ABORT)', () => ({ method: 'ABORT', key: alice.key, uploadId: madeUp() }), 404, 'NoSuchUpload'],
    [
      "OSS's bare upload id (an old client's checkpoint), unsigned",
      () => ({ method: 'PARTS', key: alice.key, uploadId: ossUploadIdOf(alice.uploadId), partNumbers: [1] }),
      400,
      'InvalidUploadId',
    ],
    [
      'an upload id whose declared size was raised (PARTS)',
      () => ({ method: 'PARTS', key: alice.key, uploadId: enlarged(), partNumbers: [3] }),
      403,
      'Forbidden',
    ],
    [
      'an upload id whose declared size was raised (COMPLETE)',
      () => ({ method: 'COMPLETE', key: alice.key, uploadId: enlarged(), parts: [{ partNumber: 1, etag: aliceEtag }] }),
      403,
      'Forbidden',
    ],
    [
      'an upload id signed with another secret',
      () => ({
        method: 'ABORT',
        key: alice.key,
        uploadId: handleFor({
          key: alice.key,
          ossUploadId: ossUploadIdOf(alice.uploadId),
          size: 6 * MIB,
          partSize: 5 * MIB,
          secret: 'another-secret-of-at-least-32-bytes!!',
        }),
      }),
      403,
      'Forbidden',
    ],
    [
      "the upload id of another key of one's own",
      () => ({ method: 'ABORT', key: alice.key.replace(/\/[^/]+$/, '/AAAAAAAAAAAAAAAAAAAAAA.png'), uploadId: alice.uploadId }),
      403,
      'Forbidden',
    ],
    [
      'a part number past the count the declared size makes (PARTS signs none beyond it)',
      () => ({ method: 'PARTS', key: alice.key, uploadId: alice.uploadId, partNumbers: [2, 3] }),
      400,
      'InvalidPartNumber',
    ],
    [
      'an upload id with a query in it',
      () => ({ method: 'ABORT', key: alice.key, uploadId: `${alice.uploadId}&uploads` }),
      400,
      'InvalidUploadId',
    ],
    [
      'part number 10,001',
      () => ({ method: 'PARTS', key: alice.key, uploadId: alice.uploadId, partNumbers: [10_001] }),
      400,
      'InvalidPartNumber',
    ],
    [
      'a part number past the last an upload under the limit can have',
      () => ({ method: 'PARTS', key: alice.key, uploadId: alice.uploadId, partNumbers: [5] }),
      400,
      'InvalidPartNumber',
    ],
    ['part number 0', () => ({ method: 'PARTS', key: alice.key, uploadId: alice.uploadId, partNumbers: [0] }), 400, 'InvalidPartNumber'],
    [
      'a fractional part number',
      () => ({ method: 'PARTS', key: alice.key, uploadId: alice.uploadId, partNumbers: [1.5] }),
      400,
      'InvalidPartNumber',
    ],
    [
      'a repeated part number',
      () => ({ method: 'PARTS', key: alice.key, uploadId: alice.uploadId, partNumbers: [1, 1] }),
      400,
      'InvalidPartNumber',
    ],
    [
      '101 part numbers',
      () => ({ method: 'PARTS', key: alice.key, uploadId: alice.uploadId, partNumbers: Array.from({ length: 101 }, () => 1) }),
      400,
      'InvalidPartNumber',
    ],
    [
      '10,001 parts',
      () => ({
        method: 'COMPLETE',
        key: alice.key,
        uploadId: alice.uploadId,
        parts: Array.from({ length: 10_001 }, (_, i) => ({ partNumber: i + 1, etag: 'A' })),
      }),
      413,
      'PayloadTooLarge',
    ],
    [
      'parts with 1,000,000 entries',
      () => ({ method: 'COMPLETE', key: alice.key, uploadId: alice.uploadId, parts: new Array(1_000_000).fill(0) }),
      413,
      'PayloadTooLarge',
    ],
    [
      'more parts than an upload under the limit can have',
      () => ({
        method: 'COMPLETE',
        key: alice.key,
        uploadId: alice.uploadId,
        parts: [1, 2, 3, 4, 5].map((partNumber) => ({ partNumber, etag: aliceEtag })),
      }),
      400,
      'InvalidPart',
    ],
    ['no parts', () => ({ method: 'COMPLETE', key: alice.key, uploadId: alice.uploadId, parts: [] }), 400, 'InvalidPart'],
    [
      'unsorted parts',
      () => ({
        method: 'COMPLETE',
        key: alice.key,
        uploadId: alice.uploadId,
        parts: [
          { partNumber: 2, etag: aliceEtag },
          { partNumber: 1, etag: aliceEtag },
        ],
      }),
      400,
      'InvalidPartOrder',
    ],
    [
      'duplicate parts',
      () => ({
        method: 'COMPLETE',
        key: alice.key,
        uploadId: alice.uploadId,
        parts: [
          { partNumber: 1, etag: aliceEtag },
          { partNumber: 1, etag: aliceEtag },
        ],
      }),
      400,
      'InvalidPartOrder',
    ],
    [
      'a wrong etag',
      () => ({
        method: 'COMPLETE',
        key: alice.key,
        uploadId: alice.uploadId,
        parts: [{ partNumber: 1, etag: '"0123456789ABCDEF0123456789ABCDEF"' }],
      }),
      400,
      'InvalidPart',
    ],
    [
      'a part never uploaded',
      () => ({
        method: 'COMPLETE',
        key: alice.key,
        uploadId: alice.uploadId,
        parts: [
          { partNumber: 1, etag: aliceEtag },
          { partNumber: 2, etag: aliceEtag },
        ],
      }),
      400,
      'InvalidPart',
    ],
    [
      'an etag that is not one',
      () => ({ method: 'COMPLETE', key: alice.key, uploadId: alice.uploadId, parts: [{ partNumber: 1, etag: '<x/>' }] }),
      400,
      'InvalidPart',
    ],
    [
      'a negative size (COMPLETE)',
      () => ({ method: 'COMPLETE', key: alice.key, uploadId: alice.uploadId, parts: [{ partNumber: 1, etag: aliceEtag }], size: -1 }),
      400,
      'InvalidSize',
    ],
    [
      'a size over the limit (COMPLETE)',
      () => ({
        method: 'COMPLETE',
        key: alice.key,
        uploadId: alice.uploadId,
        parts: [{ partNumber: 1, etag: aliceEtag }],
        size: MAX_UPLOAD_BYTES + 1,
      }),
      413,
      'EntityTooLarge',
    ],
    ['MULTIPART without a size', () => ({ method: 'MULTIPART', filename: 'a.png', contentType: 'image/png' }), 400, 'InvalidSize'],
    [
      'MULTIPART with a negative size',
      () => ({ method: 'MULTIPART', filename: 'a.png', contentType: 'image/png', size: -5 }),
      400,
      'InvalidSize',
    ],
    [
      'MULTIPART with a fractional size',
      () => ({ method: 'MULTIPART', filename: 'a.png', contentType: 'image/png', size: 1.5 }),
      400,
      'InvalidSize',
    ],
    [
      'MULTIPART with a size over the limit',
      () => ({ method: 'MULTIPART', filename: 'a.png', contentType: 'image/png', size: MAX_UPLOAD_BYTES + 1 }),
      413,
      'EntityTooLarge',
    ],
    [
      'MULTIPART of a type not allowed',
      () => ({ method: 'MULTIPART', filename: 'a.html', contentType: 'text/html', size: 10 }),
      400,
      'InvalidContentType',
    ],
    [
      'MULTIPART with a bad filename',
      () => ({ method: 'MULTIPART', filename: '../a.png', contentType: 'image/png', size: 10 }),
      400,
      'InvalidFilename',
    ],
    [
      'a method in lower case',
      () => ({ method: 'multipart', filename: 'a.png', contentType: 'image/png', size: 10 }),
      400,
      'InvalidMethod',
    ],
  ];

  test.each(cases.map(([name, body, status, code]) => [name, status, code, body] as const))(
    '%s → %i %s',
    async (_name, status, code, body) => {
      const uploadsBefore = oss.listUploads();
      const keysBefore = oss.listKeys();
      const response = await call(body());
      expect([response.statusCode, codeOf(response)]).toEqual([status, code]);
      expect(response.headers['Cache-Control']).toBe('no-store');
      // Nothing was aborted, completed or started.
      expect(oss.listUploads()).toEqual(uploadsBefore);
      expect(oss.listKeys()).toEqual(keysBefore);
    },
  );

  test("bob's and alice's uploads are still there, and complete for their owners", async () => {
    expect(oss.listUploads().map((upload) => upload.uploadId)).toEqual(
      expect.arrayContaining([ossUploadIdOf(bob.uploadId), ossUploadIdOf(alice.uploadId)]),
    );
    const etag = await putPart(bob.parts[0]!.url, randomBytes(100));
    await ok({ method: 'COMPLETE', key: bob.key, uploadId: bob.uploadId, parts: [{ partNumber: 1, etag }] }, 'bob');
  });

  test('an OSS refusal of our own role (a role without ListParts) is a generic 500, the OSS code only in the log', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const narrow = await startOssEmulator({
      bucket: BUCKET,
      region: 'cn-hangzhou',
      credentials: roleResolver(
        role,
        {
          Version: '1',
          Statement: [
            { Effect: 'Allow', Action: ['oss:PutObject'], Resource: [`acs:oss:*:*:${BUCKET}/users/*`] },
            { Effect: 'Allow', Action: ['oss:ListMultipartUploads'], Resource: [`acs:oss:*:*:${BUCKET}`] },
          ],
        },
        staticAccounts([root]),
      ),
    });
    try {
      const narrowHandler = createFcHandler(signUrlFunction, {
        env: { ...env, OSS_ENDPOINT: narrow.url },
        log: (line) => void lines.push({ ...line }),
      });
      const started = jsonOf(
        await call({ method: 'MULTIPART', filename: 'a.png', contentType: 'image/png', size: 10 }, 'alice', narrowHandler),
      ) as unknown as Started;
      const response = await call(
        { method: 'PARTS', key: started.key, uploadId: started.uploadId, partNumbers: [] },
        'alice',
        narrowHandler,
      );
      expect(response.statusCode).toBe(500);
      expect(jsonOf(response)).toEqual({ error: { code: 'InternalError', message: 'internal error' } });
      expect(lines.at(-1)).toMatchObject({
        status: 500,
        errorCode: 'InternalError',
        cause: expect.stringMatching(/^OSS ListParts: AccessDenied \(403, request [0-9A-F]{24}\)$/),
      });
    } finally {
      await narrow.close();
    }
  });
});

describe('the built bundle', () => {
  test('the built function, in a bare folder: MULTIPART starts an upload, OSS errors keep their status', async () => {
    const folder = copyBuiltFunction('sign-url');
    const token = await hsToken({ sub: 'alice' });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const events = [
      fcEvent({ headers, body: { method: 'MULTIPART', filename: 'a.png', contentType: 'image/png', size: 6 * MIB } }),
      fcEvent({
        headers,
        body: {
          method: 'ABORT',
          key: 'users/alice/2026/11/AAAAAAAAAAAAAAAAAAAAAA.png',
          uploadId: handleFor({
            key: 'users/alice/2026/11/AAAAAAAAAAAAAAAAAAAAAA.png',
            ossUploadId: '0123456789ABCDEF0123456789ABCDEF',
            size: 100,
            partSize: 5 * MIB,
          }),
        },
      }),
    ];
    writeFileSync(join(folder, 'events.json'), JSON.stringify(events.map((event) => event.toString('base64'))));
    writeFileSync(
      join(folder, 'run.js'),
      `const { handler } = require('./index.js');
       const events = require('./events.json').map((e) => Buffer.from(e, 'base64'));
       const context = ${JSON.stringify(context)};
       (async () => { const results = []; for (const e of events) results.push(await handler(e, context));
         require('fs').writeFileSync('results.json', JSON.stringify(results)); })();`,
    );
    // Asynchronously: the OSS emulator answering the bundle lives in this process.
    await promisify(execFile)(process.execPath, ['run.js'], {
      cwd: folder,
      env: { PATH: process.env['PATH'] ?? '', NODE_PATH: '', ...env },
      encoding: 'utf8',
    });
    const [started, aborted] = JSON.parse(readFileSync(join(folder, 'results.json'), 'utf8')) as FcResponse[];
    expect(started!.statusCode).toBe(200);
    const answer = jsonOf(started!) as unknown as Started;
    for (const part of answer.parts) registerAnswer(part);
    expect(oss.listUploads()).toContainEqual({ uploadId: ossUploadIdOf(answer.uploadId), key: answer.key, partNumbers: [] });
    expect([aborted!.statusCode, codeOf(aborted!)]).toEqual([404, 'NoSuchUpload']);
  });
});
