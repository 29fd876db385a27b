/**
 * The quota, counted again once an object has landed: grants racing each other each saw room for one more, so what
 * landed may take the user over. The object being judged is counted with the rest of the user's folder of the
 * profile; when the user is over a quota, it is rejected (QuotaExceeded) and removed like any other. An object is
 * kept only if its own count found the user within the quota, and the last of the objects kept to land was counted
 * after all the others had landed: so at most the quota is ever kept (docs/upload-profiles.md, "The bound").
 *
 * The count is written to the user's usage record (shared/upload/usage-record.ts), which grants read instead of
 * listing: a complete count when within the quota, and a count that stopped once over it otherwise (a record at or
 * over the quota makes the next grant count for itself).
 */
import type { OssClient } from '../../shared/alicloud/oss-client';
import type { UploadPrefix } from '../../shared/config/variables';
import { profilePrefix } from '../../shared/upload/profiles';
import { countUsage, hasQuota, landingSettled, overQuota } from '../../shared/upload/quota';
import { serialiseUsageRecord, usageRecordKey } from '../../shared/upload/usage-record';
import type { Verdict } from '../../shared/upload/verdict';

/** The verdict, or QuotaExceeded for an accepted object that finds its user over the profile's quota. */
export async function judgeQuota(
  verdict: Verdict,
  input: { client: Pick<OssClient, 'listObjects' | 'putObject'>; uploadPrefix: UploadPrefix; now: Date },
): Promise<Verdict> {
  if (verdict.kind !== 'accepted' || !hasQuota(verdict.profile)) return verdict;
  const { owner, profile } = verdict;
  const { client } = input;
  const usage = await countUsage((page) => client.listObjects(page), profilePrefix(owner.prefix, profile), landingSettled(profile));
  await client.putObject({
    key: usageRecordKey(input.uploadPrefix, owner.userSegment, profile.name),
    body: serialiseUsageRecord(usage, input.now),
    headers: { 'content-type': 'application/json' },
  });
  return overQuota(profile, usage) === undefined ? verdict : { ...verdict, kind: 'rejected', reason: 'QuotaExceeded' };
}
