/**
 * Multipart uploads through `sign-url`: the function starts the upload at OSS itself (the key it picks, the exact
 * Content-Type, never overwriting), signs the part URLs, and completes the upload only when the parts OSS holds
 * are the ones the client names, each of the length the plan gives it, adding up to the size declared. Stateless:
 * the key and the `uploadId` it answers are the handle, and the `uploadId` carries the declared size and part size
 * under the function's MAC (`shared/upload/upload-handle.ts`), so no step can be asked for more than was declared.
 * Only keys sign-url issues under the caller's own prefix are accepted (`requests.ts`), and a user may have at most
 * MAX_OPEN_UPLOADS_PER_USER uploads unfinished at a time, counted at OSS.
 */
import { signatureLifetimeSeconds, signerCredentials } from '../../shared/alicloud/access-key';
import { createOssClient, OssError, type ListedPart, type OssClient } from '../../shared/alicloud/oss-client';
import type { AnswerFor, CompletedPart, SignedParts } from '../../shared/contract';
import { HttpError, badRequest, internalError } from '../../shared/edge/errors';
import type { HandleInput, HandleResult } from '../../shared/edge/handler';
import { formatBytes } from '../../shared/upload/byte-size';
import { normaliseEtag } from '../../shared/upload/etag';
import { MAX_PART_URLS_PER_ANSWER, partPlan } from '../../shared/upload/parts';
import type { SignUrlCommand, UploadHandle } from '../../shared/upload/requests';
import type { UploadRules } from '../../shared/upload/rules';
import { partCountOf, partLength, signPartUrls } from '../../shared/upload/signed-parts';
import { CONTENT_DISPOSITION, forbidOverwrite } from '../../shared/upload/stored-object';
import { isIssuedHandle, issueUploadHandle, uploadHandleKey, type UploadPlan } from '../../shared/upload/upload-handle';
import { usageRecordKey } from '../../shared/upload/usage-record';
import { issueObjectKey } from './issue-key';
import { answerForOssError } from './oss-failure-answer';
import { checkGrantQuota } from './quota-check';
import type { SignUrlConfig } from './sign-upload';

type MultipartCommand = Exclude<SignUrlCommand, { method: 'PUT' } | { method: 'POST' } | { method: 'VERDICT' }>;
type Input = Omit<HandleInput<SignUrlConfig>, 'request' | 'input'>;

/** Headers of the upload OSS will enforce: never replacing an object (but a fixed-key profile's one key). */
const overwriteHeaders = (rules: UploadRules): Record<string, string> => ({ 'x-oss-forbid-overwrite': forbidOverwrite(rules.profile.key) });

/** One multipart step; an OSS call that fails becomes its HTTP answer here (`oss-failure-answer.ts`). */
export async function runMultipartStep(input: Input, rules: UploadRules, command: MultipartCommand): Promise<HandleResult> {
  try {
    return await runStep(input, rules, command);
  } catch (error) {
    throw error instanceof OssError ? answerForOssError(error) : error;
  }
}

/**
 * sign-url's cold-start check: the handles need a key every instance shares, and a JWKS gives none, so AUTH_JWKS_URL
 * without USER_HASH_SECRET is refused at cold start (and by `npm start` and `npm run deploy:check`, which run it),
 * rather than every multipart step answering 500.
 */
export function checkMultipartConfig(config: SignUrlConfig): string[] {
  if (uploadHandleKey(config) !== undefined) return [];
  return [
    'AUTH_JWKS_URL needs USER_HASH_SECRET (at least 32 bytes, e.g. openssl rand -base64 32): sign-url signs multipart upload ' +
      'handles with it, a key every instance must share (changing it later makes unfinished multipart uploads start over)',
  ];
}

/** The handles' key, derived once per configuration. */
const handleKeys = new WeakMap<SignUrlConfig, Buffer | undefined>();
function handleKeyOf(config: SignUrlConfig): Buffer {
  if (!handleKeys.has(config)) handleKeys.set(config, uploadHandleKey(config));
  const key = handleKeys.get(config);
  // Unreachable with a configuration that started: checkMultipartConfig refuses one without a key at cold start.
  if (key === undefined) throw internalError('multipart uploads need USER_HASH_SECRET (or AUTH_JWT_SECRET) to sign their handles');
  return key;
}

/** The plan a handle carries, once the function's MAC says sign-url issued it for this very key. */
function verifiedPlan(macKey: Uint8Array, handle: UploadHandle): UploadPlan {
  if (!isIssuedHandle(macKey, handle.key, handle.signed)) {
    throw new HttpError(403, 'Forbidden', 'uploadId is not one sign-url issued for this key: pass back the MULTIPART answer unchanged');
  }
  return { size: handle.signed.size, partSize: handle.signed.partSize };
}

async function runStep(input: Input, rules: UploadRules, command: MultipartCommand): Promise<HandleResult> {
  const macKey = handleKeyOf(input.config);
  const credentials = signerCredentials(input.context, input.config.fallbackCredentials);
  const lifetimeSeconds = signatureLifetimeSeconds(rules.ttlSeconds, credentials, input.now);
  const oss = createOssClient({
    endpoint: rules.ossEndpoint,
    bucket: rules.bucket,
    region: rules.region,
    credentials,
    signatureVersion: input.config.signatureVersion,
    // The function request's whole budget with OSS, whatever steps it takes.
    timeout: { ms: input.config.ossTimeoutMs, covers: 'all calls' },
  });
  const sign = (
    upload: { key: string; uploadId: string; plan: UploadPlan },
    partNumbers: readonly number[],
  ): Pick<SignedParts, 'parts' | 'expiresAt'> =>
    signPartUrls({ rules, ...upload, partNumbers, credentials, now: input.now, lifetimeSeconds, version: input.config.signatureVersion });

  switch (command.method) {
    case 'MULTIPART': {
      // Counted in the profile's folder: each profile has its own bound (MAX_OPEN_UPLOADS_PER_USER unless it says).
      await checkOpenUploads(oss, rules, rules.profile.maxOpenUploadsPerUser ?? input.config.maxOpenUploadsPerUser);
      await checkGrantQuota(
        () => oss,
        rules,
        command.size,
        usageRecordKey(input.config.uploadPrefix, input.identity.userSegment, rules.profile.name),
      );
      const key = issueObjectKey(rules, command, input.now);
      const { partSize, partCount } = partPlan(command.size);
      const plan = { size: command.size, partSize };
      // Stored as every sign-url upload is: the exact type, downloaded rather than rendered, never replacing anything.
      const uploadId = await oss.initiateMultipart({
        key,
        headers: { 'content-type': command.contentType, 'content-disposition': CONTENT_DISPOSITION, ...overwriteHeaders(rules) },
      });
      const first = Array.from({ length: Math.min(partCount, MAX_PART_URLS_PER_ANSWER) }, (_, index) => index + 1);
      const answer: AnswerFor<'MULTIPART'> = {
        method: 'MULTIPART',
        bucket: rules.bucket,
        key,
        profile: rules.profile.name,
        uploadId: issueUploadHandle({ macKey, key, ossUploadId: uploadId, plan }),
        partSize,
        partCount,
        ...sign({ key, uploadId, plan }, first),
      };
      return { answer, logKey: key };
    }
    case 'PARTS': {
      const plan = verifiedPlan(macKey, command.handle);
      const partCount = partCountOf(plan);
      const beyond = command.partNumbers.find((partNumber) => partNumber > partCount);
      if (beyond !== undefined) {
        throw badRequest(
          'InvalidPartNumber',
          `part ${beyond} is past this upload's last: its ${plan.size} bytes make ${partCount} parts of ${plan.partSize} bytes (the last what remains)`,
        );
      }
      // Listing first: URLs are signed only for an upload that exists, and the client learns what OSS holds.
      const uploaded = (await oss.listParts(command.handle)).map(({ partNumber, etag, size }) => ({
        partNumber,
        etag,
        size,
      }));
      const answer: AnswerFor<'PARTS'> = { ...sign({ ...command.handle, plan }, command.partNumbers), uploaded };
      return { answer, logKey: command.handle.key };
    }
    case 'COMPLETE': {
      const plan = verifiedPlan(macKey, command.handle);
      return {
        answer: await complete(oss, { rules, handle: command.handle, plan, requested: command.parts, givenSize: command.size }),
        logKey: command.handle.key,
      };
    }
    case 'ABORT':
      verifiedPlan(macKey, command.handle);
      await oss.abortMultipart(command.handle);
      return { answer: undefined satisfies AnswerFor<'ABORT'>, status: 204, logKey: command.handle.key };
  }
}

/**
 * At most `limit` unfinished uploads under the user's prefix of the profile (theirs through sign-url and their STS
 * folder's alike), counted at OSS so that every instance agrees; a burst of concurrent starts can pass it by the few
 * in flight.
 */
async function checkOpenUploads(oss: OssClient, rules: UploadRules, limit: number): Promise<void> {
  const open = await oss.countUploads({ prefix: rules.prefix, atMost: limit });
  if (open >= limit) {
    const where = rules.profile.folder === '' ? '' : ` in profile ${rules.profile.name}`;
    throw new HttpError(
      409,
      'QuotaExceeded',
      `you have ${limit} unfinished multipart uploads${where}, the most allowed: complete or abort one (ABORT) before starting another`,
    );
  }
}

interface Completion {
  rules: UploadRules;
  handle: UploadHandle;
  /** The declared size and part size, from the verified handle. */
  plan: UploadPlan;
  /** The parts the client names, with the ETags it got. */
  requested: readonly CompletedPart[];
  /** The size the client gave, when it gave one. */
  givenSize: number | undefined;
}

/**
 * The parts OSS holds must be exactly the client's, each of its planned length, adding up to the declared size; a sum
 * over the limit aborts the upload.
 */
async function complete(oss: OssClient, { rules, handle, plan, requested, givenSize }: Completion): Promise<AnswerFor<'COMPLETE'>> {
  if (givenSize !== undefined && givenSize !== plan.size) {
    throw badRequest('InvalidSize', `size ${givenSize} is not the ${plan.size} bytes declared when the upload started`);
  }
  const listed = await oss.listParts(handle);
  const held = new Map(listed.map((part) => [part.partNumber, part]));
  const parts: ListedPart[] = requested.map(({ partNumber, etag }) => {
    const part = held.get(partNumber);
    if (part === undefined) throw badRequest('InvalidPart', `part ${partNumber} is not at OSS: upload it first`);
    if (normaliseEtag(part.etag) !== normaliseEtag(etag))
      throw badRequest('InvalidPart', `part ${partNumber} at OSS has another etag than the one sent`);
    return part;
  });
  const unnamed = listed.find((part) => !requested.some(({ partNumber }) => partNumber === part.partNumber));
  if (unnamed !== undefined) throw badRequest('InvalidPart', `OSS holds part ${unnamed.partNumber}, which the parts do not name`);

  const size = parts.reduce((sum, part) => sum + part.size, 0);
  if (size > rules.maxBytes) {
    let logDetail: string | undefined;
    try {
      await oss.abortMultipart(handle);
    } catch (error) {
      if (!(error instanceof OssError)) throw error;
      // The bucket's lifecycle rule removes the parts later; the client's answer is the same.
      logDetail = `the parts add up to ${size} bytes; aborting failed: ${error.message}`;
    }
    throw new HttpError(
      413,
      'EntityTooLarge',
      `the parts add up to ${formatBytes(size)}, over the limit of ${formatBytes(rules.maxBytes)}: the upload is aborted`,
      {
        sizes: { size, maxBytes: rules.maxBytes },
        ...(logDetail === undefined ? {} : { logDetail }),
      },
    );
  }
  // What a V4 part URL binds, checked for every part (a V1 URL cannot bind a length).
  const misfit = parts.find((part) => part.size !== partLength(plan, part.partNumber));
  if (misfit !== undefined) {
    throw badRequest(
      'InvalidPart',
      `part ${misfit.partNumber} is ${misfit.size} bytes; this upload's part ${misfit.partNumber} is ${partLength(plan, misfit.partNumber)}: upload it again`,
    );
  }
  if (size !== plan.size) {
    throw badRequest('InvalidSize', `the parts add up to ${size} bytes, not the ${plan.size} declared when the upload started`);
  }
  const { etag } = await oss.completeMultipart({ ...handle, parts, headers: overwriteHeaders(rules) });
  return { bucket: rules.bucket, key: handle.key, profile: rules.profile.name, size, etag };
}
