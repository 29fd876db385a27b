/**
 * An ETag in the one form every comparison uses: without quotes, upper-case hex (`-<parts>` kept for multipart
 * objects). OSS sends it quoted in headers and XML, unquoted in trigger events; browsers may report either case.
 */
export function normaliseEtag(etag: string): string {
  return unquoteEtag(etag.trim()).toUpperCase();
}

/**
 * An ETag as OSS gave it, only without its quotes: the form S3 clients such as Uppy keep and show (their own
 * reading of an `ETag` header strips the quotes and keeps the case). For display and hand-over, not comparison.
 */
export function unquoteEtag(etag: string): string {
  return etag.replace(/"/g, '');
}
