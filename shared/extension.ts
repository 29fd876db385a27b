/**
 * The one thing a client's filename lends to a key: its extension, lower-cased, `[a-z0-9]`, at most 16 characters,
 * else none. Pure and dependency-free, so the browser client (STS mode picks its own keys) uses the same rule.
 */
export const MAX_EXTENSION_LENGTH = 16;

export function extensionOf(filename: string): string {
  const dot = filename.lastIndexOf('.');
  if (dot < 0) return '';
  const extension = filename.slice(dot + 1).toLowerCase();
  return extension.length >= 1 && extension.length <= MAX_EXTENSION_LENGTH && /^[a-z0-9]+$/.test(extension) ? `.${extension}` : '';
}
