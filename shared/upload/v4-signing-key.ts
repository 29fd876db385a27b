/**
 * The last step of an OSS V4 signature: HMAC-SHA256 of the string to sign with the signing key, which is itself four
 * HMACs of the secret over the day, the region, `oss` and `aliyun_v4_request` (OSS's V4 specification; ali-oss's
 * `getSignatureV4` computes the same, tested). The key is the same for every request a credential signs that day in
 * that region, so it is derived once and kept: a warm request makes one HMAC instead of five.
 */
import { createHmac } from 'node:crypto';

/** A handful of (secret, day, region) triples: FC's role credentials rotate, days change, the oldest goes first. */
export const MAX_CACHED_SIGNING_KEYS = 8;
const signingKeys = new Map<string, Buffer>();

/** `day` is `yyyymmdd` (UTC), `region` the bare id, e.g. `cn-hangzhou`. */
export function v4SigningKey(accessKeySecret: string, day: string, region: string): Buffer {
  // Neither a day nor a region id holds a newline, so the three parts cannot run into each other.
  const cacheKey = `${day}\n${region}\n${accessKeySecret}`;
  const cached = signingKeys.get(cacheKey);
  if (cached !== undefined) return cached;
  let key = createHmac('sha256', `aliyun_v4${accessKeySecret}`).update(day).digest();
  for (const scope of [region, 'oss', 'aliyun_v4_request']) key = createHmac('sha256', key).update(scope).digest();
  if (signingKeys.size >= MAX_CACHED_SIGNING_KEYS) signingKeys.delete(signingKeys.keys().next().value as string);
  signingKeys.set(cacheKey, key);
  return key;
}

/** The signature, lower-case hex. */
export function v4SignatureOf(accessKeySecret: string, day: string, region: string, stringToSign: string): string {
  return createHmac('sha256', v4SigningKey(accessKeySecret, day, region))
    .update(stringToSign)
    .digest('hex');
}

/** How many keys are kept now (for tests). */
export function cachedSigningKeyCount(): number {
  return signingKeys.size;
}
