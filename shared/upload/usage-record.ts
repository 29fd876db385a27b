/**
 * The usage record: what upload-completed last counted in one user's folder of one profile (its objects and their
 * bytes), kept in OSS beside the users' folder, at `<folder>.usage/<user segment>/<profile>` (`users.usage/alice/
 * documents` for UPLOAD_PREFIX `users/{user}/`): outside every user's prefix, so no grant of a user reaches it and the
 * OSS trigger never fires on it. A grant reads it (one small GET) instead of listing the folder, which takes a page per
 * 1000 objects. It is only ever trusted to say there is room: a record saying the user is at the quota may be stale
 * (the app deleted objects since), so that is checked by listing. What it lets through, upload-completed counts again
 * after the object lands, by listing, and writes the record anew.
 */
import type { UploadPrefix } from '../config/variables';
import type { Usage } from './quota';

/** `users/` → `users.usage/`: beside the users' folder, never inside it. */
export function usageFolderOf(uploadPrefix: Pick<UploadPrefix, 'before'>): string {
  return `${uploadPrefix.before.replace(/\/$/, '')}.usage/`;
}

export function usageRecordKey(uploadPrefix: Pick<UploadPrefix, 'before'>, userSegment: string, profile: string): string {
  return `${usageFolderOf(uploadPrefix)}${userSegment}/${profile}`;
}

/** The most a record is read of: it is a few dozen bytes. */
export const USAGE_RECORD_MAX_BYTES = 256;

export function serialiseUsageRecord(usage: Usage, countedAt: Date): Buffer {
  return Buffer.from(JSON.stringify({ objects: usage.objects, bytes: usage.bytes, countedAt: countedAt.toISOString() }), 'utf8');
}

/** The usage a record holds; undefined for anything else (a grant then lists, as without a record). */
export function parseUsageRecord(bytes: Buffer): Usage | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { objects, bytes: total } = parsed as Record<string, unknown>;
  const count = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
  return count(objects) && count(total) ? { objects, bytes: total } : undefined;
}
