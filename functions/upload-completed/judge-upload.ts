/**
 * The use case of `upload-completed`: for each object an OSS event says was created, read its metadata and first
 * bytes (one ranged GET), judge it by the upload rules, keep the verdict in OSS for the uploader (under
 * VERDICT_PREFIX: `keep-verdict.ts`), remove the object when rejected (delete, or move under QUARANTINE_PREFIX), then
 * tell the application by webhook. Every step is idempotent, so FC may deliver or retry an event any number of times:
 * the verdict on one object version is always the same, and so is its webhook-id.
 */
import { signerCredentials, type SignerCredentials } from '../../shared/alicloud/access-key';
import { createOssClient, OssError, type ObjectHead, type OssClient } from '../../shared/alicloud/oss-client';
import { createUserIds, type UserIds } from '../../shared/auth/user-ids';
import {
  completionSection,
  composeSections,
  ossClientSection,
  signerSection,
  uploadSection,
  usersSection,
  verdictSection,
  type ConfigOf,
  type UsersConfig,
} from '../../shared/config/sections';
import type { UploadWebhook, UploadWebhookData } from '../../shared/contract';
import { RetryableFailure, type EventFunctionDefinition, type ItemReport } from '../../shared/edge/event-handler';
import { MAX_KEY_BYTES, parseOssTriggerEvent, type ObjectCreatedEvent } from '../../shared/edge/oss-event';
import { SNIFF_BYTES, preloadSniffer, sniffContent } from '../../shared/upload/content-sniff';
import { normaliseEtag } from '../../shared/upload/etag';
import { profileOfKey } from '../../shared/upload/profiles';
import { TYPE_EXTENSION_TABLE } from '../../shared/upload/type-extensions';
import { uploadOwnerOf } from '../../shared/upload/upload-owner';
import { judgeContent, judgeStoredObject, judgeUnreadable, type Verdict } from '../../shared/upload/verdict';
import { isRejectionReason } from '../../shared/upload/verdict-messages';
import type { VerdictRecord } from '../../shared/upload/verdict-record';
import { deliverWebhook, webhookIdFor, WebhookFailure } from '../../shared/webhook/upload-webhook';
import { keepVerdict, keptVerdict, rejectionFacts } from './keep-verdict';
import { judgeQuota } from './landed-quota';

export const uploadCompletedConfig = composeSections(
  uploadSection,
  usersSection,
  completionSection,
  verdictSection,
  signerSection,
  ossClientSection,
);
export type UploadCompletedConfig = ConfigOf<typeof uploadCompletedConfig>;

/** Metadata the quarantined copy carries, so a retry after the move still knows the verdict. */
const QUARANTINE_META = 'x-oss-meta-upload-';

export function createUploadCompletedFunction(): EventFunctionDefinition<UploadCompletedConfig, ObjectCreatedEvent> {
  return {
    name: 'upload-completed',
    config: uploadCompletedConfig,
    parse(event) {
      const { objects, skipped } = parseOssTriggerEvent(event);
      return {
        items: objects,
        skipped: skipped.map(({ reason, detail, key }) => ({
          outcome: 'skipped',
          reason,
          note: detail,
          ...(key === undefined ? {} : { key }),
        })),
      };
    },
    async handle({ item, config, context, now }) {
      // Another bucket's event means a trigger wired to the wrong function: never act on it, never retry it.
      if (item.bucket !== config.bucket) return { outcome: 'skipped', reason: 'OtherBucket' };
      let credentials: SignerCredentials;
      try {
        credentials = signerCredentials(context, config.fallbackCredentials);
      } catch {
        throw new RetryableFailure('NoCredentials', 'no role credentials in the context and no ALIBABA_CLOUD_* keys');
      }
      const client = createOssClient({
        endpoint: config.objectEndpoint,
        bucket: config.bucket,
        region: config.region,
        credentials,
        // Each call's own OSS_TIMEOUT_MS: an object takes a handful of calls, well inside FC's 30 s.
        timeout: { ms: config.ossTimeoutMs, covers: 'each call' },
      });
      try {
        return await handleObject(item, config, client, now);
      } catch (error) {
        throw error instanceof OssError ? retryLater(error) : error;
      }
    },
  };
}

export const uploadCompletedFunction = createUploadCompletedFunction();

async function handleObject(item: ObjectCreatedEvent, config: UploadCompletedConfig, client: OssClient, now: Date): Promise<ItemReport> {
  // Decided before any call: outside the users' folder the role may not even HEAD, and must not act.
  const keys = item.keys.filter((key) => uploadOwnerOf(key, config.uploadPrefix) !== undefined);
  if (keys.length === 0) return { outcome: 'skipped', key: item.keys[0] ?? '', reason: 'OutsideUploadPrefix' };
  const found = await findObject(keys, item, client);
  if (found === undefined) return handleGone({ ...item, keys }, config, client, now);
  const { key, head, start } = found;
  const judged = await judge(key, head, start, config);
  const verdict = await judgeQuota(judged.verdict, { client, uploadPrefix: config.uploadPrefix, now });
  const { detectedType } = judged;
  if (verdict.kind === 'outside') return { outcome: 'skipped', key, reason: 'OutsideUploadPrefix' };

  const user = userIdsOf(config.users).tagFor(verdict.owner.userSegment);
  const etag = normaliseEtag(head.etag);
  // Not the version the event named (replaced since, or another object at another of its key forms): what is there
  // now is judged, and both the log and the app are told.
  const changed = found.landed
    ? undefined
    : `the object found (ETag ${etag}, ${head.size} bytes) is not the one the event named (ETag ${item.eTag}, ${item.size} bytes): judged as found`;
  const data: UploadWebhookData = {
    bucket: config.bucket,
    key,
    user: verdict.owner.userSegment,
    ...(verdict.profile === undefined ? {} : { profile: verdict.profile.name }),
    size: head.size,
    contentType: verdict.contentType,
    etag,
    eventTime: item.eventTime,
    ...(found.landed ? {} : { eventEtag: item.eTag }),
  };
  const record: VerdictRecord = {
    version: 1,
    key,
    verdict: verdict.kind,
    etag,
    ...(found.landed ? {} : { eventEtag: item.eTag }),
    size: head.size,
    contentType: verdict.contentType,
    ...(verdict.kind === 'rejected'
      ? rejectionFacts(verdict.reason, { detectedType, maxBytes: verdict.profile?.maxBytes ?? config.maxUploadBytes })
      : {}),
    judgedAt: now.toISOString(),
  };
  // Kept before anything else is done, so the uploader can learn it and a retry finds it once the object is gone.
  await keepVerdict(client, config, record);
  if (verdict.kind === 'accepted') {
    const report = { key, user, ...(changed === undefined ? {} : { note: changed }) };
    const webhook = await tell(config, { type: 'upload.completed', timestamp: now.toISOString(), data }, now, report);
    return { outcome: 'accepted', ...report, action: 'none', webhook };
  }
  // Removed before the app is told: a rejected object never waits on the app's receiver.
  const removal = await remove({ key, head, readable: start !== undefined, verdict }, config, client);
  const notes = [changed, removal.notQuarantined === undefined ? undefined : `deleted, not quarantined: ${removal.notQuarantined.why}`];
  const note = notes.filter((text) => text !== undefined).join('; ');
  const message: UploadWebhook = {
    type: 'upload.rejected',
    timestamp: now.toISOString(),
    data: {
      ...data,
      reason: verdict.reason,
      ...(removal.notQuarantined === undefined ? {} : { notQuarantined: removal.notQuarantined.code }),
    },
  };
  const report = { key, user, reason: verdict.reason, action: removal.action, ...(note === '' ? {} : { note }) };
  const webhook = await tell(config, message, now, report);
  return { outcome: 'rejected', ...report, webhook };
}

interface Found {
  key: string;
  head: ObjectHead;
  /** The first bytes; undefined when OSS will not read them (an Archive-type object). */
  start: Buffer | undefined;
  /** Whether it is the version the event names: the same ETag and size. */
  landed: boolean;
}

/**
 * The object the event is about among its key forms (see ObjectCreatedEvent.keys): the first whose ETag and size
 * are the event's, so that an object planted at another form of the key (a decoy at the key's URL-encoded form)
 * is never judged in its place; failing that, the first form that exists.
 */
async function findObject(keys: readonly string[], item: ObjectCreatedEvent, client: OssClient): Promise<Found | undefined> {
  let first: Found | undefined;
  for (const key of keys) {
    const reading = client.readStart(key, SNIFF_BYTES);
    // The content sniffer's module loads while the request is in flight, not after it (cold starts).
    void preloadSniffer();
    const read = await reading;
    if (read === undefined) continue;
    const found = { key, ...read, landed: normaliseEtag(read.head.etag) === item.eTag && read.head.size === item.size };
    if (found.landed) return found;
    first ??= found;
  }
  return first;
}

/**
 * The metadata and the first bytes come from one answer, so they describe the same version of the object; with the
 * verdict, what the bytes were recognised as (for the uploader's words on a mismatch).
 */
async function judge(
  key: string,
  head: ObjectHead,
  start: Buffer | undefined,
  config: UploadCompletedConfig,
): Promise<{ verdict: Verdict; detectedType: string | undefined }> {
  const rules = {
    uploadPrefix: config.uploadPrefix,
    profiles: config.profiles,
    allowedUnreadableStorageClasses: config.allowedUnreadableStorageClasses,
  };
  const facts = { key, size: head.size, contentType: head.contentType, objectType: head.objectType, contentEncoding: head.contentEncoding };
  const first = judgeStoredObject(facts, rules, TYPE_EXTENSION_TABLE);
  if (first.kind !== 'content') return { verdict: first, detectedType: undefined };
  const sniffed = start === undefined ? undefined : await sniffContent(start, first.contentType);
  const reason = sniffed === undefined ? judgeUnreadable(head.storageClass, rules) : judgeContent(first.contentType, sniffed);
  const verdict: Verdict =
    reason === undefined
      ? { kind: 'accepted', owner: first.owner, profile: first.profile, contentType: first.contentType }
      : { kind: 'rejected', owner: first.owner, profile: first.profile, contentType: first.contentType, reason };
  return { verdict, detectedType: sniffed?.binaryType };
}

interface Rejected {
  key: string;
  head: ObjectHead;
  /** Whether OSS reads the object (not an Archive-type one): only then can it be copied. */
  readable: boolean;
  verdict: Extract<Verdict, { kind: 'rejected' }>;
}

/** Why a rejected object is deleted although there is a quarantine: a stable code, and words for the log. */
interface NotQuarantined {
  code: 'KeyTooLong' | 'TooLargeToCopy' | 'UnreadableStorageClass' | 'CopyRefused';
  why: string;
}

interface Removal {
  /** `none`: replaced since it was read (the new version has its own event). */
  action: 'deleted' | 'quarantined' | 'none';
  notQuarantined?: NotQuarantined;
}

/** CopyObject copies objects of up to 1 GB (larger ones would need a multipart copy, UploadPartCopy). */
const MAX_COPY_BYTES = 1024 ** 3;

/**
 * Quarantine (copy with the verdict in its metadata, then delete) or delete. Removal never fails open: when the
 * copy cannot be made (a quarantine key over OSS's limit, an object over CopyObject's, a storage class OSS will not
 * copy from, or OSS refusing the copy), the object is deleted all the same and the report says why.
 */
async function remove({ key, head, readable, verdict }: Rejected, config: UploadCompletedConfig, client: OssClient): Promise<Removal> {
  if (config.quarantinePrefix === undefined) {
    await client.delete(key);
    return { action: 'deleted' };
  }
  const quarantineKey = `${config.quarantinePrefix}${key}`;
  let notQuarantined = quarantineImpossible(quarantineKey, head, readable);
  if (notQuarantined === undefined) {
    try {
      const copied = await client.copy({
        sourceKey: key,
        key: quarantineKey,
        ifMatch: head.etag,
        headers: {
          // Never served as what it claimed to be, even by a signed URL someone makes later.
          'content-type': 'application/octet-stream',
          'content-disposition': 'attachment',
          [`${QUARANTINE_META}reason`]: verdict.reason,
          [`${QUARANTINE_META}content-type`]: verdict.contentType.slice(0, 200),
          [`${QUARANTINE_META}user`]: verdict.owner.userSegment,
          [`${QUARANTINE_META}etag`]: normaliseEtag(head.etag),
        },
      });
      // Replaced since it was read: the new version has its own event, and this one is gone.
      if (copied === 'changed') return { action: 'none' };
      await client.delete(key);
      return { action: 'quarantined' };
    } catch (error) {
      // OSS refusing the copy (not failing: that a retry may cure) would refuse it again: the object must go anyway.
      if (!(error instanceof OssError) || error.retryable) throw error;
      notQuarantined = { code: 'CopyRefused', why: `the copy was refused: ${error.message}` };
    }
  }
  await client.delete(key);
  return { action: 'deleted', notQuarantined };
}

/** Why no copy can be made, known before asking OSS; undefined when one can. */
function quarantineImpossible(quarantineKey: string, head: ObjectHead, readable: boolean): NotQuarantined | undefined {
  const bytes = Buffer.byteLength(quarantineKey);
  if (bytes > MAX_KEY_BYTES) return { code: 'KeyTooLong', why: `the quarantine key would be ${bytes} bytes, over OSS's ${MAX_KEY_BYTES}` };
  if (head.size > MAX_COPY_BYTES)
    return { code: 'TooLargeToCopy', why: `${head.size} bytes, over the ${MAX_COPY_BYTES} CopyObject copies` };
  if (!readable)
    return { code: 'UnreadableStorageClass', why: `OSS copies no ${head.storageClass ?? 'unreadable'} object until it is restored` };
  return undefined;
}

/**
 * The object is not there: removed by an earlier attempt at this event (whose webhook then failed), or by the app.
 * The verdict kept for this version, when there is one, is told again as it was; otherwise the object is rejected,
 * with the reason the quarantined copy kept, or `Removed` when there is none, and that verdict is kept for the
 * uploader (unless a record of another version is there: nothing is known of this one).
 */
async function handleGone(item: ObjectCreatedEvent, config: UploadCompletedConfig, client: OssClient, now: Date): Promise<ItemReport> {
  const key = item.keys.find((form) => uploadOwnerOf(form, config.uploadPrefix) !== undefined);
  const owner = key === undefined ? undefined : uploadOwnerOf(key, config.uploadPrefix)?.userSegment;
  if (key === undefined || owner === undefined) return { outcome: 'skipped', key: item.keys[0] ?? '', reason: 'Gone' };
  const record = await keptVerdict(client, config, key);
  const told = record !== undefined && (record.etag === item.eTag || record.eventEtag === item.eTag) ? record : undefined;
  const verdict = told ?? (await removedVerdict({ item, key, config, client, now }));
  if (told === undefined && record === undefined) await keepVerdict(client, config, verdict);
  if (config.webhook === undefined) return { outcome: 'skipped', key, reason: 'Gone' };
  const ownerPrefix = uploadOwnerOf(key, config.uploadPrefix)?.prefix ?? '';
  const profile = profileOfKey(config.profiles, ownerPrefix, key)?.name;
  const data: UploadWebhookData = {
    bucket: config.bucket,
    key,
    user: owner,
    ...(profile === undefined ? {} : { profile }),
    size: verdict.size,
    contentType: verdict.contentType,
    etag: verdict.etag,
    ...(verdict.reason === undefined ? {} : { reason: verdict.reason }),
    ...(verdict.eventEtag === undefined ? {} : { eventEtag: verdict.eventEtag }),
    eventTime: item.eventTime,
  };
  const user = userIdsOf(config.users).tagFor(owner);
  const type = verdict.verdict === 'accepted' ? 'upload.completed' : 'upload.rejected';
  const report = { key, user, ...(verdict.reason === undefined ? {} : { reason: verdict.reason }) };
  const webhook = await tell(config, { type, timestamp: now.toISOString(), data }, now, report);
  return { outcome: verdict.verdict, ...report, action: 'none', webhook };
}

/** The rejection of an object that is gone, from its quarantined copy (of this very version, same ETag), else `Removed`. */
async function removedVerdict(input: {
  item: ObjectCreatedEvent;
  key: string;
  config: UploadCompletedConfig;
  client: OssClient;
  now: Date;
}): Promise<VerdictRecord> {
  const { item, key, config, client, now } = input;
  const quarantineKey = config.quarantinePrefix === undefined ? undefined : `${config.quarantinePrefix}${key}`;
  // A quarantine key over OSS's limit was never written (the object was deleted instead): nothing to look up.
  const copy =
    quarantineKey === undefined || Buffer.byteLength(quarantineKey) > MAX_KEY_BYTES ? undefined : await client.head(quarantineKey);
  const kept = copy !== undefined && copy.meta['upload-etag'] === item.eTag ? copy : undefined;
  const keptReason = kept?.meta['upload-reason'];
  return {
    version: 1,
    key,
    verdict: 'rejected',
    etag: item.eTag,
    size: kept?.size ?? item.size,
    contentType: kept?.meta['upload-content-type'] ?? '',
    reason: isRejectionReason(keptReason) ? keptReason : 'Removed',
    judgedAt: now.toISOString(),
  };
}

async function tell(
  config: UploadCompletedConfig,
  message: UploadWebhook,
  now: Date,
  report: Omit<ItemReport, 'outcome'>,
): Promise<string> {
  if (config.webhook === undefined) return 'off';
  const id = webhookIdFor(message.data.bucket, message.data.key, message.data.etag);
  try {
    await deliverWebhook(config.webhook, { id, message, now });
  } catch (error) {
    if (error instanceof WebhookFailure) throw new RetryableFailure('WebhookFailed', error.message, { ...report, webhook: 'failed' });
    throw error;
  }
  return 'delivered';
}

/**
 * OSS failing, throttling or out of reach: FC's retry may cure it. OSS refusing our own role or signature (a
 * deployment error) fails the invocation as well, so that the event is retried, not lost, until the deployment is
 * fixed; the log's code tells the two apart, and the message names the call, OSS's code and its request id.
 */
function retryLater(error: OssError): RetryableFailure {
  return new RetryableFailure(error.retryable ? 'OssUnavailable' : 'OssRefused', error.message);
}

/**
 * One UserIds per configuration, made on first use: its tag key (USER_HASH_SECRET's, as the HTTP functions'; random
 * without it, since upload-completed has no HS256 secret to derive one from) must hold.
 */
const userIdsByConfig = new WeakMap<UsersConfig, UserIds>();
function userIdsOf(users: UsersConfig): UserIds {
  let userIds = userIdsByConfig.get(users);
  if (userIds === undefined) userIdsByConfig.set(users, (userIds = createUserIds(users)));
  return userIds;
}
