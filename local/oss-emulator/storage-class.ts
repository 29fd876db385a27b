/**
 * Storage classes, as OSS has them: an upload may ask for any of the five (`x-oss-storage-class`, or the
 * PostObject field of that name); Standard and IA objects are read like any other, while Archive, Cold Archive
 * and Deep Cold Archive objects must be restored first: GetObject and CopyObject from them answer 403
 * InvalidObjectState (HeadObject and DeleteObject work). The emulator models a bucket without real-time access of
 * Archive objects; restoring (`?restore`) is not emulated.
 */
import { OssError, invalidArgument } from './errors';

export const STORAGE_CLASSES = ['Standard', 'IA', 'Archive', 'ColdArchive', 'DeepColdArchive'] as const;
export type StorageClass = (typeof STORAGE_CLASSES)[number];

const FROZEN: ReadonlySet<StorageClass> = new Set(['Archive', 'ColdArchive', 'DeepColdArchive']);

/** The class an upload asks for (compared case-insensitively, as OSS does); Standard when it asks for none. */
export function requestedStorageClass(value: string | undefined, name = 'x-oss-storage-class'): StorageClass {
  const trimmed = value?.trim() ?? '';
  if (trimmed === '') return 'Standard';
  const found = STORAGE_CLASSES.find((storageClass) => storageClass.toLowerCase() === trimmed.toLowerCase());
  if (found === undefined) {
    throw invalidArgument(`${name} has a value OSS does not accept.`, { ArgumentName: name, ArgumentValue: trimmed.slice(0, 64) });
  }
  return found;
}

/** Refuses reading (or copying) the bytes of an object that would have to be restored first. */
export function checkReadable(storageClass: StorageClass): void {
  if (FROZEN.has(storageClass)) {
    throw new OssError(403, 'InvalidObjectState', "The operation is not valid for the object's state", { StorageClass: storageClass });
  }
}
