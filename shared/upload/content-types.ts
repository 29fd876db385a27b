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

/**
 * Types a browser, a plug-in or the operating system may run as code, so a `type/*` entry never covers them (only an
 * exact entry does). Each group names where it comes from; isActiveContentType adds the families and patterns.
 */
export const ACTIVE_CONTENT_TYPES: ReadonlySet<string> = new Set([
  // WHATWG MIME Sniffing §4.6 "MIME type groups" (https://mimesniff.spec.whatwg.org/#mime-type-groups): every
  // JavaScript MIME type essence (the HTML standard's list, which browsers must all recognise as script) ...
  'application/ecmascript',
  'application/javascript',
  'application/x-ecmascript',
  'application/x-javascript',
  'text/ecmascript',
  'text/javascript',
  'text/javascript1.0',
  'text/javascript1.1',
  'text/javascript1.2',
  'text/javascript1.3',
  'text/javascript1.4',
  'text/javascript1.5',
  'text/jscript',
  'text/livescript',
  'text/x-ecmascript',
  'text/x-javascript',
  // ... the HTML MIME type, the XML MIME types (any `+xml` subtype too, below), and the other "scriptable" type, PDF.
  'text/html',
  'text/xml',
  'application/xml',
  'application/pdf',
  // Chromium renders these as documents (third_party/blink/common/mime_util/mime_util.cc, kSupportedNonImageTypes:
  // "ADDING a new type here will probably render it AS HTML"); the message/* and multipart/* families are refused whole.
  'image/svg+xml',
  'application/xhtml+xml',
  'message/rfc822', // MHTML
  'multipart/related', // MHTML
  'multipart/x-mixed-replace',
  // Run by plug-ins or by Internet Explorer and Windows when opened (types as registered in mime-db and Debian's
  // media-types /etc/mime.types): Flash, Shockwave, Silverlight, Java classes and Web Start, IE's HTML components
  // (.htc) and HTML applications (.hta), ClickOnce and XAML browser applications.
  'application/x-shockwave-flash',
  'application/futuresplash',
  'application/x-director',
  'application/x-silverlight',
  'application/x-silverlight-app',
  'application/java-vm',
  'application/x-java-jnlp-file',
  'text/x-component',
  'application/hta',
  'application/x-ms-application',
  'application/x-ms-xbap',
]);

/**
 * Listed above; or in a family a browser renders as a document (message/*, multipart/*); or any XML, XSL, HTML or
 * script flavour by name (WHATWG: every `+xml` subtype is an XML MIME type, and XML can carry script).
 */
export function isActiveContentType(contentType: string): boolean {
  const [type = '', subtype = ''] = contentType.split('/');
  return (
    ACTIVE_CONTENT_TYPES.has(contentType) ||
    type === 'multipart' ||
    type === 'message' ||
    subtype.endsWith('+xml') ||
    /xml|xsl|script|html/.test(subtype)
  );
}

export function isContentTypeAllowed(contentType: string, allowed: readonly string[]): boolean {
  if (!CONTENT_TYPE.test(contentType)) return false;
  if (allowed.includes(contentType)) return true;
  if (isActiveContentType(contentType)) return false;
  const family = contentType.slice(0, contentType.indexOf('/'));
  return allowed.includes(`${family}/*`);
}
