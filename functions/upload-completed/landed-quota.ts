/**
 * The quota, counted again once an object has landed: grants racing each other each saw room for one more, so what
 * landed may take the user over. The object being judged is counted with the rest of the user's folder of the
 * profile; when the user is over a quota, it is rejected (QuotaExceeded) and removed like any other. An object is
 * kept only if its own count found the user within the quota, and the last of the objects kept to land was counted
 * after all the others had landed: so at most the quota is ever kept (README "Upload profiles", the bound).
 */
import type { OssClient } from '../../shared/alicloud/oss-client';
import { profilePrefix } from '../../shared/upload/profiles';
import { countUsage, hasQuota, landingSettled, overQuota } from '../../shared/upload/quota';
import type { Verdict } from '../../shared/upload/verdict';

/** The verdict, or QuotaExceeded for an accepted object that finds its user over the profile's quota. */
export async function judgeQuota(verdict: Verdict, client: Pick<OssClient, 'listObjects'>): Promise<Verdict> {
  if (verdict.kind !== 'accepted' || !hasQuota(verdict.profile)) return verdict;
  const { owner, profile } = verdict;
  const usage = await countUsage((page) => client.listObjects(page), profilePrefix(owner.prefix, profile), landingSettled(profile));
  return overQuota(profile, usage) === undefined ? verdict : { ...verdict, kind: 'rejected', reason: 'QuotaExceeded' };
}
