/**
 * A profile's per-user quotas (maxObjectsPerUser, maxBytesPerUser), counted from OSS itself: the user's folder of the
 * profile is listed, so every instance of every function agrees without a database of ours. Counted twice: at grant
 * (a user already at the quota gets no new permission) and by upload-completed once an object has landed (the
 * uploads that raced past the first count are the ones it finds over the quota, and removes).
 *
 * The listing stops as soon as the answer is known, and never reads more than MAX_COUNTED_OBJECTS entries: a profile
 * with a byte quota and no object quota keeps at most that many objects per user, so the count is always complete.
 */
import type { ObjectPage } from '../alicloud/oss-client';
import { HttpError } from '../edge/errors';
import { formatBytes } from './byte-size';
import type { UploadProfile } from './profiles';

/** The most objects one user may keep in a profile with a quota: what a grant lists at most (10 pages of 1000). */
export const MAX_COUNTED_OBJECTS = 10_000;
/** OSS's largest page. */
export const LISTING_PAGE_SIZE = 1000;

export type QuotaProfile = Pick<UploadProfile, 'name' | 'maxObjectsPerUser' | 'maxBytesPerUser'>;

/** What one user keeps in one profile's folder. */
export interface Usage {
  objects: number;
  bytes: number;
}

/** Lists one page: the OSS client's `listObjects`. */
export type ListObjects = (input: { prefix: string; marker: string; maxKeys: number }) => Promise<ObjectPage>;

export function hasQuota(profile: QuotaProfile): boolean {
  return profile.maxObjectsPerUser !== undefined || profile.maxBytesPerUser !== undefined;
}

/** The objects a user may keep: maxObjectsPerUser, or MAX_COUNTED_OBJECTS under a byte quota alone. */
export function objectLimitOf(profile: QuotaProfile): number {
  return profile.maxObjectsPerUser ?? MAX_COUNTED_OBJECTS;
}

/** What is kept under `prefix`, counted until `known(usage)` says the answer is settled, or the listing ends. */
export async function countUsage(list: ListObjects, prefix: string, known: (usage: Usage) => boolean): Promise<Usage> {
  const usage: Usage = { objects: 0, bytes: 0 };
  let marker = '';
  for (;;) {
    const page = await list({ prefix, marker, maxKeys: LISTING_PAGE_SIZE });
    for (const object of page.objects) {
      usage.objects += 1;
      usage.bytes += object.size;
      if (known(usage)) return usage;
    }
    if (page.nextMarker === undefined) return usage;
    marker = page.nextMarker;
  }
}

/**
 * At grant: whether one more object of `bytes` bytes (the least the upload can be, when its size is not known)
 * fits; the 409 QuotaExceeded saying what is kept and what is allowed when it does not.
 */
export function grantRefusal(profile: QuotaProfile, usage: Usage, bytes: number): HttpError | undefined {
  const objectLimit = objectLimitOf(profile);
  if (usage.objects + 1 > objectLimit) {
    return quotaExceeded(
      `profile ${profile.name} keeps at most ${objectLimit} objects per user and you have ${usage.objects}: delete one before uploading another`,
    );
  }
  const byteLimit = profile.maxBytesPerUser;
  if (byteLimit !== undefined && usage.bytes + bytes > byteLimit) {
    return quotaExceeded(
      `profile ${profile.name} keeps at most ${formatBytes(byteLimit)} per user and you have ${formatBytes(usage.bytes)}: ` +
        `a file of ${formatBytes(bytes)} would take you to ${formatBytes(usage.bytes + bytes)}`,
    );
  }
  return undefined;
}

/** The listing a grant needs: it stops once the user is known to be refused. */
export function grantSettled(profile: QuotaProfile, bytes: number): (usage: Usage) => boolean {
  return (usage) => grantRefusal(profile, usage, bytes) !== undefined;
}

/** After landing (the object judged among those counted): the reason in words when the user is over a quota now. */
export function overQuota(profile: QuotaProfile, usage: Usage): string | undefined {
  const objectLimit = objectLimitOf(profile);
  if (usage.objects > objectLimit) return `${usage.objects} objects, over profile ${profile.name}'s ${objectLimit} per user`;
  const byteLimit = profile.maxBytesPerUser;
  if (byteLimit !== undefined && usage.bytes > byteLimit) {
    return `${formatBytes(usage.bytes)}, over profile ${profile.name}'s ${formatBytes(byteLimit)} per user`;
  }
  return undefined;
}

/** The listing upload-completed needs: it stops once the user is known to be over. */
export function landingSettled(profile: QuotaProfile): (usage: Usage) => boolean {
  return (usage) => overQuota(profile, usage) !== undefined;
}

/** The byte quota a user has left in the profile: what a POST form's size range may allow at most. */
export function bytesLeft(profile: QuotaProfile, usage: Usage): number | undefined {
  return profile.maxBytesPerUser === undefined ? undefined : Math.max(0, profile.maxBytesPerUser - usage.bytes);
}

function quotaExceeded(message: string): HttpError {
  return new HttpError(409, 'QuotaExceeded', message);
}
