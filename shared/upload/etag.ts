/**
 * An ETag in the one form every comparison uses: without quotes, upper-case hex (`-<parts>` kept for multipart
 * objects). OSS sends it quoted in headers and XML, unquoted in trigger events; browsers may report either case.
 */
export function normaliseEtag(etag: string): string {
  return etag.trim().replace(/"/g, '').toUpperCase();
}
