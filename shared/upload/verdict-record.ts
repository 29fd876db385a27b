/**
 * The verdict record: what upload-completed keeps in OSS for each object it judges (a small JSON object under
 * VERDICT_PREFIX, which the bucket's lifecycle rule deletes after VERDICT_RECORD_DAYS), so that sign-url, on any
 * instance, can tell the uploader (VERDICT). No other database. A record is named by the SHA-256 of the object's key:
 * one fixed-length name whatever the key holds, inside one folder a lifecycle rule covers.
 */
import { createHash } from 'node:crypto';
import type { RejectionReason as ContractReason } from '../contract';
import { isRejectionReason } from './verdict-messages';
import type { RejectionReason } from './verdict';

/** How long OSS keeps a record (the lifecycle rule's `Expiration Days`; OSS's smallest is one day). */
export const VERDICT_RECORD_DAYS = 1;

/** Fails to compile when the rules give a reason the contract (and so the messages table) does not name. */
type EveryJudgedReasonIsInTheContract = RejectionReason extends ContractReason ? true : never;
export const JUDGED_REASONS_IN_CONTRACT: EveryJudgedReasonIsInTheContract = true;

export interface VerdictRecord {
  version: 1;
  key: string;
  verdict: 'accepted' | 'rejected';
  /** Of the version judged, unquoted. */
  etag: string;
  /** The event's ETag, when the object judged was another version than the event named. */
  eventEtag?: string;
  size: number;
  /** The declared type's essence. */
  contentType: string;
  /** On `rejected`. */
  reason?: ContractReason;
  /** What the bytes were recognised as, when a `ContentMismatch` found something. */
  detectedType?: string;
  /** The limit a `TooLarge` object broke. */
  maxBytes?: number;
  judgedAt: string;
}

/** Where the record of `objectKey` lives. */
export function verdictRecordKey(verdictPrefix: string, objectKey: string): string {
  return `${verdictPrefix}${createHash('sha256').update(objectKey, 'utf8').digest('hex')}.json`;
}

export function encodeVerdictRecord(record: VerdictRecord): Buffer {
  return Buffer.from(JSON.stringify(record), 'utf8');
}

/** A record is at most this big (a 1,023-byte key, escaped, and a few short fields). */
export const MAX_RECORD_BYTES = 16 * 1024;

const isString = (value: unknown): value is string => typeof value === 'string';
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/**
 * The record of `objectKey`, when `bytes` is one (of this very key: a hash collision, or a record from elsewhere, is
 * nobody's); undefined for anything else.
 */
export function decodeVerdictRecord(bytes: Buffer, objectKey: string): VerdictRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Partial<Record<keyof VerdictRecord, unknown>>;
  const optional = (field: unknown, check: (value: unknown) => boolean): boolean => field === undefined || check(field);
  const valid =
    record.version === 1 &&
    record.key === objectKey &&
    (record.verdict === 'accepted' || (record.verdict === 'rejected' && isRejectionReason(record.reason))) &&
    isString(record.etag) &&
    optional(record.eventEtag, isString) &&
    isCount(record.size) &&
    isString(record.contentType) &&
    optional(record.reason, isRejectionReason) &&
    optional(record.detectedType, isString) &&
    optional(record.maxBytes, isCount) &&
    isString(record.judgedAt) &&
    !Number.isNaN(Date.parse(record.judgedAt));
  return valid ? (value as VerdictRecord) : undefined;
}
