/**
 * The Standard Webhooks signing secret as we take it: `whsec_` + the canonical base64 (standard alphabet, padded) of
 * the key bytes. The reference package (`standardwebhooks`, its `Webhook` constructor) reads every such secret to the
 * same key (an interop test checks it for any text); it also takes more, which we refuse: a text without `whsec_`
 * (any 32 letters and digits would pass for base64, so a password-like secret was taken as a key), unpadded base64,
 * and a stray last character it does not read. A secret we take reads the same in every receiver, whatever its
 * language's base64 decoder.
 */

export const WEBHOOK_SECRET_PREFIX = 'whsec_';

const CANONICAL_BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The key bytes of a secret, or undefined when it is not `whsec_` + canonical base64. */
export function webhookKeyOf(secret: string): Uint8Array | undefined {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) return undefined;
  const text = secret.slice(WEBHOOK_SECRET_PREFIX.length);
  if (!CANONICAL_BASE64.test(text)) return undefined;
  const key = Buffer.from(text, 'base64');
  // Padded, whole groups of four, no stray bits: the text is exactly what encoding the key gives.
  return key.length > 0 && key.toString('base64') === text ? new Uint8Array(key) : undefined;
}
