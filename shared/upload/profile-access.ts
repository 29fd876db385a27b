/**
 * Which profile a request is for, and whether its caller may use it that way: the profile the request names
 * (`profile`, default `default`), or for a step of a multipart upload the one its key lies in; then the claims the
 * profile requires (403 naming the first one missing) and the methods it allows (403 naming the ones it does).
 */
import { HttpError, badRequest } from '../edge/errors';
import { DEFAULT_PROFILE, findProfile, profileOfKey, type ProfileMethod, type UploadProfile, type UploadProfiles } from './profiles';
import { ownField } from './rules';

const NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/** The steps of an upload already started, which name it by its key. */
const STEPS = new Set(['PARTS', 'COMPLETE', 'ABORT']);

/**
 * The profile of a request body: the one its key lies in for PARTS, COMPLETE and ABORT (a `profile` it names as well
 * must be that one), else the one it names, else `default`. 400 InvalidProfile for a name no profile has.
 */
export function profileOfRequest(body: unknown, profiles: UploadProfiles, userPrefix: string): UploadProfile {
  const named = ownField(body, 'profile');
  if (named !== undefined && (typeof named !== 'string' || !NAME.test(named))) {
    throw badRequest('InvalidProfile', `profile must be the name of a profile: ${listed(profiles)}`);
  }
  const method = ownField(body, 'method');
  const key = ownField(body, 'key');
  if (typeof method === 'string' && STEPS.has(method) && typeof key === 'string') {
    const ofKey = profileOfKey(profiles, userPrefix, key);
    if (ofKey !== undefined) {
      if (named !== undefined && named !== ofKey.name) {
        throw badRequest(
          'InvalidProfile',
          `key is an upload of profile ${ofKey.name}, not ${named}: leave profile out, or name ${ofKey.name}`,
        );
      }
      return ofKey;
    }
    // A key in no profile's folder is no upload of this user's: refused as such when the handle is read.
  }
  return profileNamed(named ?? DEFAULT_PROFILE, profiles, named === undefined);
}

/** The profile named `name`: 400 InvalidProfile naming the profiles there are when there is none. */
export function profileNamed(name: string, profiles: UploadProfiles, defaulted = false): UploadProfile {
  const profile = findProfile(profiles, name);
  if (profile !== undefined) return profile;
  throw badRequest(
    'InvalidProfile',
    defaulted
      ? `profile is required (there is no profile named ${DEFAULT_PROFILE}): ${listed(profiles)}`
      : `there is no profile named ${name}: ${listed(profiles)}`,
  );
}

/**
 * Whether the caller may use `profile` with `method`: 403 naming the first claim the token lacks (or holds with a
 * value the profile does not allow), then 403 naming the methods the profile allows.
 */
export function checkProfileAccess(profile: UploadProfile, method: ProfileMethod, claims: Readonly<Record<string, unknown>>): void {
  const claim = firstMissingClaim(profile, claims);
  if (claim !== undefined) {
    throw new HttpError(
      403,
      'Forbidden',
      `profile ${profile.name} requires the token claim ${JSON.stringify(claim)}, with an allowed value`,
      {
        reason: 'missing_claim',
      },
    );
  }
  if (!profile.methods.includes(method)) {
    throw new HttpError(403, 'Forbidden', `profile ${profile.name} does not allow ${method}; it allows ${profile.methods.join(', ')}`, {
      reason: 'method_not_in_profile',
    });
  }
}

/**
 * The first claim the token lacks or holds with a value the profile does not allow, undefined when it has them all.
 * A list claim (`roles: ["paid", "beta"]`) passes when any of its values is allowed.
 */
export function firstMissingClaim(
  profile: Pick<UploadProfile, 'requireClaims'>,
  claims: Readonly<Record<string, unknown>>,
): string | undefined {
  for (const [claim, allowed] of Object.entries(profile.requireClaims)) {
    const value = Object.hasOwn(claims, claim) ? claims[claim] : undefined;
    const values: unknown[] = Array.isArray(value) ? value : [value];
    if (!values.some((candidate) => allowed.some((permitted) => permitted === candidate))) return claim;
  }
  return undefined;
}

function listed(profiles: UploadProfiles): string {
  return `the profiles are ${profiles.list.map((profile) => profile.name).join(', ')}`;
}
