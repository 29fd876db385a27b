/**
 * The HS256 signature of a compact JWT, with node:crypto alone (RFC 7515 §A.1): HMAC-SHA256 over `<header>.<payload>`
 * with the shared secret, compared in constant time. No library is loaded for it, which keeps jose off the cold path.
 */
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { CompactJwt } from './jwt-rules';
import { tokenRejected } from './token-rejections';

const SIGNATURE_BYTES = 32;

export type Hs256Check = (jwt: CompactJwt) => void;

export function hs256SignatureCheck(secret: Uint8Array): Hs256Check {
  const key: KeyObject = createSecretKey(secret);
  return (jwt) => {
    const signature = Buffer.from(jwt.signaturePart, 'base64url');
    const expected = createHmac('sha256', key).update(jwt.signingInput, 'latin1').digest();
    // Both are 32 bytes before they are compared: timingSafeEqual throws on different lengths.
    if (signature.length !== SIGNATURE_BYTES || !timingSafeEqual(signature, expected)) throw tokenRejected('bad_signature');
  };
}
