/**
 * sign-url's VERDICT through the FC edge, against the OSS emulator over HTTP where sign-url's and upload-completed's
 * keys are each allowed exactly what their manifests grant: the four answers (pending, accepted, rejected in words,
 * unknown) from the records upload-completed itself writes, pending told from unknown by listing the one key (a
 * neighbouring key is not it) while the same role may not read a user's object, a user asking of another's key
 * refused, and hostile input with its exact status and code; then the same under other UPLOAD_PREFIXes, in profile
 * folders, STS folders and fixed keys, signed V4 and V1.
 */
import { signUrlManifest } from '../../../functions/sign-url/manifest';
import { signUrlFunction } from '../../../functions/sign-url/sign-upload';
import { createUploadCompletedFunction } from '../../../functions/upload-completed/judge-upload';
import { uploadCompletedManifest } from '../../../functions/upload-completed/manifest';
import { deploymentConfig, functionRolePolicy } from '../../../deploy/policies';
import { staticAccounts, type CredentialResolver } from '../../../local/emulator-accounts';
import { startOssEmulator, type OssRequestLog, type RunningOssEmulator } from '../../../local/oss-emulator';
import { samplePng } from '../../../local/sample-files';
import { createOssClient, OssError } from '../../../shared/alicloud/oss-client';
import { loadConfig } from '../../../shared/config/sections';
import { createFcEventHandler } from '../../../shared/edge/event-handler';
import { createFcHandler, type FcHandler } from '../../../shared/edge/handler';
import { buildOssEvent } from '../../../shared/edge/oss-event';
import { encodeVerdictRecord, verdictRecordKey } from '../../../shared/upload/verdict-record';
import { baseEnv, configFrom } from '../../support/env';
import { fcContext, fcEvent, jsonOf, type FcResponse } from '../../support/fc-event';
import { roleResolver } from '../../support/role-credentials';
import { hsToken } from '../../support/tokens';

const BUCKET = 'uploads-bucket';
const signUrlRole = { accessKeyId: 'STS.fc-sign-url-key', accessKeySecret: 'fc-sign-url-role-secret', securityToken: 'fc-sign-url-token' };
const judgeRole = { accessKeyId: 'STS.fc-judge-key', accessKeySecret: 'fc-judge-role-secret', securityToken: 'fc-judge-role-token' };
const root = { accessKeyId: 'LTAI-test-root', accessKeySecret: 'test-root-secret-value' };
const html = Buffer.from('<!doctype html><script>alert(1)</script>');

let oss: RunningOssEmulator;
let env: Record<string, string | undefined>;
let handler: FcHandler;
let judge: ReturnType<typeof createFcEventHandler>;
const requests: OssRequestLog[] = [];
/** What the emulator asked RAM of sign-url's role: the action, the resource, the prefix a listing asked for, the answer. */
const asked: Array<{ action: string; resource: string; prefix: string | undefined; allowed: boolean }> = [];

/** `resolver`, with every question RAM is asked of sign-url's role recorded in `into`. */
function recordingSignUrl(resolver: CredentialResolver, into: typeof asked): CredentialResolver {
  return (accessKeyId, securityToken, now) => {
    const found = resolver(accessKeyId, securityToken, now);
    if (found.kind !== 'found' || accessKeyId !== signUrlRole.accessKeyId) return found;
    return {
      ...found,
      isAllowed: (action, resource, context) => {
        const allowed = found.isAllowed(action, resource, context);
        into.push({ action, resource, prefix: context['oss:Prefix'], allowed });
        return allowed;
      },
    };
  };
}

/** An OSS client holding sign-url's role keys, as the function does. */
const signUrlClient = (url: string) =>
  createOssClient({
    endpoint: url,
    bucket: BUCKET,
    region: 'cn-hangzhou',
    credentials: { ...signUrlRole, expiration: undefined },
    timeout: { ms: 3000, covers: 'each call' },
  });

/** What a promise rejected with: an OssError's operation, status and code. */
async function refusalOf(promise: Promise<unknown>): Promise<unknown> {
  const error = await promise.then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(OssError);
  const { operation, status, code } = error as OssError;
  return { operation, status, code };
}

beforeAll(async () => {
  env = baseEnv({ STS_ROLE_ARN: 'acs:ram::1234567890123456:role/oss-upload' });
  const config = configFrom(deploymentConfig, env);
  const roles = { uploadRoleArn: '', functionRoleArns: {} };
  oss = await startOssEmulator({
    bucket: BUCKET,
    region: 'cn-hangzhou',
    credentials: recordingSignUrl(
      roleResolver(
        signUrlRole,
        functionRolePolicy(signUrlManifest, config, roles),
        roleResolver(judgeRole, functionRolePolicy(uploadCompletedManifest, config, roles), staticAccounts([root])),
      ),
      asked,
    ),
    log: (entry) => void requests.push(entry),
  });
  env = { ...env, OSS_ENDPOINT: oss.url };
  handler = createFcHandler(signUrlFunction, { env });
  judge = createFcEventHandler(createUploadCompletedFunction(), { env, log: () => undefined });
});
afterAll(() => oss.close());

async function ask(body: unknown, user = 'alice'): Promise<FcResponse> {
  const token = await hsToken({ sub: user });
  return handler(
    fcEvent({ headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body as object }),
    fcContext(signUrlRole),
  );
}

async function verdictOf(key: string, user = 'alice'): Promise<unknown> {
  const response = await ask({ method: 'VERDICT', key }, user);
  if (response.statusCode !== 200) throw new Error(`answered ${response.statusCode}: ${response.body}`);
  expect(response.headers['Cache-Control']).toBe('no-store');
  return jsonOf(response);
}

/** An object landed, as a browser would leave it, and upload-completed run on its event. */
async function landAndJudge(key: string, body: Buffer, contentType: string): Promise<void> {
  oss.seedObject({ key, body, contentType });
  const object = oss.getObject(key)!;
  await judge(buildOssEvent({ bucket: BUCKET, key, size: body.length, eTag: object.etag }), { requestId: 'r', credentials: judgeRole });
}

test('a key with no object and no verdict is unknown; once the object is there it is pending; judged, accepted', async () => {
  const key = 'users/alice/2026/11/AAAAAAAAAAAAAAAAAAAAAA.png';
  await expect(verdictOf(key)).resolves.toEqual({ key, verdict: 'unknown' });
  oss.seedObject({ key, body: samplePng(700), contentType: 'image/png' });
  await expect(verdictOf(key)).resolves.toEqual({ key, verdict: 'pending' });
  await judge(buildOssEvent({ bucket: BUCKET, key, size: 700, eTag: oss.getObject(key)!.etag }), {
    requestId: 'r',
    credentials: judgeRole,
  });
  await expect(verdictOf(key)).resolves.toEqual({
    key,
    verdict: 'accepted',
    size: 700,
    contentType: 'image/png',
    etag: oss.getObject(key)!.etag.replace(/"/g, ''),
    judgedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
  });
});

test.each([
  [
    'zeros named .png',
    'users/alice/2026/11/zeros.png',
    Buffer.alloc(4096),
    'image/png',
    'ContentMismatch',
    "the file's contents are not a PNG image",
  ],
  [
    'a PNG named .jpg',
    'users/alice/2026/11/renamed.jpg',
    samplePng(800),
    'image/jpeg',
    'ContentMismatch',
    "the file's contents are not a JPEG image (they look like a PNG image)",
  ],
  ['HTML named .png', 'users/alice/2026/11/page.png', html, 'image/png', 'ActiveContent', 'the file holds web page or script markup'],
  ['an empty file', 'users/alice/2026/11/empty.png', Buffer.alloc(0), 'image/png', 'Empty', 'the file is empty'],
  [
    'a PNG named .gif',
    'users/alice/2026/11/named.gif',
    samplePng(300),
    'image/png',
    'ExtensionMismatch',
    "the file name's extension does not fit its type (image/png)",
  ],
] as const)('%s: rejected (the object removed), with the reason as a code and in words', async (_name, key, body, type, reason, words) => {
  await landAndJudge(key, body, type);
  expect(oss.getObject(key)).toBeUndefined();
  await expect(verdictOf(key)).resolves.toEqual({
    key,
    verdict: 'rejected',
    reason,
    message: expect.stringContaining(`The upload was rejected: ${words}`),
    judgedAt: expect.any(String),
  });
});

test('one OSS read for a judged key (the record); a pending one also lists its key, one key; nothing is ever written', async () => {
  const key = 'users/alice/2026/11/counted.png';
  oss.seedObject({ key, body: samplePng(300), contentType: 'image/png' });
  const before = requests.length;
  asked.splice(0);
  await expect(verdictOf(key)).resolves.toEqual({ key, verdict: 'pending' });
  // The record (GetObject in the verdicts' folder), then a listing of the bucket asking for the key as prefix: both
  // allowed by the deployed policy; the object itself is never asked for.
  expect(asked).toEqual([
    {
      action: 'oss:GetObject',
      resource: `acs:oss:*:*:${BUCKET}/${verdictRecordKey('upload-verdicts/', key)}`,
      prefix: undefined,
      allowed: true,
    },
    { action: 'oss:ListObjects', resource: `acs:oss:*:*:${BUCKET}`, prefix: key, allowed: true },
  ]);
  await judge(buildOssEvent({ bucket: BUCKET, key, size: 300, eTag: oss.getObject(key)!.etag }), {
    requestId: 'r',
    credentials: judgeRole,
  });
  const judged = requests.length;
  await verdictOf(key);
  const byRole = (from: number, to: number): string[] =>
    requests
      .slice(from, to)
      .filter((entry) => entry.accessKeyId === signUrlRole.accessKeyId)
      .map((entry) => entry.operation ?? '');
  expect(byRole(before, judged)).toEqual(['GetObject', 'ListObjects']);
  expect(byRole(judged, requests.length)).toEqual(['GetObject']);
});

test('a verdict older than records are kept: the object stays, and nothing says it was judged: unknown, never pending', async () => {
  const key = 'users/alice/2025/01/old.png';
  oss.seedObject({ key, body: samplePng(300), contentType: 'image/png', lastModified: new Date(Date.now() - 2 * 24 * 3600 * 1000) });
  await expect(verdictOf(key)).resolves.toEqual({ key, verdict: 'unknown' });
});

test.each([
  ['a longer key beginning with it', '.x'],
  ['a key continuing its name', 'x'],
  ['a folder of its name', '/y.png'],
])('%s is there, the key is not: unknown (the listing finds the neighbour, which is not the key)', async (_name, tail) => {
  const key = `users/alice/2026/11/neighbour-${tail.length}.png`;
  oss.seedObject({ key: `${key}${tail}`, body: samplePng(300), contentType: 'image/png' });
  await expect(verdictOf(key)).resolves.toEqual({ key, verdict: 'unknown' });
  // Once the key itself lands beside its neighbour, it is the one listed first: pending.
  oss.seedObject({ key, body: samplePng(300), contentType: 'image/png' });
  await expect(verdictOf(key)).resolves.toEqual({ key, verdict: 'pending' });
});

test('a recent object is pending and one older than records are kept is unknown, by the date the listing gives', async () => {
  const recent = 'users/alice/2026/11/recent.png';
  const hours = (count: number): Date => new Date(Date.now() - count * 3600 * 1000);
  oss.seedObject({ key: recent, body: samplePng(300), contentType: 'image/png', lastModified: hours(23) });
  await expect(verdictOf(recent)).resolves.toEqual({ key: recent, verdict: 'pending' });
  const old = 'users/alice/2026/11/older.png';
  oss.seedObject({ key: old, body: samplePng(300), contentType: 'image/png', lastModified: hours(25) });
  await expect(verdictOf(old)).resolves.toEqual({ key: old, verdict: 'unknown' });
});

test("sign-url's role, holding exactly its deployed policy, may not read a user's object (403), nor HEAD it; VERDICT needs neither", async () => {
  const key = 'users/alice/2026/11/private.png';
  oss.seedObject({ key, body: samplePng(300), contentType: 'image/png' });
  asked.splice(0);
  const client = signUrlClient(oss.url);
  await expect(refusalOf(client.getObject(key, 1024))).resolves.toEqual({ operation: 'GetObject', status: 403, code: 'AccessDenied' });
  await expect(refusalOf(client.head(key))).resolves.toMatchObject({ operation: 'HeadObject', status: 403 });
  await expect(refusalOf(client.readStart(key, 16))).resolves.toEqual({ operation: 'GetObject', status: 403, code: 'AccessDenied' });
  expect(asked.map(({ action, allowed }) => [action, allowed])).toEqual([
    ['oss:GetObject', false],
    ['oss:GetObject', false],
    ['oss:GetObject', false],
  ]);
  await expect(verdictOf(key)).resolves.toEqual({ key, verdict: 'pending' });
  // Nor may it list outside the users' folder: the oss:Prefix condition holds.
  await expect(refusalOf(client.listObjects({ prefix: 'upload-verdicts/', marker: '', maxKeys: 1 }))).resolves.toEqual({
    operation: 'ListObjects',
    status: 403,
    code: 'AccessDenied',
  });
  await expect(refusalOf(client.listObjects({ prefix: '', marker: '', maxKeys: 1 }))).resolves.toMatchObject({ status: 403 });
});

test("a record of another key at this key's place (a stray or planted file) counts as none", async () => {
  const key = 'users/alice/2026/11/stray.png';
  const record = {
    version: 1,
    key: 'users/bob/x.png',
    verdict: 'accepted',
    etag: 'E',
    size: 1,
    contentType: 'image/png',
    judgedAt: new Date().toISOString(),
  } as const;
  oss.seedObject({ key: verdictRecordKey('upload-verdicts/', key), body: encodeVerdictRecord(record), contentType: 'application/json' });
  await expect(verdictOf(key)).resolves.toEqual({ key, verdict: 'unknown' });
});

test("another user's key is refused (403), whether or not it exists; so is a key in no user's prefix", async () => {
  const bobs = 'users/bob/2026/11/bobs.png';
  await landAndJudge(bobs, samplePng(300), 'image/png');
  for (const key of [bobs, 'users/bob/2026/11/none.png', 'users/alic/x.png', 'upload-verdicts/x.json', 'assets/logo.png']) {
    const response = await ask({ method: 'VERDICT', key });
    expect([key, response.statusCode, jsonOf(response)]).toEqual([
      key,
      403,
      { error: { code: 'Forbidden', message: 'key is not under your upload prefix' } },
    ]);
  }
  await expect(verdictOf(bobs, 'bob')).resolves.toMatchObject({ verdict: 'accepted' });
});

test.each([
  ['no key', {}],
  ['an empty key', { key: '' }],
  ['a number', { key: 42 }],
  ['a key over 1,023 bytes', { key: `users/alice/${'é'.repeat(510)}` }],
])('%s: 400 InvalidKey', async (_name, fields) => {
  const response = await ask({ method: 'VERDICT', ...fields });
  expect([response.statusCode, (jsonOf(response) as { error: { code: string } }).error.code]).toEqual([400, 'InvalidKey']);
});

test('OSS unreachable: 503 with Retry-After (the client asks again), never a verdict made up', async () => {
  const offline = createFcHandler(signUrlFunction, { env: { ...env, OSS_ENDPOINT: 'http://127.0.0.1:9', OSS_TIMEOUT_MS: '500' } });
  const token = await hsToken({ sub: 'alice' });
  const response = await offline(
    fcEvent({
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: { method: 'VERDICT', key: 'users/alice/x.png' },
    }),
    fcContext(signUrlRole),
  );
  expect([response.statusCode, response.headers['Retry-After'], (jsonOf(response) as { error: { code: string } }).error.code]).toEqual([
    503,
    '2',
    'UpstreamUnavailable',
  ]);
});

const PROFILES = {
  name: 'upload-profiles.json',
  document: {
    avatar: { contentTypes: ['image/png'], maxBytes: 100_000, key: 'fixed' },
    documents: { contentTypes: ['image/png'], maxBytes: 1_000_000, methods: ['PUT', 'STS'] },
  },
};

// The listing's prefix is the key, which lies under the caller's prefix: inside the policy's oss:Prefix pattern
// (`<folder before {user}>*`) whatever follows {user}, in a profile's folder, its STS folder (any name an SDK sends)
// and a fixed key alike, and signed either way (the prefix is a query parameter both versions sign).
describe.each([
  ['users/{user}/', 'v4', 'users/carl/'],
  ['tenant/{user}/files/', 'v1', 'tenant/carl/files/'],
  ['apps/photos/{user}/', 'v4', 'apps/photos/carl/'],
] as const)('UPLOAD_PREFIX %s, signed %s, with profiles: sign-url holding exactly its deployed policy', (uploadPrefix, version, prefix) => {
  let emulator: RunningOssEmulator;
  let verdictHandler: FcHandler;
  const questions: typeof asked = [];

  beforeAll(async () => {
    const profiledEnv = baseEnv({ STS_ROLE_ARN: 'acs:ram::1234567890123456:role/oss-upload', UPLOAD_PREFIX: uploadPrefix });
    const loaded = loadConfig(profiledEnv, deploymentConfig, PROFILES);
    if (!loaded.ok) throw new Error(loaded.problems.join('; '));
    emulator = await startOssEmulator({
      bucket: BUCKET,
      region: 'cn-hangzhou',
      credentials: recordingSignUrl(
        roleResolver(
          signUrlRole,
          functionRolePolicy(signUrlManifest, loaded.config, { uploadRoleArn: '', functionRoleArns: {} }),
          staticAccounts([root]),
        ),
        questions,
      ),
    });
    verdictHandler = createFcHandler(signUrlFunction, {
      env: { ...profiledEnv, OSS_ENDPOINT: emulator.url, SIGNATURE_VERSION: version },
      profilesFile: PROFILES,
    });
  });
  afterAll(() => emulator.close());

  async function verdict(key: string): Promise<unknown> {
    const token = await hsToken({ sub: 'carl' });
    const response = await verdictHandler(
      fcEvent({ headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: { method: 'VERDICT', key } }),
      fcContext(signUrlRole),
    );
    return [response.statusCode, jsonOf(response)];
  }

  test.each([
    ["a profile's folder", 'documents/2026/11/AAAAAAAAAAAAAAAAAAAAAA.png'],
    ['an STS folder, a name an SDK chose', 'documents/sts/my photo (1)+ü%&=*?.png'],
    ['a fixed key', 'avatar/current'],
  ])('%s: unknown, then pending once there; never a GET of it, which the role is refused', async (_name, rest) => {
    const key = `${prefix}${rest}`;
    questions.splice(0);
    await expect(verdict(key)).resolves.toEqual([200, { key, verdict: 'unknown' }]);
    emulator.seedObject({ key, body: samplePng(300), contentType: 'image/png' });
    await expect(verdict(key)).resolves.toEqual([200, { key, verdict: 'pending' }]);
    const listings = questions.filter((question) => question.action === 'oss:ListObjects');
    expect(listings).toEqual([
      { action: 'oss:ListObjects', resource: `acs:oss:*:*:${BUCKET}`, prefix: key, allowed: true },
      { action: 'oss:ListObjects', resource: `acs:oss:*:*:${BUCKET}`, prefix: key, allowed: true },
    ]);
    expect(questions.filter((question) => !question.allowed)).toEqual([]);
    await expect(refusalOf(signUrlClient(emulator.url).getObject(key, 1024))).resolves.toEqual({
      operation: 'GetObject',
      status: 403,
      code: 'AccessDenied',
    });
  });
});
