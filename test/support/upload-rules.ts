/** Upload rules written out by hand in a test, with the one profile a deployment without a profiles file has. */
import { profilesFromVariables } from '../../shared/upload/profiles';
import type { UploadRules } from '../../shared/upload/rules';

export function rulesOf(fields: Omit<UploadRules, 'profile' | 'minBytes'> & Partial<Pick<UploadRules, 'minBytes'>>): UploadRules {
  const [profile] = profilesFromVariables({
    allowedContentTypes: fields.allowedContentTypes,
    maxUploadBytes: fields.maxBytes,
    signedUrlTtlSeconds: fields.ttlSeconds,
  }).list;
  return { minBytes: 1, ...fields, profile: profile! };
}
