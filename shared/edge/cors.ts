/** CORS for the function URLs: exact origins from ALLOWED_ORIGINS, never a wildcard. */

export const CORS_ALLOWED_HEADERS = 'authorization, content-type';
export const CORS_MAX_AGE_SECONDS = '600';

export function isOriginAllowed(origin: string | undefined, allowedOrigins: readonly string[]): origin is string {
  return origin !== undefined && allowedOrigins.includes(origin);
}

/** Headers for an actual (non-preflight) answer. `Vary: Origin` always, so caches never mix origins. */
export function corsHeaders(origin: string | undefined, allowedOrigins: readonly string[]): Record<string, string> {
  if (!isOriginAllowed(origin, allowedOrigins)) return { Vary: 'Origin' };
  return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
}

/** `allowedMethods`: the function's own methods and OPTIONS, as its `Allow` header lists them (`POST, OPTIONS`). */
export function preflightHeaders(origin: string, allowedOrigins: readonly string[], allowedMethods: string): Record<string, string> {
  return {
    ...corsHeaders(origin, allowedOrigins),
    'Access-Control-Allow-Methods': allowedMethods,
    'Access-Control-Allow-Headers': CORS_ALLOWED_HEADERS,
    'Access-Control-Max-Age': CORS_MAX_AGE_SECONDS,
  };
}
