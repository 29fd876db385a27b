/**
 * deploy/bucket-settings.ts's client on the official OSS SDK (ali-oss): read and replace a bucket's CORS and lifecycle
 * configurations. "Not configured" (404) reads as no rules.
 */
import type OSS from 'ali-oss';
import type { BucketSettingsClient, CorsRuleSetting, LifecycleRuleSetting } from './bucket-settings';

async function orNone<T>(read: () => Promise<T[]>): Promise<T[]> {
  try {
    return await read();
  } catch (error) {
    if ((error as { status?: unknown }).status === 404) return [];
    throw error;
  }
}

/** ali-oss rewrites the rules it is given (`id` becomes `ID`): it gets copies, never ours. */
const copy = <T>(value: T): T => structuredClone(value);

export function aliOssBucketSettings(client: OSS, bucket: string): BucketSettingsClient {
  return {
    getCors: () => orNone(async () => (await client.getBucketCORS(bucket)).rules as unknown as CorsRuleSetting[]),
    putCors: async (rules) => void (await client.putBucketCORS(bucket, copy(rules) as unknown as OSS.CORSRule[])),
    getLifecycle: () => orNone(async () => ((await client.getBucketLifecycle(bucket)).rules ?? []) as unknown as LifecycleRuleSetting[]),
    putLifecycle: async (rules) => void (await client.putBucketLifecycle(bucket, copy(rules) as unknown as OSS.LifecycleRule[])),
  };
}
