/**
 * Multipart uploads through `sign-url`: the function starts the upload at OSS itself (the key it picks, the exact
 * Content-Type, never overwriting), signs the part URLs, and completes the upload only when the parts OSS holds
 * are the ones the client names and add up to at most MAX_UPLOAD_BYTES. Stateless: the key and the upload id are
 * the handle, and only keys sign-url issues under the caller's own prefix are accepted (`requests.ts`).
 */
import { signatureLifetimeSeconds, signerCredentials } from '../../shared/alicloud/access-key';
import { createOssClient, OssError, type ListedPart, type OssClient } from '../../shared/alicloud/oss-client';
import type { AnswerFor, CompletedPart, SignedParts } from '../../shared/contract';
import { HttpError, badRequest } from '../../shared/edge/errors';
import type { HandleInput, HandleResult } from '../../shared/edge/handler';
import { formatBytes } from '../../shared/upload/byte-size';
import { normaliseEtag } from '../../shared/upload/etag';
import { MAX_PART_URLS_PER_ANSWER, partPlan } from '../../shared/upload/parts';
import type { SignUrlCommand, UploadHandle } from '../../shared/upload/requests';
import type { UploadRules } from '../../shared/upload/rules';
import { signPartUrls } from '../../shared/upload/signed-parts';
import { CONTENT_DISPOSITION } from '../../shared/upload/stored-object';
import { issueObjectKey } from './issue-key';
import { answerForOssError } from './oss-failure-answer';
import type { SignUrlConfig } from './sign-upload';

type MultipartCommand = Exclude<SignUrlCommand, { method: 'PUT' } | { method: 'POST' }>;
type Input = Omit<HandleInput<SignUrlConfig>, 'request' | 'input'>;

/** Headers of the upload OSS will enforce: the exact type we checked, and never replacing an object. */
const FORBID_OVERWRITE = { 'x-oss-forbid-overwrite': 'true' } as const;

/** One multipart step; an OSS call that fails becomes its HTTP answer here (`oss-failure-answer.ts`). */
export async function runMultipartStep(input: Input, rules: UploadRules, command: MultipartCommand): Promise<HandleResult> {
  try {
    return await runStep(input, rules, command);
  } catch (error) {
    throw error instanceof OssError ? answerForOssError(error) : error;
  }
}

async function runStep(input: Input, rules: UploadRules, command: MultipartCommand): Promise<HandleResult> {
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
  const sign = (handle: UploadHandle, partNumbers: readonly number[]): Pick<SignedParts, 'parts' | 'expiresAt'> =>
    signPartUrls({ rules, ...handle, partNumbers, credentials, now: input.now, lifetimeSeconds, version: input.config.signatureVersion });

  switch (command.method) {
    case 'MULTIPART': {
      const key = issueObjectKey(rules.prefix, command, input.now);
      const { partSize, partCount } = partPlan(command.size);
      // Stored as every sign-url upload is: the exact type, downloaded rather than rendered, never replacing anything.
      const uploadId = await oss.initiateMultipart({
        key,
        headers: { 'content-type': command.contentType, 'content-disposition': CONTENT_DISPOSITION, ...FORBID_OVERWRITE },
      });
      const first = Array.from({ length: Math.min(partCount, MAX_PART_URLS_PER_ANSWER) }, (_, index) => index + 1);
      const answer: AnswerFor<'MULTIPART'> = {
        method: 'MULTIPART',
        bucket: rules.bucket,
        key,
        uploadId,
        partSize,
        partCount,
        ...sign({ key, uploadId }, first),
      };
      return { answer, logKey: key };
    }
    case 'PARTS': {
      // Listing first: URLs are signed only for an upload that exists, and the client learns what OSS holds.
      const uploaded = (await oss.listParts(command.handle)).map(({ partNumber, etag, size }) => ({
        partNumber,
        etag,
        size,
      }));
      const answer: AnswerFor<'PARTS'> = { ...sign(command.handle, command.partNumbers), uploaded };
      return { answer, logKey: command.handle.key };
    }
    case 'COMPLETE':
      return {
        answer: await complete(oss, { rules, handle: command.handle, requested: command.parts, declaredSize: command.size }),
        logKey: command.handle.key,
      };
    case 'ABORT':
      await oss.abortMultipart(command.handle);
      return { answer: undefined satisfies AnswerFor<'ABORT'>, status: 204, logKey: command.handle.key };
  }
}

interface Completion {
  rules: UploadRules;
  handle: UploadHandle;
  /** The parts the client names, with the ETags it got. */
  requested: readonly CompletedPart[];
  /** The size the client gave, when it gave one. */
  declaredSize: number | undefined;
}

/** The parts OSS holds must be exactly the client's, and their sum within the limit (else the upload is aborted). */
async function complete(oss: OssClient, { rules, handle, requested, declaredSize }: Completion): Promise<AnswerFor<'COMPLETE'>> {
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
  if (declaredSize !== undefined && size !== declaredSize) {
    throw badRequest('InvalidSize', `the parts add up to ${size} bytes, not the ${declaredSize} given as size`);
  }
  const { etag } = await oss.completeMultipart({ ...handle, parts, headers: { ...FORBID_OVERWRITE } });
  return { bucket: rules.bucket, key: handle.key, size, etag };
}
