/**
 * sign-url's multipart upload handle recomputed from its definition with node:crypto alone (docs/api.md, "Multipart
 * uploads"): `<OSS upload id>.<size>.<part size>.<mac>`, the MAC being the first 16 bytes of HMAC-SHA256 under
 * HKDF-SHA256(secret, empty salt, "multipart upload handle"), over "upload handle", the key, the OSS upload id, the
 * size and the part size, each on its own line; base64url.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import { TEST_JWT_SECRET } from './tokens';

export function handleFor(input: { key: string; ossUploadId: string; size: number; partSize: number; secret?: string }): string {
  const macKey = Buffer.from(hkdfSync('sha256', input.secret ?? TEST_JWT_SECRET, new Uint8Array(0), 'multipart upload handle', 32));
  const mac = createHmac('sha256', macKey)
    .update(`upload handle\n${input.key}\n${input.ossUploadId}\n${input.size}\n${input.partSize}`)
    .digest()
    .subarray(0, 16)
    .toString('base64url');
  return `${input.ossUploadId}.${input.size}.${input.partSize}.${mac}`;
}

/** OSS's own upload id inside a handle. */
export const ossUploadIdOf = (uploadId: string): string => uploadId.split('.')[0] ?? '';
