/**
 * The key layout: `<prefix><yyyy>/<mm>/<random id><.ext>`, chosen by the server (which derives the extension from the
 * content type: extensions.ts). Dependency-free, so the browser client (STS mode picks its own keys) uses this very code.
 */
export const MAX_EXTENSION_LENGTH = 16;

/** The filename's extension, lower-cased, `[a-z0-9]`, at most 16 characters, else none. */
export function extensionOf(filename: string): string {
  const dot = filename.lastIndexOf('.');
  if (dot < 0) return '';
  const extension = filename.slice(dot + 1).toLowerCase();
  return extension.length >= 1 && extension.length <= MAX_EXTENSION_LENGTH && /^[a-z0-9]+$/.test(extension) ? `.${extension}` : '';
}

/**
 * `<prefix><yyyy>/<mm>/<randomId><extension>`; `extension` is `.ext` or empty. `randomId` carries 128 random bits
 * (base64url), so nobody can predict, or pre-empt, another upload's key.
 */
export function objectKeyWithExtension(prefix: string, extension: string, now: Date, randomId: string): string {
  const year = String(now.getUTCFullYear()).padStart(4, '0');
  const month = String(now.getUTCMonth() + 1).padStart(2, '0');
  return `${prefix}${year}/${month}/${randomId}${extension}`;
}

/** The key with the filename's own extension (the browser's STS mode, which picks its keys itself). */
export function objectKeyFor(prefix: string, filename: string, now: Date, randomId: string): string {
  return objectKeyWithExtension(prefix, extensionOf(filename), now, randomId);
}

const ISSUED_KEY_TAIL = new RegExp(`^\\d{4}/\\d{2}/[A-Za-z0-9_-]{22}(\\.[a-z0-9]{1,${MAX_EXTENSION_LENGTH}})?$`);

/**
 * Whether `key` has the form `objectKeyFor` gives under `prefix`: the only keys a multipart step may name. The
 * date folder right after the prefix also keeps it out of any other folder a prefix holds.
 */
export function isIssuedKey(prefix: string, key: string): boolean {
  return key.startsWith(prefix) && ISSUED_KEY_TAIL.test(key.slice(prefix.length));
}
