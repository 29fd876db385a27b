/**
 * `VERDICT`: what upload-completed decided about one of the caller's objects, read from the record it keeps in OSS
 * (shared/upload/verdict-record.ts), so every instance answers alike. No record yet: `pending` while the object is
 * there, `unknown` when it is not (never uploaded), or when it landed longer ago than records are kept. Whether it is
 * there is learnt by listing its key, never by reading it: the role may not read users' objects. The key was
 * checked to lie under the caller's own prefix before this runs (shared/upload/requests.ts), so the listing's prefix
 * is within the users' folder the role may list (oss:Prefix).
 */
import { signerCredentials } from '../../shared/alicloud/access-key';
import { createOssClient, OssError, type ListedObject, type OssClient } from '../../shared/alicloud/oss-client';
import type { AnswerFor } from '../../shared/contract';
import type { HandleInput, HandleResult } from '../../shared/edge/handler';
import type { UploadRules } from '../../shared/upload/rules';
import { rejectionMessage } from '../../shared/upload/verdict-messages';
import {
  decodeVerdictRecord,
  MAX_RECORD_BYTES,
  VERDICT_RECORD_DAYS,
  verdictRecordKey,
  type VerdictRecord,
} from '../../shared/upload/verdict-record';
import { answerForOssError } from './oss-failure-answer';
import type { SignUrlConfig } from './sign-upload';

type Input = Omit<HandleInput<SignUrlConfig>, 'request' | 'input'>;

const DAY_MS = 24 * 60 * 60 * 1000;

export async function answerVerdict(input: Input, rules: UploadRules, key: string): Promise<HandleResult> {
  const oss = createOssClient({
    endpoint: rules.ossEndpoint,
    bucket: rules.bucket,
    region: rules.region,
    credentials: signerCredentials(input.context, input.config.fallbackCredentials),
    signatureVersion: input.config.signatureVersion,
    timeout: { ms: input.config.ossTimeoutMs, covers: 'all calls' },
  });
  try {
    return { answer: await verdictOf(oss, input, key), logKey: key };
  } catch (error) {
    throw error instanceof OssError ? answerForOssError(error) : error;
  }
}

async function verdictOf(oss: OssClient, input: Input, key: string): Promise<AnswerFor<'VERDICT'>> {
  const record = await recordOf(oss, input.config.verdictPrefix, key);
  if (record !== undefined) return answerFrom(record);
  const landed = await landedObject(oss, key);
  if (landed === undefined) {
    // upload-completed keeps the record before it removes anything: a record written since the first read is there now.
    const late = await recordOf(oss, input.config.verdictPrefix, key);
    return late === undefined ? { key, verdict: 'unknown' } : answerFrom(late);
  }
  // Landed before the oldest records OSS still keeps: judged long ago, its record expired (the object stayed, but
  // nothing here says it was ever judged).
  const landedAt = landed.lastModified?.getTime() ?? input.now.getTime();
  return input.now.getTime() - landedAt > VERDICT_RECORD_DAYS * DAY_MS ? { key, verdict: 'unknown' } : { key, verdict: 'pending' };
}

/**
 * The object at exactly `key`, found by listing rather than HEAD: HEAD needs oss:GetObject, which would let the role
 * read every user's files, where listing (confined by oss:Prefix to the users' folder) tells only keys, sizes and
 * dates. Keys list in byte order and a key sorts before every longer key it begins, so one key listed under `key`
 * is `key` itself when it exists; any other (`key.x`, `keyx`) means it does not.
 */
async function landedObject(oss: OssClient, key: string): Promise<ListedObject | undefined> {
  const page = await oss.listObjects({ prefix: key, marker: '', maxKeys: 1 });
  const first = page.objects[0];
  return first?.key === key ? first : undefined;
}

async function recordOf(oss: OssClient, verdictPrefix: string, key: string): Promise<VerdictRecord | undefined> {
  const bytes = await oss.getObject(verdictRecordKey(verdictPrefix, key), MAX_RECORD_BYTES);
  return bytes === undefined ? undefined : decodeVerdictRecord(bytes, key);
}

function answerFrom(record: VerdictRecord): AnswerFor<'VERDICT'> {
  if (record.verdict === 'accepted') {
    return {
      key: record.key,
      verdict: 'accepted',
      size: record.size,
      contentType: record.contentType,
      etag: record.etag,
      judgedAt: record.judgedAt,
    };
  }
  const reason = record.reason ?? 'Removed';
  return {
    key: record.key,
    verdict: 'rejected',
    reason,
    message: rejectionMessage(reason, record),
    judgedAt: record.judgedAt,
  };
}
