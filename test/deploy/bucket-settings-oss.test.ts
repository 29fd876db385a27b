/**
 * The action for an existing bucket over the wire: the official SDK (ali-oss) against the OSS emulator, which keeps
 * CORS and lifecycle configurations as OSS does (each put replaces the whole). The bucket's own rules survive, our
 * CORS rule then answers a browser's preflight, and a second run sends no put at all.
 */
import OSS from 'ali-oss';
import { applyBucketSettings } from '../../deploy/bucket-settings';
import { aliOssBucketSettings } from '../../deploy/bucket-settings-oss';
import { deploymentConfig } from '../../deploy/policies';
import type { CredentialResolver } from '../../local/emulator-accounts';
import { type RunningOssEmulator, startOssEmulator } from '../../local/oss-emulator';
import { configFrom } from '../support/env';

const BUCKET = 'existing-bucket';
const OWNER = { accessKeyId: 'LTAI-deployer', accessKeySecret: 'deployer-secret-0123456789' };
const resolver: CredentialResolver = (accessKeyId) =>
  accessKeyId === OWNER.accessKeyId
    ? { kind: 'found', accessKeySecret: OWNER.accessKeySecret, isAllowed: () => true }
    : { kind: 'error', code: 'InvalidAccessKeyId', message: 'unknown key' };

let oss: RunningOssEmulator;
const operations: string[] = [];
beforeEach(async () => {
  operations.length = 0;
  oss = await startOssEmulator({
    bucket: BUCKET,
    region: 'cn-hangzhou',
    credentials: resolver,
    log: (entry) => void operations.push(entry.operation ?? ''),
  });
});
afterEach(() => oss.close());

const client = (): OSS =>
  new OSS({ ...OWNER, bucket: BUCKET, region: 'oss-cn-hangzhou', endpoint: oss.url, cname: true, authorizationV4: true });
const config = configFrom(deploymentConfig, { OSS_BUCKET: BUCKET, ALLOWED_ORIGINS: 'https://app.example.com' });

test("merged into the bucket's own rules, answering preflights, then idempotent", async () => {
  const sdk = client();
  await sdk.putBucketCORS(BUCKET, [{ allowedOrigin: 'https://cdn.example.com', allowedMethod: 'GET' }]);
  await sdk.putBucketLifecycle(BUCKET, [
    { id: 'expire-logs', prefix: 'logs/', status: 'Enabled', expiration: { days: 30 } } as unknown as OSS.LifecycleRule,
  ]);

  const preflight = (): Promise<Response> =>
    fetch(`${oss.url}/users/alice/cat.png`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'PUT' },
    });
  expect((await preflight()).status).toBe(403);

  expect(await applyBucketSettings(aliOssBucketSettings(sdk, BUCKET), config)).toEqual([
    "CORS: rule for https://app.example.com set (1 rule(s) of the bucket's own kept)",
    "lifecycle: rules abort-incomplete-multipart-uploads and expire-upload-verdicts set (1 rule(s) of the bucket's own kept)",
  ]);
  const cors = (await sdk.getBucketCORS(BUCKET)).rules as unknown as Array<{ allowedOrigin: unknown }>;
  expect(cors.map((rule) => rule.allowedOrigin)).toEqual(['https://app.example.com', 'https://cdn.example.com']);
  const lifecycle = (await sdk.getBucketLifecycle(BUCKET)).rules as unknown as Array<Record<string, unknown>>;
  expect(lifecycle).toEqual([
    expect.objectContaining({ id: 'expire-logs', prefix: 'logs/', expiration: { days: '30' } }),
    expect.objectContaining({
      id: 'abort-incomplete-multipart-uploads',
      prefix: 'users/',
      status: 'Enabled',
      abortMultipartUpload: { days: '3' },
    }),
    expect.objectContaining({ id: 'expire-upload-verdicts', prefix: 'upload-verdicts/', status: 'Enabled', expiration: { days: '1' } }),
  ]);
  const allowed = await preflight();
  expect([allowed.status, allowed.headers.get('access-control-allow-origin')]).toEqual([200, 'https://app.example.com']);

  operations.length = 0;
  expect(await applyBucketSettings(aliOssBucketSettings(client(), BUCKET), config)).toEqual([]);
  expect(operations).toEqual(['GetBucketCors', 'GetBucketLifecycle']);
});

test('a bucket with no configuration at all (404 on both) gets both', async () => {
  expect(await applyBucketSettings(aliOssBucketSettings(client(), BUCKET), config)).toHaveLength(2);
  expect(operations).toEqual(['GetBucketCors', 'PutBucketCors', 'GetBucketLifecycle', 'PutBucketLifecycle']);
});

test('the emulator refuses a lifecycle element it does not model, naming it, rather than keep it unread', async () => {
  const put = client().putBucketLifecycle(BUCKET, [
    { id: 'to-ia', prefix: 'old/', status: 'Enabled', transition: { days: 30, storageClass: 'IA' } } as unknown as OSS.LifecycleRule,
  ]);
  await expect(put).rejects.toMatchObject({ status: 501, code: 'NotImplemented', message: expect.stringContaining('<Transition>') });
});
