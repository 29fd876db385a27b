/** The server's random part of a key: 128 bits from node:crypto (cheaper at cold start than WebCrypto). */
import { randomBytes } from 'node:crypto';

export function randomObjectId(): string {
  return randomBytes(16).toString('base64url');
}
