/**
 * A profile's per-user quota at grant, before anything is signed: the user's usage record says there is room (one
 * small GET, shared/upload/usage-record.ts), or the user's folder of the profile is counted at OSS
 * (shared/upload/quota.ts), which alone may refuse. Profiles without a quota make no call at all.
 */
import { signerCredentials } from '../../shared/alicloud/access-key';
import { createOssClient, OssError, type OssClient } from '../../shared/alicloud/oss-client';
import type { HandleInput } from '../../shared/edge/handler';
import { bytesLeft, countUsage, grantRefusal, grantSettled, hasQuota } from '../../shared/upload/quota';
import type { UploadRules } from '../../shared/upload/rules';
import { parseUsageRecord, USAGE_RECORD_MAX_BYTES } from '../../shared/upload/usage-record';
import { answerForOssError } from './oss-failure-answer';
import type { SignUrlConfig } from './sign-upload';

type Input = Omit<HandleInput<SignUrlConfig>, 'request' | 'input'>;

/** sign-url's client of OSS for one request: its role's credentials, one deadline for all its calls. */
export function ossClientFor(input: Input, rules: UploadRules): OssClient {
  return createOssClient({
    endpoint: rules.ossEndpoint,
    bucket: rules.bucket,
    region: rules.region,
    credentials: signerCredentials(input.context, input.config.fallbackCredentials),
    signatureVersion: input.config.signatureVersion,
    // The function request's whole budget with OSS, whatever steps it takes.
    timeout: { ms: input.config.ossTimeoutMs, covers: 'all calls' },
  });
}

/**
 * Refuses (409 QuotaExceeded) an upload of `bytes` that would take the user over the profile's quota; resolves to
 * the bytes the user may still add (Infinity without a byte quota). `oss` is asked for only when there is a quota.
 */
export async function checkGrantQuota(oss: () => OssClient, rules: UploadRules, bytes: number, usageRecord: string): Promise<number> {
  if (!hasQuota(rules.profile)) return Infinity;
  try {
    const client = oss();
    const recorded = await client.getObject(usageRecord, USAGE_RECORD_MAX_BYTES);
    const record = recorded === undefined ? undefined : parseUsageRecord(recorded);
    if (record !== undefined && grantRefusal(rules.profile, record, bytes) === undefined)
      return bytesLeft(rules.profile, record) ?? Infinity;
    // No record, or one that says there is no room (stale, perhaps: the app may have deleted objects since): count.
    const usage = await countUsage((page) => client.listObjects(page), rules.prefix, grantSettled(rules.profile, bytes));
    const refusal = grantRefusal(rules.profile, usage, bytes);
    if (refusal !== undefined) throw refusal;
    return bytesLeft(rules.profile, usage) ?? Infinity;
  } catch (error) {
    throw error instanceof OssError ? answerForOssError(error) : error;
  }
}
