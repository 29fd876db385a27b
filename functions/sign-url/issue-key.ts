/**
 * The key sign-url issues for an upload, whichever way it is uploaded: a new random key whose extension comes from
 * the content type, or for a fixed-key profile the user's one key of that profile.
 */
import { extensionFor } from '../../shared/upload/extensions';
import { objectKeyWithExtension } from '../../shared/upload/keys';
import { fixedObjectKey } from '../../shared/upload/profiles';
import { randomObjectId } from '../../shared/upload/random-id';
import type { UploadRules } from '../../shared/upload/rules';

export function issueObjectKey(
  rules: Pick<UploadRules, 'prefix' | 'profile'>,
  upload: { contentType: string; filename: string },
  now: Date,
): string {
  if (rules.profile.key === 'fixed') return fixedObjectKey(rules.prefix);
  return objectKeyWithExtension(rules.prefix, extensionFor(upload.contentType, upload.filename), now, randomObjectId());
}
