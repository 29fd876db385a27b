/**
 * The server's random part of a key: 128 bits from node:crypto (cheaper at cold start than WebCrypto), drawn from a
 * pool filled 4 KiB at a time (one call to the CSPRNG per 256 keys instead of one per key: ~3.5 µs of a warm
 * sign-url request, docs/performance.md). Each byte is handed out once: the offset only moves forward, and an
 * exhausted pool is replaced by fresh bytes, never reused.
 */
import { randomFillSync } from 'node:crypto';

export const RANDOM_ID_BYTES = 16;
export const RANDOM_POOL_BYTES = 4096;

// Allocated on its own (not a slice of Node's shared Buffer pool), filled before the first use.
const pool = Buffer.allocUnsafeSlow(RANDOM_POOL_BYTES);
let offset = RANDOM_POOL_BYTES;

export function randomObjectId(): string {
  if (offset + RANDOM_ID_BYTES > RANDOM_POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + RANDOM_ID_BYTES);
  offset += RANDOM_ID_BYTES;
  return id;
}
