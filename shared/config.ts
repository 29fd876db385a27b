/**
 * Every environment variable of the design, parsed and bounded once at cold start. A bad value is reported
 * with the variable's name; the function then answers a generic 500 and logs the problems (see http.ts).
 */

export type SignatureVersion = 'v4' | 'v1';

export type AuthConfig =
  | { kind: 'secret'; secret: Uint8Array; issuer: string | undefined; audience: string | undefined }
  | { kind: 'jwks'; jwksUrl: URL; issuer: string | undefined; audience: string | undefined };

export interface StaticCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string | undefined;
}

export interface StsConfig {
  roleArn: string;
  durationSeconds: number;
  /** `host[:port]` or a URL; undefined means the region's public STS endpoint. */
  endpoint: string | undefined;
  /** Bound on one AssumeRole call, connection included; the answer comes within it. */
  timeoutMs: number;
}

export interface Config {
  bucket: string;
  /** Bare region id, e.g. `cn-hangzhou`. */
  region: string;
  /** Origin under which objects live: `<ossEndpoint>/<key>`. */
  ossEndpoint: string;
  /** `UPLOAD_PREFIX` split around its single `{user}`: the prefix is `before + user + after`. */
  uploadPrefix: { before: string; after: string };
  allowedContentTypes: readonly string[];
  maxUploadBytes: number;
  signedUrlTtlSeconds: number;
  signatureVersion: SignatureVersion;
  auth: AuthConfig;
  allowedOrigins: readonly string[];
  sts: StsConfig | undefined;
  fallbackCredentials: StaticCredentials | undefined;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

export type Env = Readonly<Record<string, string | undefined>>;

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

export const LIMITS = {
  maxUploadBytes: { min: 1, max: 5 * 1024 ** 3, fallback: 104_857_600 },
  signedUrlTtlSeconds: { min: 10, max: 3600, fallback: 300 },
  stsDurationSeconds: { min: 900, max: 43_200, fallback: 900 },
  stsTimeoutMs: { min: 100, max: 30_000, fallback: 3000 },
} as const;

const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const REGION_ID = /^[a-z]{2,}(-[a-z0-9]+)+$/;
/** A RAM role ARN; also checked by `npm run policies` for the function roles. */
export const ROLE_ARN = /^acs:ram::\d{1,32}:role\/[A-Za-z0-9.@_-]{1,64}$/;
/** Static parts of the prefix: no wildcards (`*`, `?`), no `$`, no spaces or controls. */
const PREFIX_PART = /^[A-Za-z0-9!_.()=,;:@+-]*(\/[A-Za-z0-9!_.()=,;:@+-]+)*\/?$/;
const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/(\*|[a-z0-9][a-z0-9!#$&^_.+-]{0,126})$/;
const HS256_MIN_SECRET_BYTES = 32;

export function loadConfig(env: Env, options: { requireSts: boolean }): ConfigResult {
  const problems: string[] = [];
  const text = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const required = (name: string): string => {
    const value = text(name);
    if (value === undefined) problems.push(`${name} is required`);
    return value ?? '';
  };
  const integer = (name: string, bounds: { min: number; max: number; fallback: number }): number => {
    const raw = text(name);
    if (raw === undefined) return bounds.fallback;
    if (!/^\d+$/.test(raw)) {
      problems.push(`${name} must be a whole number, got ${JSON.stringify(raw.slice(0, 40))}`);
      return bounds.fallback;
    }
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < bounds.min || value > bounds.max) {
      problems.push(`${name} must be between ${bounds.min} and ${bounds.max}, got ${raw.slice(0, 40)}`);
      return bounds.fallback;
    }
    return value;
  };

  const bucket = required('OSS_BUCKET');
  if (bucket !== '' && !BUCKET_NAME.test(bucket)) problems.push('OSS_BUCKET is not a valid bucket name (3-63 of a-z, 0-9 and -)');

  const rawRegion = required('OSS_REGION');
  const region = rawRegion.replace(/^oss-/, '');
  if (rawRegion !== '' && !REGION_ID.test(region))
    problems.push(`OSS_REGION is not a region id like cn-hangzhou, got ${JSON.stringify(rawRegion.slice(0, 40))}`);

  const ossEndpoint = parseOrigin('OSS_ENDPOINT', text('OSS_ENDPOINT'), problems) ?? `https://${bucket}.oss-${region}.aliyuncs.com`;

  const uploadPrefix = parseUploadPrefix(text('UPLOAD_PREFIX') ?? 'users/{user}/', problems);
  const allowedContentTypes = parseContentTypes(text('ALLOWED_CONTENT_TYPES'), problems);
  const maxUploadBytes = integer('MAX_UPLOAD_BYTES', LIMITS.maxUploadBytes);
  const signedUrlTtlSeconds = integer('SIGNED_URL_TTL_SECONDS', LIMITS.signedUrlTtlSeconds);

  const rawVersion = (text('SIGNATURE_VERSION') ?? 'v4').toLowerCase();
  if (rawVersion !== 'v4' && rawVersion !== 'v1')
    problems.push(`SIGNATURE_VERSION must be v4 or v1, got ${JSON.stringify(rawVersion.slice(0, 20))}`);
  const signatureVersion: SignatureVersion = rawVersion === 'v1' ? 'v1' : 'v4';

  const auth = parseAuth(env, text, problems);
  const allowedOrigins = parseOrigins(text('ALLOWED_ORIGINS'), problems);

  let sts: StsConfig | undefined;
  const roleArn = text('STS_ROLE_ARN');
  const stsDuration = integer('STS_DURATION_SECONDS', LIMITS.stsDurationSeconds);
  const stsEndpoint = text('STS_ENDPOINT');
  const stsTimeoutMs = integer('STS_TIMEOUT_MS', LIMITS.stsTimeoutMs);
  if (roleArn !== undefined && !ROLE_ARN.test(roleArn)) problems.push('STS_ROLE_ARN must look like acs:ram::<account id>:role/<role name>');
  if (stsEndpoint !== undefined) checkStsEndpoint(stsEndpoint, problems);
  if (roleArn !== undefined) sts = { roleArn, durationSeconds: stsDuration, endpoint: stsEndpoint, timeoutMs: stsTimeoutMs };
  else if (options.requireSts) problems.push('STS_ROLE_ARN is required by sts-token');

  const fallbackCredentials = parseStaticCredentials(text, problems);

  if (problems.length > 0 || auth === undefined) return { ok: false, problems };
  return {
    ok: true,
    config: {
      bucket,
      region,
      ossEndpoint,
      uploadPrefix,
      allowedContentTypes,
      maxUploadBytes,
      signedUrlTtlSeconds,
      signatureVersion,
      auth,
      allowedOrigins,
      sts,
      fallbackCredentials,
    },
  };
}

/** The names loadConfig reads: s.yaml and the docs are checked against this list. */
export const CONFIG_VARIABLES = [
  'OSS_BUCKET',
  'OSS_REGION',
  'OSS_ENDPOINT',
  'UPLOAD_PREFIX',
  'ALLOWED_CONTENT_TYPES',
  'MAX_UPLOAD_BYTES',
  'SIGNED_URL_TTL_SECONDS',
  'SIGNATURE_VERSION',
  'AUTH_JWT_SECRET',
  'AUTH_JWKS_URL',
  'AUTH_ISSUER',
  'AUTH_AUDIENCE',
  'ALLOWED_ORIGINS',
  'STS_ROLE_ARN',
  'STS_DURATION_SECONDS',
  'STS_ENDPOINT',
  'STS_TIMEOUT_MS',
  'ALIBABA_CLOUD_ACCESS_KEY_ID',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'ALIBABA_CLOUD_SECURITY_TOKEN',
] as const;

/** host[:port] or an origin; plain http only to a loopback host, since credentials and secrets travel on it. */
function checkStsEndpoint(value: string, problems: string[]): void {
  let url: URL;
  try {
    url = new URL(/^https?:\/\//.test(value) ? value : `scheme-less://${value}`);
  } catch {
    problems.push('STS_ENDPOINT must be host[:port] or http(s)://host[:port]');
    return;
  }
  const explicitHttp = url.protocol === 'http:';
  if (!isOriginOnly(url) && !(url.protocol === 'scheme-less:' && (url.pathname === '' || url.pathname === '/'))) {
    problems.push('STS_ENDPOINT must be host[:port] or http(s)://host[:port]');
  } else if (explicitHttp && !isLoopbackHost(url.hostname)) {
    problems.push('STS_ENDPOINT must use https (http only on loopback)');
  }
}

export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** Scheme, host and port only; `https://App.Example.com:443/` counts, and is normalised by URL#origin. */
function isOriginOnly(url: URL): boolean {
  return url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && url.password === '';
}

function parseOrigin(name: string, value: string | undefined, problems: string[]): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push(`${name} must be a URL like https://example.com`);
    return undefined;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    problems.push(`${name} must use https (http only on loopback)`);
    return undefined;
  }
  if (!isOriginOnly(url)) {
    // The value is not repeated: a URL with credentials in it would put them in the log.
    problems.push(`${name} must be an origin only (scheme, host, port), with no path, query or credentials`);
    return undefined;
  }
  return url.origin;
}

function parseUploadPrefix(template: string, problems: string[]): { before: string; after: string } {
  const parts = template.split('{user}');
  const [before = '', after = ''] = parts;
  if (parts.length !== 2) {
    problems.push('UPLOAD_PREFIX must contain {user} exactly once');
  } else if (before === '' || !before.endsWith('/')) {
    // Users at the bucket root could claim the app's own folders (a user named "assets" would own assets/).
    problems.push('UPLOAD_PREFIX must start with a folder before {user}, e.g. users/{user}/');
  } else if (!after.startsWith('/')) {
    // Without a separator right after the user, users/al would be a prefix of users/alice.
    problems.push('UPLOAD_PREFIX must have a / right after {user}, e.g. users/{user}/');
  } else if (!after.endsWith('/')) {
    problems.push('UPLOAD_PREFIX must end with /');
  } else if (
    !PREFIX_PART.test(before) ||
    !PREFIX_PART.test(after) ||
    before.startsWith('/') ||
    `${before}x${after}`.split('/').some((s) => s === '.' || s === '..') ||
    /\/\//.test(`${before}x${after}`)
  ) {
    problems.push('UPLOAD_PREFIX may hold only letters, digits and !_.()=,;:@+- between single slashes, and must not start with /');
  } else if (before.length + after.length > 200) {
    problems.push('UPLOAD_PREFIX is longer than 200 characters');
  }
  return { before, after };
}

function parseContentTypes(value: string | undefined, problems: string[]): readonly string[] {
  if (value === undefined) return DEFAULT_CONTENT_TYPES;
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const invalid = entries.filter((entry) => !CONTENT_TYPE.test(entry) || entry.startsWith('*'));
  if (entries.length === 0) problems.push('ALLOWED_CONTENT_TYPES must list at least one type');
  if (invalid.length > 0)
    problems.push(
      `ALLOWED_CONTENT_TYPES has entries that are not lower-case type/subtype or type/*: ${invalid
        .slice(0, 3)
        .map((e) => JSON.stringify(e.slice(0, 40)))
        .join(', ')}`,
    );
  return [...new Set(entries)];
}

function parseOrigins(value: string | undefined, problems: string[]): readonly string[] {
  if (value === undefined) return [];
  const origins: string[] = [];
  for (const entry of value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')) {
    if (entry === '*' || entry.includes('*')) {
      problems.push('ALLOWED_ORIGINS must list exact origins; * is not accepted');
      continue;
    }
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || !isOriginOnly(url)) {
      problems.push(`ALLOWED_ORIGINS has an entry that is not an origin like https://app.example.com (no path, query or credentials)`);
      continue;
    }
    origins.push(url.origin);
  }
  return origins;
}

function parseAuth(env: Env, text: (name: string) => string | undefined, problems: string[]): AuthConfig | undefined {
  // A secret is used exactly as given: trimming would silently change it and every token would fail.
  const rawSecret = env['AUTH_JWT_SECRET'];
  const secret = rawSecret === undefined || rawSecret === '' ? undefined : rawSecret;
  const jwksUrl = text('AUTH_JWKS_URL');
  const issuer = text('AUTH_ISSUER');
  const audience = text('AUTH_AUDIENCE');
  if (secret !== undefined && jwksUrl !== undefined) {
    problems.push('set only one of AUTH_JWT_SECRET and AUTH_JWKS_URL');
    return undefined;
  }
  if (secret !== undefined) {
    const bytes = new TextEncoder().encode(secret);
    if (bytes.length < HS256_MIN_SECRET_BYTES) {
      problems.push(`AUTH_JWT_SECRET must be at least ${HS256_MIN_SECRET_BYTES} bytes for HS256`);
      return undefined;
    }
    return { kind: 'secret', secret: bytes, issuer, audience };
  }
  if (jwksUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(jwksUrl);
    } catch {
      problems.push('AUTH_JWKS_URL must be a URL');
      return undefined;
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
      problems.push('AUTH_JWKS_URL must use https (http only on loopback)');
      return undefined;
    }
    // A JWKS is often an identity provider's shared key set (one for every app it serves): without issuer and
    // audience, any token it ever issued to anyone would be accepted.
    if (issuer === undefined || audience === undefined) {
      problems.push('AUTH_JWKS_URL needs AUTH_ISSUER and AUTH_AUDIENCE, so that only tokens issued for this app are accepted');
      return undefined;
    }
    return { kind: 'jwks', jwksUrl: url, issuer, audience };
  }
  problems.push('one of AUTH_JWT_SECRET or AUTH_JWKS_URL is required');
  return undefined;
}

function parseStaticCredentials(text: (name: string) => string | undefined, problems: string[]): StaticCredentials | undefined {
  const accessKeyId = text('ALIBABA_CLOUD_ACCESS_KEY_ID');
  const accessKeySecret = text('ALIBABA_CLOUD_ACCESS_KEY_SECRET');
  const securityToken = text('ALIBABA_CLOUD_SECURITY_TOKEN');
  if (accessKeyId === undefined && accessKeySecret === undefined) {
    if (securityToken !== undefined)
      problems.push('ALIBABA_CLOUD_SECURITY_TOKEN is set without ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET');
    return undefined;
  }
  if (accessKeyId === undefined || accessKeySecret === undefined) {
    problems.push('set both ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or neither');
    return undefined;
  }
  return { accessKeyId, accessKeySecret, securityToken };
}
