/**
 * Whose upload a key is: the `{user}` segment of UPLOAD_PREFIX, when the key lies in a user's prefix with a
 * segment some subject really encodes to. Anything else (the folder itself, another folder of the app, a
 * segment no grant can produce) belongs to nobody we issued permissions to, and is not ours to judge.
 */
import { userSegmentFor } from '../auth/user-ids';
import type { UploadPrefix } from '../config/variables';

export interface UploadOwner {
  /** The `{user}` segment, exactly as in the key. */
  userSegment: string;
  /** `UPLOAD_PREFIX` for that user; the key starts with it. */
  prefix: string;
}

/** The digest form of a long readable segment (`_h`), and the opaque form (`_k`, USER_SEGMENT=opaque). */
const HEX_SEGMENT = /^_[hk][0-9a-f]{64}$/;

/** The owner of `key`, or undefined when the key is in no user's prefix. */
export function uploadOwnerOf(key: string, uploadPrefix: UploadPrefix): UploadOwner | undefined {
  if (!key.startsWith(uploadPrefix.before)) return undefined;
  const rest = key.slice(uploadPrefix.before.length);
  const end = rest.indexOf(uploadPrefix.after);
  if (end <= 0) return undefined;
  const userSegment = rest.slice(0, end);
  const prefix = `${uploadPrefix.before}${userSegment}${uploadPrefix.after}`;
  // The prefix itself is a key too (a "folder" object): it is the user's, and judged like any other.
  if (!isWellFormedUserSegment(userSegment)) return undefined;
  return { userSegment, prefix };
}

/**
 * What a grant can yield for some subject: a digest or opaque form, or the escape form of a subject it round-trips
 * to. Opaque segments are accepted whatever USER_SEGMENT says now: objects outlive a change of the setting, and the
 * readable form can never produce one (`_` is always followed by two hex digits there).
 */
export function isWellFormedUserSegment(segment: string): boolean {
  if (HEX_SEGMENT.test(segment)) return true;
  if (!/^(?:[A-Za-z0-9-]|_[0-9a-f]{2})+$/.test(segment)) return false;
  const bytes: number[] = [];
  for (let i = 0; i < segment.length; i += 1) {
    if (segment[i] === '_') {
      bytes.push(parseInt(segment.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(segment.charCodeAt(i));
    }
  }
  let subject: string;
  try {
    subject = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
  } catch {
    return false;
  }
  return userSegmentFor(subject) === segment;
}
