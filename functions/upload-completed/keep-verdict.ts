/**
 * The verdict kept in OSS for the uploader (shared/upload/verdict-record.ts): written before the object is removed
 * and before the app is told, so that once an object is gone its record is there, and a retry (FC's, after a failed
 * webhook) finds what the first attempt decided. Writing the same record again is harmless: the verdict on one
 * object version is always the same.
 */
import type { OssClient } from '../../shared/alicloud/oss-client';
import type { RejectionReason } from '../../shared/contract';
import {
  decodeVerdictRecord,
  encodeVerdictRecord,
  MAX_RECORD_BYTES,
  verdictRecordKey,
  type VerdictRecord,
} from '../../shared/upload/verdict-record';

export interface VerdictStore {
  verdictPrefix: string;
}

export async function keepVerdict(client: OssClient, store: VerdictStore, record: VerdictRecord): Promise<void> {
  await client.putObject({
    key: verdictRecordKey(store.verdictPrefix, record.key),
    body: encodeVerdictRecord(record),
    headers: { 'content-type': 'application/json' },
  });
}

/** The record kept for `key`, if any (one that is not a record of this key counts as none). */
export async function keptVerdict(client: OssClient, store: VerdictStore, key: string): Promise<VerdictRecord | undefined> {
  const bytes = await client.getObject(verdictRecordKey(store.verdictPrefix, key), MAX_RECORD_BYTES);
  return bytes === undefined ? undefined : decodeVerdictRecord(bytes, key);
}

/** What a record says of a rejection: the reason and the facts its words may name. */
export function rejectionFacts(
  reason: RejectionReason,
  facts: { detectedType: string | undefined; maxBytes: number },
): Pick<VerdictRecord, 'reason' | 'detectedType' | 'maxBytes'> {
  return {
    reason,
    ...(reason === 'ContentMismatch' && facts.detectedType !== undefined ? { detectedType: facts.detectedType } : {}),
    ...(reason === 'TooLarge' ? { maxBytes: facts.maxBytes } : {}),
  };
}
