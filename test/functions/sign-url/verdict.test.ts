/**
 * sign-url's VERDICT through the FC edge, against the OSS emulator over HTTP where sign-url's and upload-completed's
 * keys are each allowed exactly what their manifests grant: the four answers (pending, accepted, rejected in words,
 * unknown) from the records upload-completed itself writes, a user asking of another's key refused, and hostile
 * input with its exact status and code.
 */
import { signUrlManifest } from '../../../functions/sign-url/manifest';
import { signUrlFunction } from '../../../functions/sign-url/sign-upload';
import { createUploadCompletedFunction } from '../../../functions/upload-completed/judge-upload';
import { uploadCompletedManifest } from '../../../functions/upload-completed/manifest';
import { deploymentConfig, functionRolePolicy } from '../../../deploy/policies';
import { staticAccounts } from '../../../local/emulator-accounts';
import { startOssEmulator, type OssRequestLog, type RunningOssEmulator } from '../../../local/oss-emulator';
import { samplePng } from '../../../local/sample-files';
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

beforeAll(async () => {
  env = baseEnv({ STS_ROLE_ARN: 'acs:ram::1234567890123456:role/oss-upload' });
  const config = configFrom(deploymentConfig, env);
  const roles = { uploadRoleArn: '', functionRoleArns: {} };
  oss = await startOssEmulator({
    bucket: BUCKET,
    region: 'cn-hangzhou',
    credentials: roleResolver(
      signUrlRole,
      functionRolePolicy(signUrlManifest, config, roles),
      roleResolver(judgeRole, functionRolePolicy(uploadCompletedManifest, config, roles), staticAccounts([root])),
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

test('one OSS read for a judged key (the record); a pending one also HEADs the object; nothing is ever written', async () => {
  const key = 'users/alice/2026/11/counted.png';
  oss.seedObject({ key, body: samplePng(300), contentType: 'image/png' });
  const before = requests.length;
  await verdictOf(key);
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
  expect(byRole(before, judged)).toEqual(['GetObject', 'HeadObject']);
  expect(byRole(judged, requests.length)).toEqual(['GetObject']);
});

test('a verdict older than records are kept: the object stays, and nothing says it was judged: unknown, never pending', async () => {
  const key = 'users/alice/2025/01/old.png';
  oss.seedObject({ key, body: samplePng(300), contentType: 'image/png', lastModified: new Date(Date.now() - 2 * 24 * 3600 * 1000) });
  await expect(verdictOf(key)).resolves.toEqual({ key, verdict: 'unknown' });
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
