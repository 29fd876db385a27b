/**
 * The action after the stack for an existing bucket: CORS and lifecycle rules merged in through the OSS API,
 * idempotent (a second run sends nothing), the bucket's own rules kept, an older version of ours replaced. The
 * client is an in-memory bucket that keeps what is put, as OSS does (each put replaces the whole configuration).
 */
import {
  applyBucketSettings,
  mergeCors,
  type BucketSettingsClient,
  type CorsRuleSetting,
  type LifecycleRuleSetting,
} from '../../deploy/bucket-settings';
import { deploymentConfig } from '../../deploy/policies';
import { configFrom } from '../support/env';

function bucket(
  initial: { cors?: CorsRuleSetting[]; lifecycle?: LifecycleRuleSetting[] } = {},
): BucketSettingsClient & { puts: string[]; cors: CorsRuleSetting[]; lifecycle: LifecycleRuleSetting[] } {
  const state = { puts: [] as string[], cors: initial.cors ?? [], lifecycle: initial.lifecycle ?? [] };
  return Object.assign(state, {
    getCors: () => Promise.resolve(JSON.parse(JSON.stringify(state.cors)) as CorsRuleSetting[]),
    putCors: (rules: CorsRuleSetting[]) => {
      state.puts.push('cors');
      state.cors = JSON.parse(JSON.stringify(rules)) as CorsRuleSetting[];
      return Promise.resolve();
    },
    getLifecycle: () => Promise.resolve(JSON.parse(JSON.stringify(state.lifecycle)) as LifecycleRuleSetting[]),
    putLifecycle: (rules: LifecycleRuleSetting[]) => {
      state.puts.push('lifecycle');
      state.lifecycle = JSON.parse(JSON.stringify(rules)) as LifecycleRuleSetting[];
      return Promise.resolve();
    },
  });
}

const config = configFrom(deploymentConfig, { ALLOWED_ORIGINS: 'https://app.example.com' });
const ours: CorsRuleSetting = {
  allowedOrigin: ['https://app.example.com'],
  allowedMethod: ['PUT', 'POST', 'GET', 'HEAD'],
  allowedHeader: ['*'],
  exposeHeader: ['ETag', 'Location', 'x-oss-request-id'],
  maxAgeSeconds: 600,
};
const theirs: CorsRuleSetting = { allowedOrigin: ['https://cdn.example.com'], allowedMethod: ['GET'], allowedHeader: [], exposeHeader: [] };
const theirLifecycle: LifecycleRuleSetting = { id: 'expire-logs', prefix: 'logs/', status: 'Enabled', expiration: { days: 30 } };

test('a bare bucket gets both rules; a second run sends nothing', async () => {
  const target = bucket();
  expect(await applyBucketSettings(target, config)).toEqual([
    "CORS: rule for https://app.example.com set (0 rule(s) of the bucket's own kept)",
    "lifecycle: rules abort-incomplete-multipart-uploads and expire-upload-verdicts set (0 rule(s) of the bucket's own kept)",
  ]);
  expect(target.cors).toEqual([ours]);
  expect(target.lifecycle).toEqual([
    { id: 'abort-incomplete-multipart-uploads', prefix: 'users/', status: 'Enabled', abortMultipartUpload: { days: 3 } },
    { id: 'expire-upload-verdicts', prefix: 'upload-verdicts/', status: 'Enabled', expiration: { days: 1 } },
  ]);
  expect(await applyBucketSettings(target, config)).toEqual([]);
  expect(target.puts).toEqual(['cors', 'lifecycle']);
});

test("the bucket's own rules are kept, ours first; an older version of ours (other origins) is replaced", async () => {
  const older = { ...ours, allowedOrigin: ['https://old.example.com'] };
  const target = bucket({ cors: [theirs, older], lifecycle: [theirLifecycle] });
  await applyBucketSettings(target, config);
  expect(target.cors).toEqual([ours, theirs]);
  expect(target.lifecycle).toEqual([
    theirLifecycle,
    expect.objectContaining({ id: 'abort-incomplete-multipart-uploads' }),
    expect.objectContaining({ id: 'expire-upload-verdicts' }),
  ]);
  expect(await applyBucketSettings(target, config)).toEqual([]);
});

test('a bucket with only the older rule of ours gets the verdicts rule beside it; one of ours changed is put back', async () => {
  const target = bucket({
    lifecycle: [
      theirLifecycle,
      { id: 'abort-incomplete-multipart-uploads', prefix: 'users/', status: 'Enabled', abortMultipartUpload: { days: 3 } },
    ],
  });
  await applyBucketSettings(target, config);
  expect(target.lifecycle.map((rule) => rule.id)).toEqual(['expire-logs', 'abort-incomplete-multipart-uploads', 'expire-upload-verdicts']);
  target.lifecycle[2] = { ...target.lifecycle[2]!, expiration: { days: 30 } };
  await applyBucketSettings(target, config);
  expect(target.lifecycle[2]).toEqual({
    id: 'expire-upload-verdicts',
    prefix: 'upload-verdicts/',
    status: 'Enabled',
    expiration: { days: 1 },
  });
  expect(target.puts).toEqual(['cors', 'lifecycle', 'lifecycle']);
});

test('values as the SDK reads them back (strings for single elements, numbers as text) count as in place', () => {
  const readBack = {
    allowedOrigin: 'https://app.example.com',
    allowedMethod: ['GET', 'HEAD', 'POST', 'PUT'],
    allowedHeader: '*',
    exposeHeader: ['ETag', 'Location', 'x-oss-request-id'],
    maxAgeSeconds: '600',
  };
  expect(mergeCors([readBack as unknown as CorsRuleSetting], ours)).toBeUndefined();
});

test('no origins: no CORS rule is put; OSS allows at most 10 rules, and the action says so rather than drop one', async () => {
  const none = bucket();
  await applyBucketSettings(none, configFrom(deploymentConfig, { ALLOWED_ORIGINS: '' }));
  expect(none.puts).toEqual(['lifecycle']);
  const full = Array.from({ length: 10 }, (_, index) => ({
    ...theirs,
    allowedOrigin: [`https://${index}.example.com`],
    allowedMethod: [`GET${index}`],
  }));
  await expect(applyBucketSettings(bucket({ cors: full }), config)).rejects.toThrow(
    'the bucket has 10 CORS rules of its own: OSS allows 10 in all',
  );
});
