/**
 * Upload profiles: the kinds of upload a deployment offers (an avatar, a document, a video), each with its own types,
 * sizes, key mode, methods, lifetime, required claims and per-user quota. They come from upload-profiles.json
 * (checked against upload-profiles.schema.json, then for what a schema cannot say), or, without that file, from the
 * variables as one profile named `default` whose keys are exactly the keys of a deployment without profiles.
 * Pure: the file's content comes in (shared/upload/bundled-profiles.ts is what the build put in the bundle).
 */
import profilesSchema from '../../upload-profiles.schema.json';
import { validateJsonSchema, type JsonSchema } from './json-schema';

export const PROFILE_METHODS = ['PUT', 'POST', 'MULTIPART', 'STS'] as const;
/** How a profile's files may be uploaded: a `sign-url` method, or `STS` credentials from `sts-token`. */
export type ProfileMethod = (typeof PROFILE_METHODS)[number];
export type KeyMode = 'random' | 'fixed';
export type ClaimValue = string | number | boolean;

/** What a request names when it names no profile. */
export const DEFAULT_PROFILE = 'default';
/** A file profile's methods when it lists none: everything sign-url does; STS credentials only when asked for. */
export const DEFAULT_METHODS: readonly ProfileMethod[] = ['PUT', 'POST', 'MULTIPART'];
/** The one object of a fixed-key profile, in the profile's folder: `<user prefix><profile>/current`. */
export const FIXED_KEY_NAME = 'current';

export interface UploadProfile {
  name: string;
  /** Its folder in a user's prefix: `<name>/`; empty for the profile built from the variables (today's keys). */
  folder: string;
  contentTypes: readonly string[];
  minBytes: number;
  maxBytes: number;
  key: KeyMode;
  methods: readonly ProfileMethod[];
  ttlSeconds: number;
  /** Claim → the values allowed; empty when none is required. */
  requireClaims: Readonly<Record<string, readonly ClaimValue[]>>;
  maxObjectsPerUser: number | undefined;
  maxBytesPerUser: number | undefined;
  maxOpenUploadsPerUser: number | undefined;
}

export interface UploadProfiles {
  /** The profiles file they come from; undefined for the one profile built from the variables. */
  file: string | undefined;
  /** In the file's order. */
  list: readonly UploadProfile[];
}

/** A profiles file as the build bundles it: its name (for messages) and its parsed JSON. */
export interface ProfilesFile {
  name: string;
  document: unknown;
}

/** The variables a profile is built from when there is no file, and the default lifetime of a file's profiles. */
export interface ProfileVariables {
  allowedContentTypes: readonly string[];
  maxUploadBytes: number;
  signedUrlTtlSeconds: number;
}

export const PROFILES_SCHEMA: JsonSchema = profilesSchema;

/** Without a file: one profile, `default`, exactly what the variables said before profiles existed. */
export function profilesFromVariables(variables: ProfileVariables): UploadProfiles {
  return {
    file: undefined,
    list: [
      {
        name: DEFAULT_PROFILE,
        folder: '',
        contentTypes: variables.allowedContentTypes,
        minBytes: 1,
        maxBytes: variables.maxUploadBytes,
        key: 'random',
        methods: PROFILE_METHODS,
        ttlSeconds: variables.signedUrlTtlSeconds,
        requireClaims: {},
        maxObjectsPerUser: undefined,
        maxBytesPerUser: undefined,
        maxOpenUploadsPerUser: undefined,
      },
    ],
  };
}

/** At most this many problems are listed: a file that is wrong everywhere is wrong, and one line says where to start. */
const MAX_PROBLEMS = 5;

/** The file's profiles, or every problem found, each naming its file and field (`upload-profiles.json: avatar.maxBytes …`). */
export function profilesFromFile(
  file: ProfilesFile,
  defaults: Pick<ProfileVariables, 'signedUrlTtlSeconds'>,
): { ok: true; profiles: UploadProfiles } | { ok: false; problems: string[] } {
  const named = (path: string, message: string): string => `${file.name}: ${path === '' ? 'the file' : path} ${message}`;
  const schemaProblems = validateJsonSchema(PROFILES_SCHEMA, file.document);
  if (schemaProblems.length > 0) {
    const listed = schemaProblems.slice(0, MAX_PROBLEMS).map(({ path, message }) => named(path, message));
    if (schemaProblems.length > MAX_PROBLEMS) listed.push(`${file.name}: and ${schemaProblems.length - MAX_PROBLEMS} more problems`);
    return { ok: false, problems: listed };
  }
  // The schema has vouched for every field's shape.
  const document = file.document as Record<string, FileProfile>;
  const list = Object.entries(document)
    .filter(([name]) => name !== '$schema')
    .map(([name, profile]) => profileOf(name, profile, defaults.signedUrlTtlSeconds));
  const problems = list.flatMap((profile) => semanticProblems(profile).map(({ path, message }) => named(path, message)));
  return problems.length > 0 ? { ok: false, problems } : { ok: true, profiles: { file: file.name, list } };
}

/** A profile as the schema lets the file write it. */
interface FileProfile {
  contentTypes: string[];
  maxBytes: number;
  minBytes?: number;
  key?: KeyMode;
  methods?: ProfileMethod[];
  ttlSeconds?: number;
  requireClaims?: Record<string, ClaimValue[]>;
  maxObjectsPerUser?: number;
  maxBytesPerUser?: number;
  maxOpenUploadsPerUser?: number;
}

function profileOf(name: string, profile: FileProfile, defaultTtlSeconds: number): UploadProfile {
  return {
    name,
    folder: `${name}/`,
    contentTypes: profile.contentTypes,
    minBytes: profile.minBytes ?? 1,
    maxBytes: profile.maxBytes,
    key: profile.key ?? 'random',
    // In the canonical order, whatever the file's.
    methods: PROFILE_METHODS.filter((method) => (profile.methods ?? DEFAULT_METHODS).includes(method)),
    ttlSeconds: profile.ttlSeconds ?? defaultTtlSeconds,
    requireClaims: profile.requireClaims ?? {},
    maxObjectsPerUser: profile.maxObjectsPerUser,
    maxBytesPerUser: profile.maxBytesPerUser,
    maxOpenUploadsPerUser: profile.maxOpenUploadsPerUser,
  };
}

/** What the schema cannot compare: one field against another. */
function semanticProblems(profile: UploadProfile): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  if (profile.minBytes > profile.maxBytes) {
    problems.push({
      path: `${profile.name}.minBytes`,
      message: `(${profile.minBytes}) must not be more than maxBytes (${profile.maxBytes})`,
    });
  }
  return problems;
}

export function findProfile(profiles: UploadProfiles, name: string): UploadProfile | undefined {
  return profiles.list.find((profile) => profile.name === name);
}

/**
 * The profile whose folder `key` lies in, given the user's prefix it starts with: the first segment after the
 * prefix names it. Without a file, the one profile holds every key of the prefix.
 */
export function profileOfKey(profiles: UploadProfiles, userPrefix: string, key: string): UploadProfile | undefined {
  if (!key.startsWith(userPrefix)) return undefined;
  const rest = key.slice(userPrefix.length);
  return profiles.list.find((profile) => rest.startsWith(profile.folder));
}

/** Where a user's uploads of `profile` go: `<user prefix><profile>/` (the user prefix itself without a file). */
export function profilePrefix(userPrefix: string, profile: Pick<UploadProfile, 'folder'>): string {
  return `${userPrefix}${profile.folder}`;
}

/** The one key of a fixed-key profile for a user: `<user prefix><profile>/current`. */
export function fixedObjectKey(profilePrefixOfUser: string): string {
  return `${profilePrefixOfUser}${FIXED_KEY_NAME}`;
}
