/**
 * Signed URLs for the parts of a multipart upload `sign-url` started: `PUT` the part's bytes, no headers. The
 * part number and upload id are signed sub-resources, so a URL serves one part of one upload only; with V4 the
 * part's length is signed too (every part the plan's part size, the last what remains of the declared size).
 */
import type { SignerCredentials } from '../alicloud/access-key';
import type { SignatureVersion } from '../config/variables';
import type { SignedPart } from '../contract';
import { partRange } from './parts';
import type { UploadRules } from './rules';
import { SIGNATURE_SCHEMES } from './signature-schemes';
import { objectUrl, queryString } from './signed-upload';
import type { UploadPlan } from './upload-handle';

export interface PartSigningInput {
  rules: UploadRules;
  key: string;
  /** OSS's id of the upload: what the part URLs name. */
  uploadId: string;
  /** The declared size and part size, from which each part's length follows. */
  plan: UploadPlan;
  /** Each from 1 to the plan's part count. */
  partNumbers: readonly number[];
  credentials: SignerCredentials;
  now: Date;
  lifetimeSeconds: number;
  version: SignatureVersion;
}

export function signPartUrls(input: PartSigningInput): { parts: SignedPart[]; expiresAt: string } {
  const { rules, key, uploadId, credentials, now, lifetimeSeconds } = input;
  const scheme = SIGNATURE_SCHEMES[input.version];
  const base = objectUrl(rules.ossEndpoint, key);
  const parts = input.partNumbers.map((partNumber) => {
    const query = scheme.presignPart({
      bucket: rules.bucket,
      region: rules.region,
      key,
      uploadId,
      partNumber,
      contentLength: partLength(input.plan, partNumber),
      credentials,
      now,
      lifetimeSeconds,
    });
    return { partNumber, url: `${base}?${queryString(query)}` };
  });
  return { parts, expiresAt: new Date(now.getTime() + lifetimeSeconds * 1000).toISOString() };
}

/** Part `partNumber`'s length under the plan: the part size, or what remains of the size for the last. */
export function partLength(plan: UploadPlan, partNumber: number): number {
  const { start, end } = partRange({ partSize: plan.partSize, partCount: partCountOf(plan) }, plan.size, partNumber);
  return end - start;
}

export function partCountOf(plan: UploadPlan): number {
  return Math.max(1, Math.ceil(plan.size / plan.partSize));
}
