/**
 * Which content types a user may upload: one grammar for the configured list and for a request's value, the
 * default list, and the types a browser may execute, which a `type/*` entry never covers.
 */

const TOKEN = '[a-z0-9][a-z0-9!#$&^_.+-]{0,126}';
/** Exact, lower-case `type/subtype`: no parameters, no case variants, because the value is signed byte for byte. */
export const CONTENT_TYPE = new RegExp(`^${TOKEN}/${TOKEN}$`);
/** An entry of ALLOWED_CONTENT_TYPES: a content type, or `type/*`. */
export const CONTENT_TYPE_ENTRY = new RegExp(`^${TOKEN}/(\\*|${TOKEN})$`);

/** Never HTML, SVG or XML by default: a browser would run them from the bucket's origin. */
export const DEFAULT_CONTENT_TYPES: readonly string[] = [
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/heic',
  'application/pdf',
];

/** Types a browser may execute; a `type/*` entry never covers them, only an exact entry does (see isActiveContentType). */
export const ACTIVE_CONTENT_TYPES: ReadonlySet<string> = new Set([
  'text/html',
  'image/svg+xml',
  'application/xhtml+xml',
  'text/xml',
  'application/xml',
  'text/javascript',
  'application/javascript',
  'application/x-shockwave-flash',
]);

/** Listed above, or any XML, XSL or script flavour (`+xml` types render as XML, which can run script), or multipart. */
export function isActiveContentType(contentType: string): boolean {
  const [type = '', subtype = ''] = contentType.split('/');
  return ACTIVE_CONTENT_TYPES.has(contentType) || type === 'multipart' || subtype.endsWith('+xml') || /xml|xsl|script|html/.test(subtype);
}

export function isContentTypeAllowed(contentType: string, allowed: readonly string[]): boolean {
  if (!CONTENT_TYPE.test(contentType)) return false;
  if (allowed.includes(contentType)) return true;
  if (isActiveContentType(contentType)) return false;
  const family = contentType.slice(0, contentType.indexOf('/'));
  return allowed.includes(`${family}/*`);
}
