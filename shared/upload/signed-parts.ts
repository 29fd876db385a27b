/**
 * Signed URLs for the parts of a multipart upload `sign-url` started: `PUT` the part's bytes, no headers. The
 * part number and upload id are signed sub-resources, so a URL serves one part of one upload only.
 */
import type { SignerCredentials } from '../alicloud/access-key';
import type { SignatureVersion } from '../config/variables';
import type { SignedPart } from '../contract';
import type { UploadRules } from './rules';
import { SIGNATURE_SCHEMES } from './signature-schemes';
import { objectUrl, queryString } from './signed-upload';

export interface PartSigningInput {
  rules: UploadRules;
  key: string;
  uploadId: string;
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
      credentials,
      now,
      lifetimeSeconds,
    });
    return { partNumber, url: `${base}?${queryString(query)}` };
  });
  return { parts, expiresAt: new Date(now.getTime() + lifetimeSeconds * 1000).toISOString() };
}
