/**
 * The Standard Webhooks signing secret: `whsec_` + the base64 of the key bytes. Read exactly as the reference
 * package (`standardwebhooks` 1.1.1, its `Webhook` constructor) reads it, so every secret that package takes gives
 * the same key here, and every secret it refuses is refused here, at configuration time: an optional `whsec_` is
 * cut once, the rest is decoded as its `@stablelib/base64` 1.0.1 decodes (the standard alphabet, at least 4
 * characters, at most 2 trailing `=`, padding optional; with a length of 4n+1 after the padding, the last character
 * is not read), and an empty key is refused.
 */

export const WEBHOOK_SECRET_PREFIX = 'whsec_';

const ALPHABET = /^[A-Za-z0-9+/]*$/;

/** The key bytes of a secret, or undefined where the reference package would throw. */
export function webhookKeyOf(secret: string): Uint8Array | undefined {
  const text = secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : secret;
  const padding = text.length - text.replace(/=+$/, '').length;
  if (text.length < 4 || padding > 2) return undefined;
  const length = text.length - padding;
  // The decoder reads whole groups of 4 and a last group of 2 or 3; a single character left over is never read.
  const read = text.slice(0, length % 4 === 1 ? length - 1 : length);
  if (!ALPHABET.test(read)) return undefined;
  // Only alphabet characters are left, which Node decodes as the package does (trailing bits ignored).
  const key = Buffer.from(read, 'base64');
  return key.length === 0 ? undefined : new Uint8Array(key);
}
