/**
 * What a user is called outside the token: the `{user}` segment of their prefix (readable by default, or opaque),
 * and the short tag in log lines and STS session names. Every form yields only `[A-Za-z0-9_-]`, so it can never
 * carry a wildcard, a separator or `..`, and, with the `/` that UPLOAD_PREFIX requires after it, one user's prefix is
 * never inside another's. The three segment forms cannot collide: `_` in the readable form is always followed by two
 * hex digits, the digest form starts `_h`, the opaque form `_k`.
 */
import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { AuthConfig, UsersConfig } from '../config/sections';

/** Longer readable segments are replaced by a digest so prefixes and session policies stay short. */
export const MAX_USER_SEGMENT_LENGTH = 64;
/** User tags an instance remembers before it starts afresh. */
export const MAX_REMEMBERED_TAGS = 1024;

export interface UserIds {
  segmentFor(subject: string): string;
  /** 16 hex digits, keyed: not reversible, and not to be checked against a guessed subject without the key. */
  tagFor(userSegment: string): string;
}

/** HKDF-SHA256 (empty salt) of a secret, one key per use, so the segment, the log tag and the upload handles never share a key. */
export function derivedKey(secret: Uint8Array, use: 'user segment' | 'log user hash' | 'multipart upload handle'): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, new Uint8Array(0), use, 32));
}

export function createUserIds(users: UsersConfig, auth?: AuthConfig): UserIds {
  // The tag's key: USER_HASH_SECRET, else one derived from the HS256 secret; with neither (JWKS, or no tokens at all
  // as in upload-completed, without USER_HASH_SECRET), a random key per instance, so tags match only within one instance (a cold-start warning says so).
  const tagKey =
    users.hashSecret !== undefined
      ? derivedKey(users.hashSecret, 'log user hash')
      : auth?.kind === 'secret'
        ? derivedKey(auth.secret, 'log user hash')
        : randomBytes(32);
  const segmentKey =
    users.segment === 'opaque' && users.hashSecret !== undefined ? derivedKey(users.hashSecret, 'user segment') : undefined;
  // A returning user's tag is remembered: a warm request skips its HMAC (~1 µs). Bounded, like the STS cache.
  const tags = new Map<string, string>();
  return {
    segmentFor: segmentKey === undefined ? userSegmentFor : (subject) => opaqueUserSegment(segmentKey, subject),
    tagFor: (userSegment) => {
      let tag = tags.get(userSegment);
      if (tag === undefined) {
        tag = createHmac('sha256', tagKey).update(userSegment, 'utf8').digest('hex').slice(0, 16);
        if (tags.size >= MAX_REMEMBERED_TAGS) tags.clear();
        tags.set(userSegment, tag);
      }
      return tag;
    },
  };
}

/** `_k` + HMAC-SHA256 of the subject in hex: stable for as long as the key is, and says nothing about the user. */
export function opaqueUserSegment(segmentKey: Uint8Array, subject: string): string {
  return `_k${createHmac('sha256', segmentKey).update(subject, 'utf8').digest('hex')}`;
}

/**
 * The readable form. `[A-Za-z0-9-]` stay as they are; every other UTF-8 byte becomes `_` and two lower-case hex
 * digits. Since `_` is always escaped itself, the code is prefix-free and so injective. Segments longer than
 * MAX_USER_SEGMENT_LENGTH become `_h` + the subject's SHA-256 in hex: `_h` never starts an escape (h is not a hex
 * digit), so the two forms cannot collide.
 */
export function userSegmentFor(subject: string): string {
  let encoded = '';
  for (const byte of Buffer.from(subject, 'utf8')) {
    const char = String.fromCharCode(byte);
    encoded += /[A-Za-z0-9-]/.test(char) ? char : `_${byte.toString(16).padStart(2, '0')}`;
    if (encoded.length > MAX_USER_SEGMENT_LENGTH) break;
  }
  if (encoded.length > MAX_USER_SEGMENT_LENGTH || encoded === '') {
    return `_h${createHash('sha256').update(subject, 'utf8').digest('hex')}`;
  }
  return encoded;
}
