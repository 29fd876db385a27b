/** Object keys are chosen by the server: `<prefix><yyyy>/<mm>/<random id><.ext>`. */
import { randomBytes } from 'node:crypto';
import { extensionOf } from './extension';

export { extensionOf, MAX_EXTENSION_LENGTH } from './extension';

/** 128 random bits: unguessable, so nobody can predict (or pre-empt) another upload's key. */
export function randomObjectId(): string {
  return randomBytes(16).toString('base64url');
}

export function objectKeyFor(prefix: string, filename: string, now: Date, randomId: string = randomObjectId()): string {
  const year = String(now.getUTCFullYear()).padStart(4, '0');
  const month = String(now.getUTCMonth() + 1).padStart(2, '0');
  return `${prefix}${year}/${month}/${randomId}${extensionOf(filename)}`;
}
