/**
 * Every environment variable, declared once: its name and the parser that bounds it. The table gives the list of
 * names (s.yaml and docs/configuration.md are checked against it) and the type of each parsed value; the sections
 * (`sections.ts`) combine values into what each function needs. A parser reports a problem naming the variable
 * and never repeats a secret or a URL that might carry one.
 */
import { CONTENT_TYPE_ENTRY, DEFAULT_CONTENT_TYPES } from '../upload/content-types';
import type { ProfilesFile } from '../upload/profiles';
import { webhookKeyOf } from '../webhook/webhook-secret';

export type Env = Readonly<Record<string, string | undefined>>;
export type Report = (problem: string) => void;
/** `raw` is trimmed and undefined when empty, except for secrets, which are read as given. */
type Parser<T> = (raw: string | undefined, name: string, report: Report) => T;

export type SignatureVersion = 'v4' | 'v1';
/** How the `{user}` segment is derived from the token's subject. */
export type UserSegmentKind = 'readable' | 'opaque';

export interface StsEndpoint {
  /** `host[:port]`, as the SDK's Config wants it. */
  host: string;
  protocol: 'https' | 'http';
}

export const LIMITS = {
  maxUploadBytes: { min: 1, max: 5 * 1024 ** 3, fallback: 104_857_600 },
  signedUrlTtlSeconds: { min: 10, max: 3600, fallback: 300 },
  stsDurationSeconds: { min: 900, max: 43_200, fallback: 900 },
  stsTimeoutMs: { min: 100, max: 30_000, fallback: 3000 },
  maxTokenAgeSeconds: { min: 60, max: 31_536_000 },
  ossTimeoutMs: { min: 100, max: 30_000, fallback: 5000 },
  maxOpenUploadsPerUser: { min: 1, max: 1000, fallback: 10 },
} as const;

const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const REGION_ID = /^[a-z]{2,}(-[a-z0-9]+)+$/;
/** A RAM role ARN. */
export const ROLE_ARN = /^acs:ram::\d{1,32}:role\/[A-Za-z0-9.@_-]{1,64}$/;
/** Static parts of the prefix: no wildcards (`*`, `?`), no `$`, no spaces or controls. */
const PREFIX_PART = /^[A-Za-z0-9!_.()=,;:@+-]*(\/[A-Za-z0-9!_.()=,;:@+-]+)*\/?$/;
const MAX_PREFIX_LENGTH = 200;

export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** Scheme, host and port only; `https://App.Example.com:443/` counts, and is normalised by URL#origin. */
function isOriginOnly(url: URL): boolean {
  return url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && url.password === '';
}

/** The one transport rule: credentials and secrets travel on https, or on plain http to this machine only. */
function isSecureTransport(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

const optionalText: Parser<string | undefined> = (raw) => raw;

const required =
  <T>(parse: Parser<T>): Parser<T> =>
  (raw, name, report) => {
    if (raw === undefined) report(`${name} is required`);
    return parse(raw, name, report);
  };

const integer =
  (bounds: { min: number; max: number; fallback: number }): Parser<number> =>
  (raw, name, report) => {
    if (raw === undefined) return bounds.fallback;
    if (!/^\d+$/.test(raw)) {
      report(`${name} must be a whole number, got ${JSON.stringify(raw.slice(0, 40))}`);
      return bounds.fallback;
    }
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < bounds.min || value > bounds.max) {
      report(`${name} must be between ${bounds.min} and ${bounds.max}, got ${raw.slice(0, 40)}`);
      return bounds.fallback;
    }
    return value;
  };

/** Unset means no limit. */
const optionalInteger =
  (bounds: { min: number; max: number }): Parser<number | undefined> =>
  (raw, name, report) =>
    raw === undefined ? undefined : integer({ ...bounds, fallback: bounds.min })(raw, name, report);

/** A media type as JWT's `typ` carries it: `at+jwt`, `JWT`, `application/at+jwt`. */
const tokenType: Parser<string | undefined> = (raw, name, report) => {
  if (raw !== undefined && !/^[A-Za-z0-9!#$&^_.+-]{1,64}(\/[A-Za-z0-9!#$&^_.+-]{1,64})?$/.test(raw)) {
    report(`${name} must be a media type such as at+jwt or JWT`);
  }
  return raw;
};

const userSegmentKind: Parser<UserSegmentKind> = (raw, name, report) => {
  const kind = (raw ?? 'readable').toLowerCase();
  if (kind === 'readable' || kind === 'opaque') return kind;
  report(`${name} must be readable or opaque, got ${JSON.stringify(kind.slice(0, 20))}`);
  return 'readable';
};

const bucketName: Parser<string> = (raw, name, report) => {
  if (raw !== undefined && !BUCKET_NAME.test(raw)) report(`${name} is not a valid bucket name (3-63 of a-z, 0-9 and -)`);
  return raw ?? '';
};

/** The bare region id; `oss-cn-hangzhou` is accepted for `cn-hangzhou`. */
const regionId: Parser<string> = (raw, name, report) => {
  const region = (raw ?? '').replace(/^oss-/, '');
  if (raw !== undefined && !REGION_ID.test(region))
    report(`${name} is not a region id like cn-hangzhou, got ${JSON.stringify(raw.slice(0, 40))}`);
  return region;
};

/** A URL on a secure transport; with `originOnly`, scheme, host and port only. The value is never repeated. */
const secureUrl =
  (options: { originOnly: boolean; example: string }): Parser<URL | undefined> =>
  (raw, name, report) => {
    if (raw === undefined) return undefined;
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      report(`${name} must be a URL like ${options.example}`);
      return undefined;
    }
    if (!isSecureTransport(url)) {
      report(`${name} must use https (http only on loopback)`);
      return undefined;
    }
    if (options.originOnly && !isOriginOnly(url)) {
      report(`${name} must be an origin only (scheme, host, port), with no path, query or credentials`);
      return undefined;
    }
    return url;
  };

const ossEndpoint: Parser<string | undefined> = (raw, name, report) =>
  secureUrl({ originOnly: true, example: 'https://example.com' })(raw, name, report)?.origin;

/** `host[:port]` (https, or plain http on loopback) or `http(s)://host[:port]`, parsed once into what the SDK takes. */
const stsEndpoint: Parser<StsEndpoint | undefined> = (raw, name, report) => {
  if (raw === undefined) return undefined;
  const explicit = /^https?:\/\//.test(raw);
  let url: URL | undefined;
  try {
    url = new URL(explicit ? raw : `http://${raw}`);
  } catch {
    url = undefined;
  }
  if (url === undefined || !isOriginOnly(url) || (!explicit && /[/?#@]/.test(raw))) {
    report(`${name} must be host[:port] or http(s)://host[:port]`);
    return undefined;
  }
  if (explicit && !isSecureTransport(url)) {
    report(`${name} must use https (http only on loopback)`);
    return undefined;
  }
  const secure = explicit ? url.protocol === 'https:' : !isLoopbackHost(url.hostname);
  return { host: url.host, protocol: secure ? 'https' : 'http' };
};

/** `UPLOAD_PREFIX` split around its single `{user}`: the prefix is `before + user + after`. */
export interface UploadPrefix {
  before: string;
  after: string;
}

/** UPLOAD_PREFIX when unset; the same checks pass it (tested), so an unset variable skips them at cold start. */
export const DEFAULT_UPLOAD_PREFIX = 'users/{user}/';
const DEFAULT_PREFIX_PARTS: UploadPrefix = { before: 'users/', after: '/' };

const uploadPrefix: Parser<UploadPrefix> = (raw, name, report) => {
  if (raw === undefined) return DEFAULT_PREFIX_PARTS;
  const parts = raw.split('{user}');
  const [before = '', after = ''] = parts;
  const whole = `${before}x${after}`;
  if (parts.length !== 2) {
    report(`${name} must contain {user} exactly once`);
  } else if (before === '' || !before.endsWith('/')) {
    // Users at the bucket root could claim the app's own folders (a user named "assets" would own assets/).
    report(`${name} must start with a folder before {user}, e.g. users/{user}/`);
  } else if (!after.startsWith('/')) {
    // Without a separator right after the user, users/al would be a prefix of users/alice.
    report(`${name} must have a / right after {user}, e.g. users/{user}/`);
  } else if (!after.endsWith('/')) {
    report(`${name} must end with /`);
  } else if (
    !PREFIX_PART.test(before) ||
    !PREFIX_PART.test(after) ||
    before.startsWith('/') ||
    whole.split('/').some((s) => s === '.' || s === '..') ||
    whole.includes('//')
  ) {
    report(`${name} may hold only letters, digits and !_.()=,;:@+- between single slashes, and must not start with /`);
  } else if (before.length + after.length > MAX_PREFIX_LENGTH) {
    report(`${name} is longer than ${MAX_PREFIX_LENGTH} characters`);
  }
  return { before, after };
};

const contentTypeList: Parser<readonly string[]> = (raw, name, report) => {
  if (raw === undefined) return DEFAULT_CONTENT_TYPES;
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const invalid = entries.filter((entry) => !CONTENT_TYPE_ENTRY.test(entry));
  if (entries.length === 0) report(`${name} must list at least one type`);
  if (invalid.length > 0) {
    const shown = invalid
      .slice(0, 3)
      .map((entry) => JSON.stringify(entry.slice(0, 40)))
      .join(', ');
    report(`${name} has entries that are not lower-case type/subtype or type/*: ${shown}`);
  }
  return [...new Set(entries)];
};

const originList: Parser<readonly string[]> = (raw, name, report) => {
  const origins: string[] = [];
  if (raw === undefined) return origins;
  for (const entry of raw.split(',').map((item) => item.trim())) {
    if (entry === '') continue;
    if (entry.includes('*')) {
      report(`${name} must list exact origins; * is not accepted`);
      continue;
    }
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || !isOriginOnly(url)) {
      // The entry is named, unless it carries credentials, which stay out of every message.
      const shown =
        url !== undefined && (url.username !== '' || url.password !== '')
          ? 'an entry with credentials'
          : JSON.stringify(entry.slice(0, 100));
      report(`${name} has ${shown}, which is not an origin like https://app.example.com (no path, query or credentials)`);
      continue;
    }
    origins.push(url.origin);
  }
  return origins;
};

const signatureVersion: Parser<SignatureVersion> = (raw, name, report) => {
  const version = (raw ?? 'v4').toLowerCase();
  if (version === 'v1' || version === 'v4') return version;
  report(`${name} must be v4 or v1, got ${JSON.stringify(version.slice(0, 20))}`);
  return 'v4';
};

const roleArn: Parser<string | undefined> = (raw, name, report) => {
  if (raw !== undefined && !ROLE_ARN.test(raw)) report(`${name} must look like acs:ram::<account id>:role/<role name>`);
  return raw;
};

/**
 * `whsec_` + padded base64 of 24 to 64 random bytes (the spec's 192 to 512 bits); used exactly as given, never
 * repeated. Every secret taken here reads to the same key in the `standardwebhooks` package a receiver runs
 * (shared/webhook/webhook-secret.ts).
 */
const webhookSecret: Parser<Uint8Array | undefined> = (raw, name, report) => {
  if (raw === undefined) return undefined;
  const key = webhookKeyOf(raw);
  if (key === undefined || key.length < 24 || key.length > 64) {
    report(`${name} must be whsec_ followed by the padded base64 of 24 to 64 random bytes (Standard Webhooks)`);
    return undefined;
  }
  return key;
};

/** A folder of the bucket: static characters only, ending in `/`, never at the bucket root. */
function isFolder(raw: string): boolean {
  return (
    raw.endsWith('/') &&
    !raw.startsWith('/') &&
    PREFIX_PART.test(raw) &&
    !raw.includes('//') &&
    !raw.split('/').some((s) => s === '.' || s === '..') &&
    raw.length <= MAX_PREFIX_LENGTH
  );
}

const FOLDER_CHARACTERS = 'letters, digits and !_.()=,;:@+- between single slashes, ending in /';

/** A folder for rejected objects. */
const quarantinePrefix: Parser<string | undefined> = (raw, name, report) => {
  if (raw === undefined) return undefined;
  if (!isFolder(raw)) {
    report(`${name} must be a folder like quarantine/: ${FOLDER_CHARACTERS}`);
    return undefined;
  }
  return raw;
};

/** VERDICT_PREFIX when unset. */
export const DEFAULT_VERDICT_PREFIX = 'upload-verdicts/';

/** The folder of upload-completed's verdict records (which the bucket's lifecycle rule expires). */
const verdictPrefix: Parser<string> = (raw, name, report) => {
  if (raw === undefined) return DEFAULT_VERDICT_PREFIX;
  if (!isFolder(raw)) {
    report(`${name} must be a folder like ${DEFAULT_VERDICT_PREFIX}: ${FOLDER_CHARACTERS}`);
    return DEFAULT_VERDICT_PREFIX;
  }
  return raw;
};

/** The storage classes OSS will not read until an object is restored. */
export const UNREADABLE_STORAGE_CLASSES = ['Archive', 'ColdArchive', 'DeepColdArchive'] as const;

/** A comma list of UNREADABLE_STORAGE_CLASSES (case-insensitive), in OSS's spelling; none when unset. */
const unreadableStorageClasses: Parser<readonly string[]> = (raw, name, report) => {
  if (raw === undefined) return [];
  const found: string[] = [];
  for (const entry of raw.split(',').map((item) => item.trim())) {
    if (entry === '') continue;
    const storageClass = UNREADABLE_STORAGE_CLASSES.find((known) => known.toLowerCase() === entry.toLowerCase());
    if (storageClass === undefined) {
      report(
        `${name} may list only ${UNREADABLE_STORAGE_CLASSES.join(', ')} (Standard and IA objects are always read), got ${JSON.stringify(entry.slice(0, 40))}`,
      );
    } else if (!found.includes(storageClass)) found.push(storageClass);
  }
  return found;
};

export const VARIABLES = {
  OSS_BUCKET: required(bucketName),
  OSS_REGION: required(regionId),
  OSS_ENDPOINT: ossEndpoint,
  UPLOAD_PREFIX: uploadPrefix,
  ALLOWED_CONTENT_TYPES: contentTypeList,
  MAX_UPLOAD_BYTES: integer(LIMITS.maxUploadBytes),
  SIGNED_URL_TTL_SECONDS: integer(LIMITS.signedUrlTtlSeconds),
  SIGNATURE_VERSION: signatureVersion,
  /** Used exactly as given: trimming would silently change it and every token would fail. */
  AUTH_JWT_SECRET: optionalText,
  AUTH_JWKS_URL: secureUrl({ originOnly: false, example: 'https://idp.example.com/.well-known/jwks.json' }),
  AUTH_ISSUER: optionalText,
  AUTH_AUDIENCE: optionalText,
  /** When set, a token's `typ` header must name this type (e.g. `at+jwt`, RFC 9068). */
  AUTH_TOKEN_TYPE: tokenType,
  /** When set, tokens need `iat` and are refused once older than this. */
  AUTH_MAX_TOKEN_AGE_SECONDS: optionalInteger(LIMITS.maxTokenAgeSeconds),
  USER_SEGMENT: userSegmentKind,
  /** Keys the opaque `{user}` segment and the log's user tag; used exactly as given, like AUTH_JWT_SECRET. */
  USER_HASH_SECRET: optionalText,
  ALLOWED_ORIGINS: originList,
  STS_ROLE_ARN: roleArn,
  STS_DURATION_SECONDS: integer(LIMITS.stsDurationSeconds),
  STS_ENDPOINT: stsEndpoint,
  /** Bound on one AssumeRole call, connection included. */
  STS_TIMEOUT_MS: integer(LIMITS.stsTimeoutMs),
  /** Bound on all the OSS calls of one sign-url multipart request together, connections included. */
  OSS_TIMEOUT_MS: integer(LIMITS.ossTimeoutMs),
  /** Unfinished multipart uploads a user may have at once (counted at OSS, one ListMultipartUploads page). */
  MAX_OPEN_UPLOADS_PER_USER: integer(LIMITS.maxOpenUploadsPerUser),
  ALIBABA_CLOUD_ACCESS_KEY_ID: optionalText,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: optionalText,
  ALIBABA_CLOUD_SECURITY_TOKEN: optionalText,
  /** Where upload-completed reports verdicts; the URL may carry a token, so it is never repeated. */
  UPLOAD_WEBHOOK_URL: secureUrl({ originOnly: false, example: 'https://app.example.com/hooks/uploads' }),
  UPLOAD_WEBHOOK_SECRET: webhookSecret,
  QUARANTINE_PREFIX: quarantinePrefix,
  /** Where upload-completed keeps each verdict for a day, for sign-url to tell the uploader (VERDICT). */
  VERDICT_PREFIX: verdictPrefix,
  /** Archive-type objects upload-completed accepts without reading their bytes; rejected (UnreadableStorageClass) otherwise. */
  ALLOWED_UNREADABLE_STORAGE_CLASSES: unreadableStorageClasses,
} satisfies Record<string, Parser<unknown>>;

export type VariableName = keyof typeof VARIABLES;
export type VariableValue<K extends VariableName> = ReturnType<(typeof VARIABLES)[K]>;

/** Every name the functions read: s.yaml and the docs are checked against this list. */
export const CONFIG_VARIABLES = Object.keys(VARIABLES) as VariableName[];

/** Variables read as given, never trimmed. */
const UNTRIMMED: ReadonlySet<VariableName> = new Set(['AUTH_JWT_SECRET', 'USER_HASH_SECRET', 'UPLOAD_WEBHOOK_SECRET']);

/** Reads variables of one environment, each parsed once by its table entry; problems go to `report` once. */
export interface ReadVariable {
  <K extends VariableName>(name: K): VariableValue<K>;
  /** Whether the variable has a value at all (a set but invalid value has been reported already). */
  isSet(name: VariableName): boolean;
  /** The upload profiles file that goes with this environment (the bundled one), if any. */
  profilesFile(): ProfilesFile | undefined;
}

export function variableReader(env: Env, report: Report, profilesFile?: ProfilesFile): ReadVariable {
  const parsed = new Map<VariableName, unknown>();
  const rawOf = (name: VariableName): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : UNTRIMMED.has(name) ? value : value.trim();
  };
  const read = <K extends VariableName>(name: K): VariableValue<K> => {
    if (!parsed.has(name)) parsed.set(name, (VARIABLES[name] as Parser<VariableValue<K>>)(rawOf(name), name, report));
    return parsed.get(name) as VariableValue<K>;
  };
  return Object.assign(read, { isSet: (name: VariableName) => rawOf(name) !== undefined, profilesFile: () => profilesFile });
}
