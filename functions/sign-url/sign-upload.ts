/**
 * The `sign-url` use case: a validated request for one upload of one profile in, a signed PUT URL or POST form out;
 * the steps of a multipart upload (`MULTIPART`, `PARTS`, `COMPLETE`, `ABORT`) are `multipart.ts`, and the verdict on
 * an upload (`VERDICT`) is `verdict.ts`. The profile decides the rules (types, sizes, key, lifetime), who may use it
 * (claims) and how (methods); its quota is counted at OSS before anything is signed (`quota-check.ts`).
 */
import { signatureLifetimeSeconds, signerCredentials } from '../../shared/alicloud/access-key';
import {
  composeSections,
  edgeSection,
  type ConfigOf,
  multipartSection,
  ossClientSection,
  signerSection,
  signingSection,
  uploadSection,
  verdictSection,
} from '../../shared/config/sections';
import type { AnswerFor, SignUrlMethod, UploadMethod } from '../../shared/contract';
import { HttpError } from '../../shared/edge/errors';
import type { FunctionDefinition, HandleInput } from '../../shared/edge/handler';
import { formatBytes } from '../../shared/upload/byte-size';
import { checkProfileAccess, profileOfRequest } from '../../shared/upload/profile-access';
import type { ProfileMethod } from '../../shared/upload/profiles';
import { parseSignUrlRequest } from '../../shared/upload/requests';
import { ownField, uploadRulesFor, userPrefixOf, type UploadRequest, type UploadRules } from '../../shared/upload/rules';
import { signPostUpload, signPutUpload } from '../../shared/upload/signed-upload';
import { usageRecordKey } from '../../shared/upload/usage-record';
import { issueObjectKey } from './issue-key';
import { checkMultipartConfig, runMultipartStep } from './multipart';
import { checkGrantQuota, ossClientFor } from './quota-check';
import { answerVerdict } from './verdict';

export const signUrlConfig = composeSections(
  edgeSection,
  uploadSection,
  signingSection,
  signerSection,
  ossClientSection,
  multipartSection,
  verdictSection,
);
export type SignUrlConfig = ConfigOf<typeof signUrlConfig>;

/** OSS takes at most this much in one PUT or POST: larger files go in parts. */
export const SINGLE_REQUEST_MAX_BYTES = 5 * 1024 ** 3;

export function signUpload(
  input: Omit<HandleInput<SignUrlConfig>, 'request' | 'input'>,
  rules: UploadRules,
  upload: UploadRequest,
): AnswerFor<UploadMethod> {
  const { config, context, now } = input;
  const credentials = signerCredentials(context, config.fallbackCredentials);
  const signingInput = {
    rules,
    key: issueObjectKey(rules, upload, now),
    contentType: upload.contentType,
    credentials,
    now,
    lifetimeSeconds: signatureLifetimeSeconds(rules.ttlSeconds, credentials, now),
    version: config.signatureVersion,
  };
  return upload.method === 'PUT' ? signPutUpload({ ...signingInput, size: upload.size }) : signPostUpload(signingInput);
}

/** What a sign-url method asks of a profile: ABORT asks nothing (it only removes what the caller started). */
const PROFILE_METHOD: Readonly<Record<Exclude<SignUrlMethod, 'VERDICT'>, ProfileMethod | undefined>> = {
  PUT: 'PUT',
  POST: 'POST',
  MULTIPART: 'MULTIPART',
  PARTS: 'MULTIPART',
  COMPLETE: 'MULTIPART',
  ABORT: undefined,
};

/** The profile method a request body asks for, when it names a method there is (else the parser refuses it). */
function profileMethodOf(body: unknown): ProfileMethod | undefined {
  const method = ownField(body, 'method') ?? 'PUT';
  return typeof method === 'string' && Object.hasOwn(PROFILE_METHOD, method)
    ? PROFILE_METHOD[method as keyof typeof PROFILE_METHOD]
    : undefined;
}

/** What the entry point hands to the FC edge; the dev server and the tests build handlers from it too. */
export const signUrlFunction: FunctionDefinition<SignUrlConfig> = {
  name: 'sign-url',
  config: signUrlConfig,
  checkConfig: checkMultipartConfig,
  handle: async (input) => {
    const { identity, config } = input;
    // A verdict is asked of any key of the caller's own prefix, whichever profile's folder it is in (or none's): it
    // grants nothing, so no profile is checked, and the key may lie anywhere in the user's prefix.
    if (ownField(input.input, 'method') === 'VERDICT') {
      const rules = { ...uploadRulesFor(identity, config, config.profiles.list[0]!), prefix: userPrefixOf(identity, config) };
      const command = parseSignUrlRequest(input.input, rules);
      if (command.method === 'VERDICT') return answerVerdict(input, rules, command.key);
    }
    const profile = profileOfRequest(input.input, config.profiles, userPrefixOf(identity, config));
    const method = profileMethodOf(input.input);
    if (method !== undefined) checkProfileAccess(profile, method, identity.claims);
    const rules = uploadRulesFor(identity, config, profile);
    const command = parseSignUrlRequest(input.input, rules);
    if (command.method === 'PUT' || command.method === 'POST') {
      const { upload } = command;
      if (upload.size !== undefined && upload.size > SINGLE_REQUEST_MAX_BYTES) {
        throw new HttpError(
          413,
          'EntityTooLarge',
          `size ${formatBytes(upload.size)} is over the ${formatBytes(SINGLE_REQUEST_MAX_BYTES)} one ${upload.method} takes: use MULTIPART`,
          { sizes: { size: upload.size, maxBytes: SINGLE_REQUEST_MAX_BYTES } },
        );
      }
      // A POST form's size range ends where the user's byte quota does, when that is sooner (OSS enforces it).
      const maxBytes = Math.min(
        rules.maxBytes,
        SINGLE_REQUEST_MAX_BYTES,
        await checkGrantQuota(
          () => ossClientFor(input, rules),
          rules,
          upload.size ?? rules.minBytes,
          usageRecordKey(config.uploadPrefix, identity.userSegment, profile.name),
        ),
      );
      const answer = signUpload(input, { ...rules, maxBytes }, upload);
      return { answer, logKey: answer.key };
    }
    if (command.method === 'VERDICT') return answerVerdict(input, rules, command.key);
    return runMultipartStep(input, rules, command);
  },
};
