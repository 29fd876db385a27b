/**
 * The `uploadId` sign-url answers MULTIPART with: OSS's upload id, the size the client declared and the part size
 * sign-url planned, and an HMAC over them and the key, `<OSS upload id>.<size>.<part size>.<mac>`. The client
 * passes it back unchanged on PARTS, COMPLETE and ABORT (it is the upload's handle with the key, and nothing is
 * stored anywhere); it cannot change the size or the part size without the function's key, so PARTS signs each
 * part URL for its exact length and never beyond the declared part count.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { derivedKey } from '../auth/user-ids';
import type { AuthConfig, UsersConfig } from '../config/sections';

export interface UploadPlan {
  /** The whole upload's size, as declared at MULTIPART. */
  size: number;
  /** Every part but the last is this long. */
  partSize: number;
}

export interface SignedUploadHandle extends UploadPlan {
  /** OSS's id of the multipart upload. */
  ossUploadId: string;
  /** The MAC as the client sent it (base64url). */
  mac: string;
}

/** OSS's upload ids are hex; anything of reasonable shape is left for OSS to call unknown (NoSuchUpload). */
const OSS_UPLOAD_ID = /^[A-Za-z0-9_-]{1,128}$/;
/** 128 bits of HMAC-SHA256, base64url. */
const MAC_BYTES = 16;
const HANDLE = /^([A-Za-z0-9_-]{1,128})\.([1-9]\d{0,15})\.([1-9]\d{0,15})\.([A-Za-z0-9_-]{22})$/;

function macOf(macKey: Uint8Array, key: string, ossUploadId: string, plan: UploadPlan): Buffer {
  // Newline-separated: no field holds a newline (keys sign-url issues never do; the others are digits and hex).
  return createHmac('sha256', macKey)
    .update(`upload handle\n${key}\n${ossUploadId}\n${plan.size}\n${plan.partSize}`, 'utf8')
    .digest()
    .subarray(0, MAC_BYTES);
}

export function issueUploadHandle(input: { macKey: Uint8Array; key: string; ossUploadId: string; plan: UploadPlan }): string {
  if (!OSS_UPLOAD_ID.test(input.ossUploadId)) throw new Error('OSS answered an upload id sign-url cannot carry');
  const mac = macOf(input.macKey, input.key, input.ossUploadId, input.plan).toString('base64url');
  return `${input.ossUploadId}.${input.plan.size}.${input.plan.partSize}.${mac}`;
}

/** The parts of a handle, when it has the shape sign-url issues (not yet whether sign-url issued it). */
export function parseUploadHandle(uploadId: string): SignedUploadHandle | undefined {
  const match = HANDLE.exec(uploadId);
  if (match === null) return undefined;
  const [, ossUploadId = '', size = '', partSize = '', mac = ''] = match;
  const plan = { size: Number(size), partSize: Number(partSize) };
  return Number.isSafeInteger(plan.size) && Number.isSafeInteger(plan.partSize) ? { ossUploadId, ...plan, mac } : undefined;
}

/** Whether sign-url issued this handle for this key (constant time). */
export function isIssuedHandle(macKey: Uint8Array, key: string, handle: SignedUploadHandle): boolean {
  const expected = macOf(macKey, key, handle.ossUploadId, handle);
  const given = Buffer.from(handle.mac, 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The handles' key, derived (HKDF, its own use) from a secret every instance shares: USER_HASH_SECRET, else the
 * HS256 secret. Undefined with neither (a JWKS without USER_HASH_SECRET): a key of one instance's own would refuse
 * every later step that another instance serves, so sign-url refuses that configuration at cold start instead.
 */
export function uploadHandleKey(edge: { auth: AuthConfig; users: UsersConfig }): Buffer | undefined {
  const secret = edge.users.hashSecret ?? (edge.auth.kind === 'secret' ? edge.auth.secret : undefined);
  return secret === undefined ? undefined : derivedKey(secret, 'multipart upload handle');
}
