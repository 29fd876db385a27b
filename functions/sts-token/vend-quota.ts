/**
 * A profile's per-user quota before credentials are vended: STS credentials can write any number of objects until
 * they expire, so the quota is checked once here (a user already at it gets a 409; the usage record when it says
 * there is room, else a count at OSS) and again by upload-completed after every object lands. Profiles without a
 * quota make no call at all.
 */
import type { SignerCredentials } from '../../shared/alicloud/access-key';
import { createOssClient, OssError } from '../../shared/alicloud/oss-client';
import { HttpError, internalError } from '../../shared/edge/errors';
import { countUsage, grantRefusal, grantSettled, hasQuota } from '../../shared/upload/quota';
import type { UploadRules } from '../../shared/upload/rules';
import { parseUsageRecord, USAGE_RECORD_MAX_BYTES } from '../../shared/upload/usage-record';

const RETRY_AFTER_SECONDS = '2';

export async function checkVendQuota(input: {
  config: { ossTimeoutMs: number };
  caller: SignerCredentials;
  rules: UploadRules;
  /** The user's usage record of the profile. */
  usageRecord: string;
}): Promise<void> {
  const { rules } = input;
  if (!hasQuota(rules.profile)) return;
  const oss = createOssClient({
    endpoint: rules.ossEndpoint,
    bucket: rules.bucket,
    region: rules.region,
    credentials: input.caller,
    timeout: { ms: input.config.ossTimeoutMs, covers: 'all calls' },
  });
  let refusal: HttpError | undefined;
  try {
    const recorded = await oss.getObject(input.usageRecord, USAGE_RECORD_MAX_BYTES);
    const record = recorded === undefined ? undefined : parseUsageRecord(recorded);
    if (record !== undefined && grantRefusal(rules.profile, record, rules.minBytes) === undefined) return;
    const usage = await countUsage((page) => oss.listObjects(page), rules.prefix, grantSettled(rules.profile, rules.minBytes));
    refusal = grantRefusal(rules.profile, usage, rules.minBytes);
  } catch (error) {
    if (!(error instanceof OssError)) throw error;
    if (!error.retryable) throw internalError(error.message);
    throw new HttpError(503, 'UpstreamUnavailable', 'the storage service is unavailable, retry shortly', {
      headers: { 'Retry-After': RETRY_AFTER_SECONDS },
      logDetail: error.message,
    });
  }
  if (refusal !== undefined) throw refusal;
}
