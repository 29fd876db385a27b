/**
 * STS uploads get a folder of their own inside the user's prefix: `<prefix>sts/`. Every key `sign-url` issues
 * (PUT, POST, multipart) is `<prefix><yyyy>/<mm>/<random><.ext>`, whose first segment is four digits, so no such
 * key is ever inside this folder; credentials confined to it can therefore never reach, let alone replace, an
 * object `sign-url` promised. The one place the folder is named: session policy, upload role, answer and any
 * check of "is this key an STS key" read it from here.
 */
export const STS_FOLDER = 'sts/';

/** Where a user's STS credentials may write: `<prefix>sts/`. */
export function stsUploadPrefix(userPrefix: string): string {
  return `${userPrefix}${STS_FOLDER}`;
}

/** True when `key` lies in the STS folder of `userPrefix` (a key `sign-url` must never issue). */
export function isInStsFolder(userPrefix: string, key: string): boolean {
  return key.startsWith(stsUploadPrefix(userPrefix));
}
