/** The key sign-url issues for an upload, whichever way it is uploaded: the extension comes from the content type. */
import { extensionFor } from '../../shared/upload/extensions';
import { objectKeyWithExtension } from '../../shared/upload/keys';
import { randomObjectId } from '../../shared/upload/random-id';

export function issueObjectKey(prefix: string, upload: { contentType: string; filename: string }, now: Date): string {
  return objectKeyWithExtension(prefix, extensionFor(upload.contentType, upload.filename), now, randomObjectId());
}
