/**
 * FC OSS-trigger events in, and the one builder of such events (tests and the bench send what FC sends). The
 * event is a Buffer of `{"events": [{eventName, eventSource: "acs:oss", eventTime, region, oss: {bucket: {name,
 * arn}, object: {key, size, eTag, deltaSize}}, responseElements: {requestId}, …}]}` (FC docs, "Formats of event
 * for different triggers"). Nothing here decides anything about the object itself.
 */
import { normaliseEtag } from '../upload/etag';

/** One object an event says was created. */
export interface ObjectCreatedEvent {
  /** `ObjectCreated:PutObject`, `ObjectCreated:PostObject`, … */
  eventName: string;
  /** ISO 8601, as OSS wrote it. */
  eventTime: string;
  bucket: string;
  /**
   * The key as delivered, then its URL-decoded forms when they differ. FC's documentation shows plain keys and
   * does not say whether special characters arrive encoded (S3's notifications form-encode them; handlers written
   * for OSS often URL-decode): the object that exists among these is the one the event is about.
   */
  keys: string[];
  size: number;
  /** As in the event: unquoted, upper-case hex (`-<parts>` for multipart objects). */
  eTag: string;
  /** OSS's request id of the upload, for the log. */
  ossRequestId: string | undefined;
}

/** An entry that is not an object this function can judge, with why: logged and skipped, never retried. */
export interface SkippedEntry {
  /** `InvalidKey`: the event names a key that is no OSS key in any encoding it may be written in. */
  reason: 'MalformedEvent' | 'NotObjectCreated' | 'InvalidKey';
  detail: string;
  /** The key as the event wrote it (cut to MAX_LOGGED_KEY_LENGTH), when it wrote one: the log names it. */
  key?: string;
}

export interface ParsedOssEvent {
  objects: ObjectCreatedEvent[];
  skipped: SkippedEntry[];
}

/** FC delivers one notification per invocation; a few more are tolerated, a flood is not read. */
export const MAX_EVENTS = 100;
const MAX_EVENT_BYTES = 1024 * 1024;
/** OSS's own bounds: keys are 1 … 1023 bytes, objects at most 48.8 TiB. */
export const MAX_KEY_BYTES = 1023;
/** A key an event carries is logged up to this many characters, even when it is no valid key. */
const MAX_LOGGED_KEY_LENGTH = 1100;
const MAX_OBJECT_SIZE = 48.8 * 1024 ** 4;

/** Accepts the Buffer FC passes, or the same JSON as a string or an object (local adapter, tests). */
export function parseOssTriggerEvent(event: unknown): ParsedOssEvent {
  const malformed = (detail: string): ParsedOssEvent => ({ objects: [], skipped: [{ reason: 'MalformedEvent', detail }] });
  let parsed: unknown = event;
  if (Buffer.isBuffer(event) || typeof event === 'string') {
    if (event.length > MAX_EVENT_BYTES) return malformed(`event is larger than ${MAX_EVENT_BYTES} bytes`);
    try {
      parsed = JSON.parse(event.toString());
    } catch {
      return malformed('event is not JSON');
    }
  }
  const entries = asRecord(parsed)?.['events'];
  if (!Array.isArray(entries) || entries.length === 0) return malformed('event has no "events" list');
  const result: ParsedOssEvent = { objects: [], skipped: [] };
  for (const [index, entry] of entries.entries()) {
    if (index >= MAX_EVENTS) {
      result.skipped.push({ reason: 'MalformedEvent', detail: `${entries.length - MAX_EVENTS} entries past the first ${MAX_EVENTS}` });
      break;
    }
    const object = parseEntry(entry);
    if ('reason' in object) result.skipped.push(object);
    else result.objects.push(object);
  }
  return result;
}

function parseEntry(entry: unknown): ObjectCreatedEvent | SkippedEntry {
  const bad = (detail: string): SkippedEntry => ({ reason: 'MalformedEvent', detail });
  const record = asRecord(entry);
  if (record === undefined) return bad('entry is not an object');
  const eventName = record['eventName'];
  if (typeof eventName !== 'string' || !/^[A-Za-z]{1,40}:[A-Za-z]{1,60}$/.test(eventName)) return bad('entry has no eventName');
  if (!eventName.startsWith('ObjectCreated:')) return { reason: 'NotObjectCreated', detail: `event ${eventName}` };
  if (record['eventSource'] !== undefined && record['eventSource'] !== 'acs:oss') return bad('eventSource is not acs:oss');
  const oss = asRecord(record['oss']);
  const bucket = asRecord(oss?.['bucket'])?.['name'];
  const object = asRecord(oss?.['object']);
  if (typeof bucket !== 'string' || bucket === '' || bucket.length > 63) return bad('entry has no bucket name');
  const key = object?.['key'];
  if (typeof key !== 'string' || key === '') return bad('entry has no object key');
  const invalidKey = (detail: string): SkippedEntry => ({ reason: 'InvalidKey', detail, key: key.slice(0, MAX_LOGGED_KEY_LENGTH) });
  // Three bytes per byte of a 1,023-byte key, URL-encoded: longer is no key in any form.
  if (Buffer.byteLength(key) > MAX_KEY_BYTES * 3) return invalidKey(`object key is longer than ${MAX_KEY_BYTES * 3} bytes`);
  const size = typeof object?.['size'] === 'string' && /^\d{1,16}$/.test(object['size']) ? Number(object['size']) : object?.['size'];
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0 || size > MAX_OBJECT_SIZE) return bad('object size is absurd');
  const eTag = object?.['eTag'];
  if (typeof eTag !== 'string' || !/^"?[0-9A-Fa-f]{32}(-\d{1,5})?"?$/.test(eTag)) return bad('object eTag is malformed');
  const eventTime = record['eventTime'];
  const time = typeof eventTime === 'string' && eventTime.length <= 40 ? new Date(eventTime) : undefined;
  if (time === undefined || Number.isNaN(time.getTime())) return bad('entry has no valid eventTime');
  const keys = candidateKeys(key);
  if (keys.length === 0) return invalidKey('object key is not a valid OSS key in any encoding');
  const requestId = asRecord(record['responseElements'])?.['requestId'];
  return {
    eventName,
    eventTime: time.toISOString(),
    bucket,
    keys,
    size,
    eTag: normaliseEtag(eTag),
    ossRequestId: typeof requestId === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(requestId) ? requestId : undefined,
  };
}

/** The key as delivered, URL-decoded, and form-decoded (`+` as space): each distinct, valid form once. */
function candidateKeys(key: string): string[] {
  const forms = [key];
  if (key.includes('%') || key.includes('+')) {
    for (const form of [key, key.replace(/\+/g, ' ')]) {
      try {
        forms.push(decodeURIComponent(form));
      } catch {
        // Not valid percent-encoding: then the key was not encoded.
      }
    }
  }
  return [...new Set(forms)].filter(isValidKey);
}

/**
 * What OSS takes as a key: 1 … 1023 bytes of UTF-8 (well-formed Unicode), not starting with `/` or `\`. Control
 * characters and dot segments are legal in a key (docs/api.md, "upload-completed"), so an object stored under one is
 * judged like any other.
 */
export function isValidKey(key: string): boolean {
  const bytes = Buffer.byteLength(key);
  return bytes >= 1 && bytes <= MAX_KEY_BYTES && key.isWellFormed() && !/^[/\\]/.test(key);
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

export interface ObjectCreatedInput {
  bucket: string;
  key: string;
  size: number;
  /** Quoted or not, in either case; written as OSS writes it: unquoted, upper-case. */
  eTag: string;
  eventName?: string;
  region?: string;
  now?: Date;
  /** Write the key URL-encoded, as some notification paths may. */
  encodeKey?: boolean;
}

/** The Buffer FC hands a handler for one OSS notification. */
export function buildOssEvent(...objects: ObjectCreatedInput[]): Buffer {
  const events = objects.map((input) => {
    const region = input.region ?? 'cn-hangzhou';
    return {
      eventName: input.eventName ?? 'ObjectCreated:PutObject',
      eventSource: 'acs:oss',
      eventTime: (input.now ?? new Date()).toISOString(),
      eventVersion: '1.0',
      oss: {
        bucket: { arn: `acs:oss:${region}:1234567890123456:${input.bucket}`, name: input.bucket, ownerIdentity: '1234567890123456' },
        object: {
          deltaSize: input.size,
          eTag: normaliseEtag(input.eTag),
          key: input.encodeKey === true ? encodeURIComponent(input.key).replace(/%2F/g, '/') : input.key,
          size: input.size,
        },
        ossSchemaVersion: '1.0',
        ruleId: 'upload-completed',
      },
      region,
      requestParameters: { sourceIPAddress: '203.0.113.7' },
      responseElements: { requestId: '5C9E2E4B61E5D16D23E9CEC6' },
      userIdentity: { principalId: '1234567890123456' },
    };
  });
  return Buffer.from(JSON.stringify({ events }));
}
