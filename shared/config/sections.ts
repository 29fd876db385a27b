/**
 * Configuration in sections: each builds one part of a function's configuration from the variable table, with
 * the rules that span several variables. A function composes the sections it needs, so its `Config` type says
 * exactly what it reads, and a variable it does not need can never stop it from starting.
 */
import type { AccessKey } from '../alicloud/access-key';
import { BUNDLED_PROFILES_FILE } from '../upload/bundled-profiles';
import { profilesFromFile, profilesFromVariables, type ProfilesFile, type UploadProfiles } from '../upload/profiles';
import { usageFolderOf } from '../upload/usage-record';
import {
  variableReader,
  type Env,
  type ReadVariable,
  type Report,
  type SignatureVersion,
  type StsEndpoint,
  type UploadPrefix,
  type UserSegmentKind,
} from './variables';

export interface ConfigSection<T> {
  build(read: ReadVariable, report: Report): T | undefined;
}

export type ConfigResult<T> = { ok: true; config: T } | { ok: false; problems: string[] };

/**
 * Parses and checks `env` once (at cold start), with the upload profiles file that goes with it (the bundled one
 * unless another is given; `null` for none); every problem is reported, each naming its variable or field.
 */
export function loadConfig<T>(
  env: Env,
  section: ConfigSection<T>,
  profilesFile: ProfilesFile | null = BUNDLED_PROFILES_FILE ?? null,
): ConfigResult<T> {
  const problems: string[] = [];
  const report: Report = (problem) => void problems.push(problem);
  const config = section.build(variableReader(env, report, profilesFile ?? undefined), report);
  return config === undefined || problems.length > 0 ? { ok: false, problems } : { ok: true, config };
}

/** `loadConfig`'s profiles argument from an edge's options: left out (the bundled file) unless they name one. */
export function profilesArgument(options: { profilesFile?: ProfilesFile | null }): [] | [ProfilesFile | null] {
  return options.profilesFile === undefined ? [] : [options.profilesFile];
}

/** The configuration type a section builds. */
export type ConfigOf<S> = S extends ConfigSection<infer T> ? T : never;
type Intersection<U> = (U extends unknown ? (value: U) => void : never) extends (value: infer I) => void ? I : never;

/** One section made of several: every part is built (so every problem is found), the results merged. */
export function composeSections<S extends ConfigSection<object>[]>(...sections: S): ConfigSection<Intersection<ConfigOf<S[number]>>> {
  return {
    build(read, report) {
      const parts = sections.map((section) => section.build(read, report));
      if (parts.some((part) => part === undefined)) return undefined;
      return Object.assign({}, ...parts) as Intersection<ConfigOf<S[number]>>;
    },
  };
}

/** The bucket, and what a user may put in it. */
export interface UploadConfig {
  bucket: string;
  /** Bare region id, e.g. `cn-hangzhou`. */
  region: string;
  /** Origin under which objects live: `<ossEndpoint>/<key>`. */
  ossEndpoint: string;
  uploadPrefix: UploadPrefix;
  allowedContentTypes: readonly string[];
  maxUploadBytes: number;
  signedUrlTtlSeconds: number;
  /** The kinds of upload: the profiles file's, or one `default` built from the three variables above. */
  profiles: UploadProfiles;
}

/** Set beside a profiles file, these would be silently overruled by it: each profile says its own. */
const OVERRULED_BY_PROFILES = ['ALLOWED_CONTENT_TYPES', 'MAX_UPLOAD_BYTES'] as const;

export const uploadSection: ConfigSection<UploadConfig> = {
  build(read, report) {
    const bucket = read('OSS_BUCKET');
    const region = read('OSS_REGION');
    const variables = {
      allowedContentTypes: read('ALLOWED_CONTENT_TYPES'),
      maxUploadBytes: read('MAX_UPLOAD_BYTES'),
      signedUrlTtlSeconds: read('SIGNED_URL_TTL_SECONDS'),
    };
    const file = read.profilesFile();
    let profiles = profilesFromVariables(variables);
    if (file !== undefined) {
      for (const name of OVERRULED_BY_PROFILES.filter((variable) => read.isSet(variable))) {
        report(`${name} is set, but ${file.name} gives every profile its own contentTypes and maxBytes: unset ${name}`);
      }
      const loaded = profilesFromFile(file, variables);
      if (loaded.ok) profiles = loaded.profiles;
      else loaded.problems.forEach(report);
    }
    return {
      bucket,
      region,
      ossEndpoint: read('OSS_ENDPOINT') ?? `https://${bucket}.oss-${region}.aliyuncs.com`,
      uploadPrefix: read('UPLOAD_PREFIX'),
      ...variables,
      profiles,
    };
  },
};

/** The browser origins the functions answer CORS for, and the bucket's CORS rule allows: ALLOWED_ORIGINS. */
export const originsSection: ConfigSection<{ allowedOrigins: readonly string[] }> = {
  build: (read) => ({ allowedOrigins: read('ALLOWED_ORIGINS') }),
};

export const signingSection: ConfigSection<{ signatureVersion: SignatureVersion }> = {
  build: (read) => ({ signatureVersion: read('SIGNATURE_VERSION') }),
};

/** What a token must carry besides a good signature. */
interface TokenChecks {
  issuer: string | undefined;
  audience: string | undefined;
  /** The `typ` header a token must have, when set. */
  tokenType: string | undefined;
  maxTokenAgeSeconds: number | undefined;
}

export type AuthConfig = ({ kind: 'secret'; secret: Uint8Array } | { kind: 'jwks'; jwksUrl: URL }) & TokenChecks;

/** How users are named outside the token: the `{user}` segment's form, and the key of the opaque form and log tags. */
export interface UsersConfig {
  segment: UserSegmentKind;
  /** USER_HASH_SECRET's bytes, when set. */
  hashSecret: Uint8Array | undefined;
}

const HS256_MIN_SECRET_BYTES = 32;
const USER_HASH_SECRET_MIN_BYTES = 32;

/** What every HTTP function's edge needs: how callers are authenticated and named, and which origins may call. */
export interface EdgeConfig {
  auth: AuthConfig;
  users: UsersConfig;
  allowedOrigins: readonly string[];
}

/** How users are named, alone: for a function that names users without authenticating anyone (upload-completed). */
export const usersSection: ConfigSection<{ users: UsersConfig }> = {
  build(read, report) {
    const users = buildUsers(read, report);
    return users === undefined ? undefined : { users };
  },
};

export const edgeSection: ConfigSection<EdgeConfig> = {
  build(read, report) {
    const allowedOrigins = read('ALLOWED_ORIGINS');
    const auth = buildAuth(read, report);
    const users = buildUsers(read, report);
    return auth === undefined || users === undefined ? undefined : { auth, users, allowedOrigins };
  },
};

function buildUsers(read: ReadVariable, report: Report): UsersConfig | undefined {
  const segment = read('USER_SEGMENT');
  const secret = read('USER_HASH_SECRET');
  const hashSecret = secret === undefined ? undefined : new TextEncoder().encode(secret);
  if (hashSecret !== undefined && hashSecret.length < USER_HASH_SECRET_MIN_BYTES) {
    report(`USER_HASH_SECRET must be at least ${USER_HASH_SECRET_MIN_BYTES} bytes`);
    return undefined;
  }
  if (segment === 'opaque' && hashSecret === undefined) {
    // Never derived from AUTH_JWT_SECRET: rotating that secret must not move every user's files.
    report('USER_SEGMENT=opaque needs USER_HASH_SECRET (at least 32 bytes), which must never change afterwards');
    return undefined;
  }
  return { segment, hashSecret };
}

function buildAuth(read: ReadVariable, report: Report): AuthConfig | undefined {
  const secret = read('AUTH_JWT_SECRET');
  const jwksUrl = read('AUTH_JWKS_URL');
  const issuer = read('AUTH_ISSUER');
  const audience = read('AUTH_AUDIENCE');
  const checks: TokenChecks = {
    issuer,
    audience,
    tokenType: read('AUTH_TOKEN_TYPE'),
    maxTokenAgeSeconds: read('AUTH_MAX_TOKEN_AGE_SECONDS'),
  };
  if (secret !== undefined && jwksUrl !== undefined) {
    report('set only one of AUTH_JWT_SECRET and AUTH_JWKS_URL');
    return undefined;
  }
  if (secret !== undefined) {
    const bytes = new TextEncoder().encode(secret);
    if (bytes.length < HS256_MIN_SECRET_BYTES) {
      report(`AUTH_JWT_SECRET must be at least ${HS256_MIN_SECRET_BYTES} bytes for HS256`);
      return undefined;
    }
    return { kind: 'secret', secret: bytes, ...checks };
  }
  if (jwksUrl !== undefined) {
    // A JWKS is often an identity provider's shared key set (one for every app it serves): without issuer and
    // audience, any token it ever issued to anyone would be accepted.
    if (issuer === undefined || audience === undefined) {
      report('AUTH_JWKS_URL needs AUTH_ISSUER and AUTH_AUDIENCE, so that only tokens issued for this app are accepted');
      return undefined;
    }
    return { kind: 'jwks', jwksUrl, ...checks };
  }
  // An AUTH_JWKS_URL that failed its own check has been reported already.
  if (!read.isSet('AUTH_JWKS_URL')) report('one of AUTH_JWT_SECRET or AUTH_JWKS_URL is required');
  return undefined;
}

/** The signer identity of local runs, when FC's `context.credentials` is absent. */
export const signerSection: ConfigSection<{ fallbackCredentials: AccessKey | undefined }> = {
  build(read, report) {
    const accessKeyId = read('ALIBABA_CLOUD_ACCESS_KEY_ID');
    const accessKeySecret = read('ALIBABA_CLOUD_ACCESS_KEY_SECRET');
    const securityToken = read('ALIBABA_CLOUD_SECURITY_TOKEN');
    if (accessKeyId === undefined && accessKeySecret === undefined) {
      if (securityToken !== undefined) {
        report('ALIBABA_CLOUD_SECURITY_TOKEN is set without ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET');
      }
      return { fallbackCredentials: undefined };
    }
    if (accessKeyId === undefined || accessKeySecret === undefined) {
      report('set both ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or neither');
      return { fallbackCredentials: undefined };
    }
    return { fallbackCredentials: { accessKeyId, accessKeySecret, securityToken } };
  },
};

export interface StsConfig {
  roleArn: string;
  durationSeconds: number;
  endpoint: StsEndpoint;
  /** Bound on one AssumeRole call, connection included; the answer comes within it. */
  timeoutMs: number;
}

/** The role to assume; the endpoint defaults to the region's public STS endpoint. */
export const stsSection: ConfigSection<{ sts: StsConfig }> = {
  build(read, report) {
    const roleArn = read('STS_ROLE_ARN');
    const durationSeconds = read('STS_DURATION_SECONDS');
    const endpoint = read('STS_ENDPOINT') ?? { host: `sts.${read('OSS_REGION')}.aliyuncs.com`, protocol: 'https' };
    const timeoutMs = read('STS_TIMEOUT_MS');
    if (roleArn === undefined) {
      report('STS_ROLE_ARN is required by sts-token');
      return undefined;
    }
    return { sts: { roleArn, durationSeconds, endpoint, timeoutMs } };
  },
};

export interface WebhookConfig {
  url: URL;
  /** The decoded `whsec_` key. */
  secret: Uint8Array;
}

/** What upload-completed does with a verdict: whom it tells, and where rejected objects go. */
export interface CompletionConfig {
  /** Undefined: verdicts are only logged. */
  webhook: WebhookConfig | undefined;
  /** Undefined: rejected objects are deleted. */
  quarantinePrefix: string | undefined;
  /** Where the function reads and removes objects: OSS_ENDPOINT when set, else the region's internal endpoint. */
  objectEndpoint: string;
  /** Storage classes whose objects are accepted unread (OSS reads them only once restored); none by default. */
  allowedUnreadableStorageClasses: readonly string[];
}

export const completionSection: ConfigSection<CompletionConfig> = {
  build(read, report) {
    const url = read('UPLOAD_WEBHOOK_URL');
    const secret = read('UPLOAD_WEBHOOK_SECRET');
    const quarantinePrefix = read('QUARANTINE_PREFIX');
    const before = read('UPLOAD_PREFIX').before;
    if (url !== undefined && secret === undefined && !read.isSet('UPLOAD_WEBHOOK_SECRET')) {
      report('UPLOAD_WEBHOOK_URL needs UPLOAD_WEBHOOK_SECRET: receivers verify every delivery with it');
    }
    if (secret !== undefined && url === undefined && !read.isSet('UPLOAD_WEBHOOK_URL')) {
      report('UPLOAD_WEBHOOK_SECRET is set without UPLOAD_WEBHOOK_URL');
    }
    // A quarantine inside the upload folder would look like a user's prefix (and trigger the function again);
    // an upload folder inside the quarantine would have every new upload count as quarantined.
    const usage = usageFolderOf({ before });
    if (quarantinePrefix !== undefined && before !== '' && (quarantinePrefix.startsWith(before) || before.startsWith(quarantinePrefix))) {
      report(`QUARANTINE_PREFIX must lie outside UPLOAD_PREFIX's folder ${before}, and not contain it`);
    } else if (
      quarantinePrefix !== undefined &&
      before !== '' &&
      (quarantinePrefix.startsWith(usage) || usage.startsWith(quarantinePrefix))
    ) {
      // Nor may it hold the usage records beside that folder, or lie among them.
      report(`QUARANTINE_PREFIX must lie outside ${usage}, where the usage records of profile quotas are kept, and not contain it`);
    }
    // The verdicts' lifecycle rule would expire quarantined objects after a day.
    const verdictPrefix = read('VERDICT_PREFIX');
    if (quarantinePrefix !== undefined && (quarantinePrefix.startsWith(verdictPrefix) || verdictPrefix.startsWith(quarantinePrefix))) {
      report(`QUARANTINE_PREFIX and VERDICT_PREFIX (${verdictPrefix}) must be separate folders: verdict records expire after a day`);
    }
    // FC runs in the bucket's region: the internal endpoint is nearer, and its traffic is free.
    const objectEndpoint = read('OSS_ENDPOINT') ?? `https://${read('OSS_BUCKET')}.oss-${read('OSS_REGION')}-internal.aliyuncs.com`;
    return {
      webhook: url !== undefined && secret !== undefined ? { url, secret } : undefined,
      quarantinePrefix,
      objectEndpoint,
      allowedUnreadableStorageClasses: read('ALLOWED_UNREADABLE_STORAGE_CLASSES'),
    };
  },
};

/**
 * Where upload-completed keeps its verdicts and sign-url reads them: outside the users' folder, so that no user
 * writes there (not even with STS credentials) and no record triggers upload-completed.
 */
export const verdictSection: ConfigSection<{ verdictPrefix: string }> = {
  build(read, report) {
    const verdictPrefix = read('VERDICT_PREFIX');
    const before = read('UPLOAD_PREFIX').before;
    const usage = usageFolderOf({ before });
    if (before !== '' && (verdictPrefix.startsWith(before) || before.startsWith(verdictPrefix))) {
      report(`VERDICT_PREFIX must lie outside UPLOAD_PREFIX's folder ${before}, and not contain it`);
    } else if (before !== '' && (verdictPrefix.startsWith(usage) || usage.startsWith(verdictPrefix))) {
      // The usage records of profile quotas are kept beside the users' folder; verdict records expire after a day.
      report(`VERDICT_PREFIX must lie outside ${usage}, where the usage records of profile quotas are kept, and not contain it`);
    }
    return { verdictPrefix };
  },
};

/** `sign-url`'s own calls to OSS (multipart uploads): one deadline for all the calls of one request. */
export const ossClientSection: ConfigSection<{ ossTimeoutMs: number }> = {
  build: (read) => ({ ossTimeoutMs: read('OSS_TIMEOUT_MS') }),
};

/** `sign-url`'s multipart uploads: how many a user may leave unfinished at once. */
export const multipartSection: ConfigSection<{ maxOpenUploadsPerUser: number }> = {
  build: (read) => ({ maxOpenUploadsPerUser: read('MAX_OPEN_UPLOADS_PER_USER') }),
};
