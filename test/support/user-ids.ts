/**
 * The user tag and the opaque `{user}` segment, recomputed from docs/security.md's description with node:crypto (HKDF-SHA256
 * with an empty salt, then HMAC-SHA256), so tests compare the code against the documented derivation.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import { TEST_JWT_SECRET } from './tokens';

const hkdf = (secret: string, info: string): Buffer =>
  Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), info, 32));

/** The log tag of a user segment: keyed by USER_HASH_SECRET, else by AUTH_JWT_SECRET (the tests' secret by default). */
export function expectedUserTag(userSegment: string, secret: string = TEST_JWT_SECRET): string {
  return createHmac('sha256', hkdf(secret, 'log user hash')).update(userSegment, 'utf8').digest('hex').slice(0, 16);
}

/** The opaque `{user}` segment for USER_SEGMENT=opaque. */
export function expectedOpaqueSegment(subject: string, userHashSecret: string): string {
  return `_k${createHmac('sha256', hkdf(userHashSecret, 'user segment')).update(subject, 'utf8').digest('hex')}`;
}
