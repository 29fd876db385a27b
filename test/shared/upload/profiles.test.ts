/**
 * Upload profiles as data: the file read (defaults, what the schema cannot say, problems naming file and field), the
 * configuration with and without it, which profile a request or a key is of, who may use it, and the quota's counting
 * (stopping as soon as the answer is known) and words.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { uploadSection } from '../../../shared/config/sections';
import { HttpError } from '../../../shared/edge/errors';
import { checkProfileAccess, firstMissingClaim, profileOfRequest } from '../../../shared/upload/profile-access';
import {
  fixedObjectKey,
  profileOfKey,
  profilesFromFile,
  profilesFromVariables,
  type UploadProfiles,
} from '../../../shared/upload/profiles';
import {
  bytesLeft,
  countUsage,
  grantRefusal,
  grantSettled,
  landingSettled,
  overQuota,
  type ListObjects,
} from '../../../shared/upload/quota';
import { parseUsageRecord, serialiseUsageRecord, usageFolderOf, usageRecordKey } from '../../../shared/upload/usage-record';
import { baseEnv } from '../../support/env';
import { loadConfig } from '../../../shared/config/sections';

const root = join(__dirname, '..', '..', '..');
const example = JSON.parse(readFileSync(join(root, 'upload-profiles.example.json'), 'utf8')) as unknown;

function load(document: unknown): UploadProfiles {
  const loaded = profilesFromFile({ name: 'upload-profiles.json', document }, { signedUrlTtlSeconds: 300 });
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  return loaded.profiles;
}

const problemsOf = (document: unknown): string[] => {
  const loaded = profilesFromFile({ name: 'upload-profiles.json', document }, { signedUrlTtlSeconds: 300 });
  return loaded.ok ? [] : loaded.problems;
};

describe('the profiles file', () => {
  test('the example: avatar and documents, every field left out given its default', () => {
    expect(load(example)).toEqual({
      file: 'upload-profiles.json',
      list: [
        {
          name: 'avatar',
          folder: 'avatar/',
          contentTypes: ['image/jpeg', 'image/png', 'image/webp'],
          minBytes: 1,
          maxBytes: 2_097_152,
          key: 'fixed',
          methods: ['PUT', 'POST'],
          ttlSeconds: 120,
          requireClaims: {},
          maxObjectsPerUser: undefined,
          maxBytesPerUser: undefined,
          maxOpenUploadsPerUser: undefined,
        },
        {
          name: 'documents',
          folder: 'documents/',
          contentTypes: ['application/pdf'],
          minBytes: 100,
          maxBytes: 52_428_800,
          key: 'random',
          methods: ['PUT', 'POST', 'MULTIPART', 'STS'],
          ttlSeconds: 300,
          requireClaims: {},
          maxObjectsPerUser: 20,
          maxBytesPerUser: 209_715_200,
          maxOpenUploadsPerUser: 3,
        },
      ],
    });
  });

  test("methods default to what sign-url does (STS only when asked for), in one order whatever the file's", () => {
    const { list } = load({
      a: { contentTypes: ['image/png'], maxBytes: 10 },
      b: { contentTypes: ['image/png'], maxBytes: 10, methods: ['STS', 'PUT'] },
    });
    expect(list.map((profile) => profile.methods)).toEqual([
      ['PUT', 'POST', 'MULTIPART'],
      ['PUT', 'STS'],
    ]);
  });

  test('what the schema cannot say: minBytes over maxBytes', () => {
    expect(problemsOf({ a: { contentTypes: ['image/png'], maxBytes: 10, minBytes: 11 } })).toEqual([
      'upload-profiles.json: a.minBytes (11) must not be more than maxBytes (10)',
    ]);
  });

  test('problems name the file and the field, at most five and how many more', () => {
    expect(problemsOf({ a: { contentTypes: ['Image/PNG'], maxBytes: 0, key: 'fixed', methods: ['STS'] } })).toEqual([
      'upload-profiles.json: a.methods is not allowed here: A fixed key is chosen by the server: STS credentials, whose holder picks the keys, cannot write it.',
      'upload-profiles.json: a.contentTypes[0] must match ^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/(\\*|[a-z0-9][a-z0-9!#$&^_.+-]{0,126})$: A lower-case type/subtype or type/*, without parameters.',
      'upload-profiles.json: a.maxBytes must be at least 1: The largest file, in bytes (above 5 GiB only MULTIPART can upload it).',
    ]);
    const many = Object.fromEntries(Array.from({ length: 7 }, (_, index) => [`p${index}`, { maxBytes: 1 }]));
    const problems = problemsOf(many);
    expect(problems).toHaveLength(6);
    expect(problems[5]).toBe('upload-profiles.json: and 2 more problems');
    expect(problemsOf([])).toEqual([
      'upload-profiles.json: the file must be an object: The kinds of upload users may make, each with its own rules, limits and per-user quota (docs/upload-profiles.md). Keys are profile names; a request names one in "profile" (default "default").',
    ]);
    expect(problemsOf({ Avatar: { contentTypes: ['image/png'], maxBytes: 1 } })[0]).toBe(
      'upload-profiles.json: Avatar is not a valid profile name (^[a-z][a-z0-9_-]{0,31}$)',
    );
  });
});

describe('the configuration', () => {
  const profilesFile = { name: 'upload-profiles.json', document: example };

  test('without a file: one profile, default, from the variables, keys in the user prefix itself', () => {
    const loaded = loadConfig(baseEnv({ MAX_UPLOAD_BYTES: '1000' }), uploadSection, null);
    expect(loaded.ok && loaded.config.profiles).toEqual(
      profilesFromVariables({
        allowedContentTypes: loaded.ok ? loaded.config.allowedContentTypes : [],
        maxUploadBytes: 1000,
        signedUrlTtlSeconds: 300,
      }),
    );
    expect(loaded.ok && loaded.config.profiles.list[0]?.folder).toBe('');
  });

  test('with a file: its profiles; the two variables it overrules, when set, are named', () => {
    const loaded = loadConfig(baseEnv(), uploadSection, profilesFile);
    expect(loaded.ok && loaded.config.profiles.list.map((profile) => profile.name)).toEqual(['avatar', 'documents']);
    expect(loadConfig(baseEnv({ MAX_UPLOAD_BYTES: '1000', ALLOWED_CONTENT_TYPES: 'image/png' }), uploadSection, profilesFile)).toEqual({
      ok: false,
      problems: [
        'ALLOWED_CONTENT_TYPES is set, but upload-profiles.json gives every profile its own contentTypes and maxBytes: unset ALLOWED_CONTENT_TYPES',
        'MAX_UPLOAD_BYTES is set, but upload-profiles.json gives every profile its own contentTypes and maxBytes: unset MAX_UPLOAD_BYTES',
      ],
    });
  });

  test('a bad file is a configuration problem like a bad variable', () => {
    const loaded = loadConfig(baseEnv(), uploadSection, { name: 'upload-profiles.json', document: { a: { maxBytes: 1 } } });
    expect(loaded).toEqual({ ok: false, problems: ['upload-profiles.json: a needs contentTypes: What one kind of upload may be.'] });
  });
});

describe('which profile', () => {
  const profiles = load(example);
  const prefix = 'users/alice/';

  test('of a key: the first segment after the user prefix; none for any other key', () => {
    expect(profileOfKey(profiles, prefix, 'users/alice/documents/2026/01/x.pdf')?.name).toBe('documents');
    expect(profileOfKey(profiles, prefix, fixedObjectKey('users/alice/avatar/'))?.name).toBe('avatar');
    expect(profileOfKey(profiles, prefix, 'users/alice/2026/01/x.pdf')).toBeUndefined();
    expect(profileOfKey(profiles, prefix, 'users/alice/documentsx/a.pdf')).toBeUndefined();
    expect(profileOfKey(profiles, prefix, 'users/bob/documents/a.pdf')).toBeUndefined();
  });

  const codeOf = (run: () => unknown): string => {
    try {
      run();
    } catch (error) {
      if (error instanceof HttpError) return `${error.status} ${error.code}: ${error.message}`;
      throw error;
    }
    return 'none';
  };

  test("of a request: named, else default (400 naming the profiles when there is none); a later step's, from its key", () => {
    expect(profileOfRequest({ profile: 'avatar' }, profiles, prefix).name).toBe('avatar');
    expect(codeOf(() => profileOfRequest({}, profiles, prefix))).toBe(
      '400 InvalidProfile: profile is required (there is no profile named default): the profiles are avatar, documents',
    );
    expect(codeOf(() => profileOfRequest({ profile: 'videos' }, profiles, prefix))).toBe(
      '400 InvalidProfile: there is no profile named videos: the profiles are avatar, documents',
    );
    const step = { method: 'COMPLETE', key: 'users/alice/documents/2026/01/x.pdf' };
    expect(profileOfRequest(step, profiles, prefix).name).toBe('documents');
    expect(codeOf(() => profileOfRequest({ ...step, profile: 'avatar' }, profiles, prefix))).toBe(
      '400 InvalidProfile: key is an upload of profile documents, not avatar: leave profile out, or name documents',
    );
    // Without a file, every request is the default profile's.
    expect(
      profileOfRequest({}, profilesFromVariables({ allowedContentTypes: [], maxUploadBytes: 1, signedUrlTtlSeconds: 300 }), prefix).name,
    ).toBe('default');
  });

  test('claims: each required claim present with an allowed value (any one of a list claim), else 403 naming it', () => {
    const paid = { requireClaims: { plan: ['pro', 'team'], 'https://example.com/verified': [true] } };
    expect(firstMissingClaim(paid, { plan: 'pro', 'https://example.com/verified': true })).toBeUndefined();
    expect(firstMissingClaim(paid, { plan: ['free', 'team'], 'https://example.com/verified': true })).toBeUndefined();
    expect(firstMissingClaim(paid, { 'https://example.com/verified': true })).toBe('plan');
    expect(firstMissingClaim(paid, { plan: 'PRO', 'https://example.com/verified': true })).toBe('plan');
    expect(firstMissingClaim(paid, { plan: 'pro', 'https://example.com/verified': 'true' })).toBe('https://example.com/verified');
    const [avatar] = profiles.list;
    expect(codeOf(() => checkProfileAccess({ ...avatar!, requireClaims: { plan: ['pro'] } }, 'PUT', {}))).toBe(
      '403 Forbidden: profile avatar requires the token claim "plan", with an allowed value',
    );
    expect(codeOf(() => checkProfileAccess(avatar!, 'MULTIPART', {}))).toBe(
      '403 Forbidden: profile avatar does not allow MULTIPART; it allows PUT, POST',
    );
    expect(codeOf(() => checkProfileAccess(avatar!, 'PUT', {}))).toBe('none');
  });
});

describe('quotas', () => {
  const documents = { name: 'documents', maxObjectsPerUser: 20, maxBytesPerUser: 200 * 1024 * 1024 };

  test('at grant: refused in words once one more object, or this many bytes, would go over', () => {
    expect(grantRefusal(documents, { objects: 19, bytes: 0 }, 1)).toBeUndefined();
    expect(grantRefusal(documents, { objects: 20, bytes: 0 }, 1)?.message).toBe(
      'profile documents keeps at most 20 objects per user and you have 20: delete one before uploading another',
    );
    expect(grantRefusal(documents, { objects: 3, bytes: 190 * 1024 * 1024 }, 20 * 1024 * 1024)?.message).toBe(
      'profile documents keeps at most 200 MiB per user and you have 190 MiB: a file of 20 MiB would take you to 210 MiB',
    );
    expect([
      grantRefusal(documents, { objects: 20, bytes: 0 }, 1)?.status,
      grantRefusal(documents, { objects: 20, bytes: 0 }, 1)?.code,
    ]).toEqual([409, 'QuotaExceeded']);
    expect(bytesLeft(documents, { objects: 3, bytes: 190 * 1024 * 1024 })).toBe(10 * 1024 * 1024);
  });

  test('after landing: over when the count (the object included) passes a limit', () => {
    expect(overQuota(documents, { objects: 20, bytes: 0 })).toBeUndefined();
    expect(overQuota(documents, { objects: 21, bytes: 0 })).toBe("21 objects, over profile documents's 20 per user");
    expect(overQuota({ name: 'x', maxObjectsPerUser: undefined, maxBytesPerUser: 100 }, { objects: 2, bytes: 101 })).toBe(
      "101 B, over profile x's 100 B per user",
    );
  });

  /** A listing of `count` objects of 10 bytes, in pages of 1000, that records which pages were asked for. */
  function listing(count: number): { list: ListObjects; pages: string[] } {
    const pages: string[] = [];
    const list: ListObjects = async ({ marker }) => {
      pages.push(marker);
      const start = marker === '' ? 0 : Number(marker) + 1;
      const end = Math.min(count, start + 1000);
      const objects = Array.from({ length: end - start }, (_, index) => ({ key: String(start + index), size: 10 }));
      return { objects, nextMarker: end < count ? String(end - 1) : undefined };
    };
    return { list, pages };
  }

  test('counting stops as soon as the answer is known: at the limit for a grant, past it after landing', async () => {
    const quota = { name: 'q', maxObjectsPerUser: 1500, maxBytesPerUser: undefined };
    const grant = listing(5000);
    await expect(countUsage(grant.list, 'p/', grantSettled(quota, 1))).resolves.toEqual({ objects: 1500, bytes: 15_000 });
    expect(grant.pages).toEqual(['', '999']);
    const landing = listing(5000);
    await expect(countUsage(landing.list, 'p/', landingSettled(quota))).resolves.toEqual({ objects: 1501, bytes: 15_010 });
    const within = listing(1200);
    await expect(countUsage(within.list, 'p/', landingSettled(quota))).resolves.toEqual({ objects: 1200, bytes: 12_000 });
    expect(within.pages).toEqual(['', '999']);
  });

  test("the usage record: beside the users' folder, read back exactly, anything else ignored", () => {
    expect(usageFolderOf({ before: 'users/' })).toBe('users.usage/');
    expect(usageRecordKey({ before: 'app/users/' }, 'alice', 'documents')).toBe('app/users.usage/alice/documents');
    const written = serialiseUsageRecord({ objects: 3, bytes: 300 }, new Date(0));
    expect(JSON.parse(written.toString())).toEqual({ objects: 3, bytes: 300, countedAt: '1970-01-01T00:00:00.000Z' });
    expect(parseUsageRecord(written)).toEqual({ objects: 3, bytes: 300 });
    for (const garbage of ['', '{', 'null', '[]', '{"objects":-1,"bytes":0}', '{"objects":1.5,"bytes":0}', '{"objects":1}']) {
      expect(parseUsageRecord(Buffer.from(garbage))).toBeUndefined();
    }
  });
});
