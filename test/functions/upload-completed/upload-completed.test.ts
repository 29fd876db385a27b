import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
/**
 * upload-completed from FC OSS-trigger events, against the OSS emulator over HTTP with exactly its role's
 * permissions, and a webhook receiver: verdicts, removal, quarantine, webhook format and signature (recomputed
 * from the Standard Webhooks specification, and verified with the package a receiver would use), idempotency,
 * retries, bad events.
 */
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { createUploadCompletedFunction } from '../../../functions/upload-completed/judge-upload';
import { createOssClient } from '../../../shared/alicloud/oss-client';
import { samplePng } from '../../../local/sample-files';
import type { UploadWebhook } from '../../../shared/contract';
import { createFcEventHandler, type EventLogLine } from '../../../shared/edge/event-handler';
import { buildOssEvent } from '../../../shared/edge/oss-event';
import { rejectionMessage } from '../../../shared/upload/verdict-messages';
import { decodeVerdictRecord, verdictRecordKey } from '../../../shared/upload/verdict-record';
import { rawOssRequest } from '../../support/raw-oss';
import {
  BUCKET,
  OWNER,
  ROLE_KEYS,
  WEBHOOK_SECRET,
  startReceiver,
  startStorage,
  type Receiver,
  type Storage,
} from '../../support/upload-completed';
import { expectedUserTag } from '../../support/user-ids';

let storage: Storage;
let receiver: Receiver;
beforeAll(async () => {
  [storage, receiver] = await Promise.all([startStorage({ QUARANTINE_PREFIX: 'quarantine/' }), startReceiver()]);
});
afterAll(async () => {
  await Promise.all([storage.close(), receiver.close()]);
});
beforeEach(() => {
  receiver.deliveries.length = 0;
  receiver.script.length = 0;
});

const context = { requestId: 'req-1', credentials: ROLE_KEYS };

/** The verdict record upload-completed keeps for `key`, as stored (undefined when none). */
function recordOf(key: string, verdictPrefix = 'upload-verdicts/'): unknown {
  const stored = storage.oss.getObject(verdictRecordKey(verdictPrefix, key));
  return stored === undefined ? undefined : JSON.parse(stored.body.toString('utf8'));
}
const html = Buffer.from('<!doctype html><html><script>alert(document.cookie)</script></html>');

function handlerWith(env: Record<string, string> = {}, lines: EventLogLine[] = []): ReturnType<typeof createFcEventHandler> {
  return createFcEventHandler(createUploadCompletedFunction(), {
    env: {
      OSS_BUCKET: BUCKET,
      OSS_REGION: 'cn-hangzhou',
      OSS_ENDPOINT: storage.oss.url,
      UPLOAD_WEBHOOK_URL: receiver.url,
      UPLOAD_WEBHOOK_SECRET: WEBHOOK_SECRET,
      MAX_UPLOAD_BYTES: '100000',
      ...env,
    },
    log: (line) => lines.push(line),
  });
}

async function eventFor(key: string, extra: { encodeKey?: boolean; eventName?: string } = {}): Promise<Buffer> {
  const object = storage.oss.getObject(key)!;
  return buildOssEvent({ bucket: BUCKET, key, size: object.body.length, eTag: object.etag, ...extra });
}

/** The Standard Webhooks signature, recomputed from the specification with node:crypto alone. */
function specSignature(id: string, timestamp: string, body: string): string {
  const key = Buffer.from(WEBHOOK_SECRET.slice('whsec_'.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

test('a valid PNG stays, and the app gets upload.completed, signed as Standard Webhooks says', async () => {
  const key = 'users/alice/2026/11/Cat-photo_1.png';
  const etag = await storage.put(key, samplePng(3000), 'image/png');
  const lines: EventLogLine[] = [];
  await expect(handlerWith({}, lines)(await eventFor(key), context)).resolves.toEqual({ handled: 1, skipped: 0 });
  expect(storage.oss.getObject(key)).toBeDefined();
  expect(receiver.deliveries).toHaveLength(1);
  const [delivery] = receiver.deliveries;
  const message = JSON.parse(delivery!.body) as UploadWebhook;
  expect(message).toEqual({
    type: 'upload.completed',
    timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    data: {
      bucket: BUCKET,
      key,
      user: 'alice',
      profile: 'default',
      size: 3000,
      contentType: 'image/png',
      etag: etag.replace(/"/g, ''),
      eventTime: expect.any(String),
    },
  });
  const id = String(delivery!.headers['webhook-id']);
  const timestamp = String(delivery!.headers['webhook-timestamp']);
  expect(id).toMatch(/^msg_[A-Za-z0-9_-]{32}$/);
  expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
  expect(delivery!.headers['webhook-signature']).toBe(specSignature(id, timestamp, delivery!.body));
  expect(delivery!.headers['content-type']).toBe('application/json');
  // What a receiver runs: the package verifies it as is, and refuses a tampered body.
  const verifier = new Webhook(WEBHOOK_SECRET);
  expect(verifier.verify(delivery!.body, delivery!.headers as Record<string, string>)).toEqual(message);
  expect(() => verifier.verify(delivery!.body.replace('alice', 'mallory'), delivery!.headers as Record<string, string>)).toThrow();
  expect(lines).toEqual([expect.objectContaining({ level: 'info', outcome: 'accepted', key, action: 'none', webhook: 'delivered' })]);
  expect(lines[0]!.user).toMatch(/^[0-9a-f]{16}$/);
});

test("the user's log tag: with USER_HASH_SECRET, the HTTP functions' tag; without it, one per instance, stable within it", async () => {
  const key = 'users/alice/tagged.png';
  await storage.put(key, samplePng(300), 'image/png');
  const event = await eventFor(key);
  const hashSecret = 'a-user-hash-secret-of-at-least-32-bytes';
  const keyed: EventLogLine[] = [];
  await handlerWith({ USER_HASH_SECRET: hashSecret, UPLOAD_WEBHOOK_URL: '', UPLOAD_WEBHOOK_SECRET: '' }, keyed)(event, context);
  expect(keyed.map((line) => line.user)).toEqual([expectedUserTag('alice', hashSecret)]);

  const first: EventLogLine[] = [];
  const second: EventLogLine[] = [];
  const handler = createFcEventHandler(createUploadCompletedFunction(), {
    env: { OSS_BUCKET: BUCKET, OSS_REGION: 'cn-hangzhou', OSS_ENDPOINT: storage.oss.url },
    log: (line) => first.push(line),
  });
  await handler(event, context);
  await handler(event, context);
  await handlerWith({ UPLOAD_WEBHOOK_URL: '', UPLOAD_WEBHOOK_SECRET: '' }, second)(event, context);
  const [tag, again] = first.map((line) => line.user);
  expect(tag).toMatch(/^[0-9a-f]{16}$/);
  expect(again).toBe(tag);
  // Another instance (another handler) keys its tags with a key of its own.
  expect(second.map((line) => line.user)).not.toEqual([tag]);
  expect(tag).not.toBe(expectedUserTag('alice', hashSecret));
});

test('HTML bytes named .png are deleted, then the app gets upload.rejected with ActiveContent', async () => {
  const key = 'users/alice/evil.png';
  await storage.put(key, html, 'image/png');
  await handlerWith({ QUARANTINE_PREFIX: '' })(await eventFor(key), context);
  expect(storage.oss.getObject(key)).toBeUndefined();
  expect(storage.oss.getObject(`quarantine/${key}`)).toBeUndefined();
  const message = JSON.parse(receiver.deliveries[0]!.body) as UploadWebhook;
  expect(message.type).toBe('upload.rejected');
  expect(message.data).toMatchObject({ key, user: 'alice', reason: 'ActiveContent', contentType: 'image/png', size: html.length });
});

test('with QUARANTINE_PREFIX, a rejected object is moved there, never to be served as its claimed type', async () => {
  const key = 'users/bob/2026/11/trick.png';
  await storage.put(key, html, 'image/png');
  await handlerWith({ QUARANTINE_PREFIX: 'quarantine/' })(await eventFor(key), context);
  expect(storage.oss.getObject(key)).toBeUndefined();
  const moved = storage.oss.getObject(`quarantine/${key}`)!;
  expect(moved.body.equals(html)).toBe(true);
  expect(moved.contentType).toBe('application/octet-stream');
  expect(moved.headers).toMatchObject({
    'content-disposition': 'attachment',
    'x-oss-meta-upload-reason': 'ActiveContent',
    'x-oss-meta-upload-user': 'bob',
  });
  expect(JSON.parse(receiver.deliveries[0]!.body)).toMatchObject({ type: 'upload.rejected', data: { reason: 'ActiveContent' } });
});

test('the same event twice: the same verdict, the same webhook-id, nothing else', async () => {
  const key = 'users/carol/twice.png';
  await storage.put(key, samplePng(500), 'image/png');
  const handler = handlerWith();
  const event = await eventFor(key);
  await handler(event, context);
  await handler(event, context);
  expect(storage.oss.getObject(key)).toBeDefined();
  expect(receiver.deliveries.map((d) => d.headers['webhook-id'])).toEqual([
    receiver.deliveries[0]!.headers['webhook-id'],
    receiver.deliveries[0]!.headers['webhook-id'],
  ]);
  expect(receiver.deliveries.map((d) => JSON.parse(d.body).type)).toEqual(['upload.completed', 'upload.completed']);
});

test('a receiver that fails makes the invocation fail; the retry delivers the same webhook-id', async () => {
  const key = 'users/dave/retry.png';
  await storage.put(key, samplePng(500), 'image/png');
  const handler = handlerWith();
  const event = await eventFor(key);
  receiver.script.push(500, 503);
  await expect(handler(event, context)).rejects.toThrow('FC retries the event');
  await expect(handler(event, context)).rejects.toThrow();
  await expect(handler(event, context)).resolves.toEqual({ handled: 1, skipped: 0 });
  expect(receiver.deliveries.map((d) => d.status)).toEqual([500, 503, 204]);
  expect(new Set(receiver.deliveries.map((d) => d.headers['webhook-id'])).size).toBe(1);
});

test('a rejection whose webhook failed is told on retry with the exact reason, kept with the verdict, quarantine or not', async () => {
  for (const [quarantine, expected] of [
    ['quarantine/', 'ActiveContent'],
    ['', 'ActiveContent'],
  ] as const) {
    receiver.deliveries.length = 0;
    const key = `users/erin/${quarantine === '' ? 'deleted' : 'quarantined'}.png`;
    await storage.put(key, html, 'image/png');
    const handler = handlerWith({ QUARANTINE_PREFIX: quarantine });
    const event = await eventFor(key);
    receiver.script.push(500);
    await expect(handler(event, context)).rejects.toThrow();
    expect(storage.oss.getObject(key)).toBeUndefined(); // removed before the app was told
    await handler(event, context);
    const [first, second] = receiver.deliveries.map((d) => ({ id: d.headers['webhook-id'], message: JSON.parse(d.body) as UploadWebhook }));
    expect(second!.id).toBe(first!.id);
    expect(first!.message.data.reason).toBe('ActiveContent');
    expect(second!.message).toMatchObject({ type: 'upload.rejected', data: { key, user: 'erin', reason: expected } });
  }
});

test('keys in no user prefix, other buckets, and malformed events are logged and skipped, never touched', async () => {
  await storage.put('assets/logo.png', html, 'image/png');
  await storage.put('users/_41/planted.png', html, 'image/png');
  const lines: EventLogLine[] = [];
  const handler = handlerWith({}, lines);
  await handler(await eventFor('assets/logo.png'), context);
  await handler(await eventFor('users/_41/planted.png'), context);
  await handler(
    buildOssEvent({ bucket: 'another-bucket', key: 'users/alice/x.png', size: 1, eTag: 'D41D8CD98F00B204E9800998ECF8427E' }),
    context,
  );
  for (const bad of [
    Buffer.from('not json'),
    Buffer.from('{}'),
    Buffer.from('{"events":[{"eventName":"ObjectRemoved:DeleteObject"}]}'),
    Buffer.from('{"events":[{"eventName":"ObjectCreated:PutObject","oss":{"bucket":{"name":"b"},"object":{"key":"k","size":-1}}}]}'),
  ]) {
    await expect(handler(bad, context)).resolves.toMatchObject({ handled: 0 });
  }
  expect(storage.oss.getObject('assets/logo.png')).toBeDefined();
  expect(storage.oss.getObject('users/_41/planted.png')).toBeDefined();
  expect(receiver.deliveries).toEqual([]);
  expect(lines.map((line) => line.reason)).toEqual([
    'OutsideUploadPrefix',
    'OutsideUploadPrefix',
    'OtherBucket',
    'MalformedEvent',
    'MalformedEvent',
    'NotObjectCreated',
    'MalformedEvent',
  ]);
});

test('a key written URL-encoded in the event is found and judged', async () => {
  const key = 'users/alice/my photo ü+1.png';
  await storage.put(key, samplePng(400), 'image/png');
  await handlerWith()(await eventFor(key, { encodeKey: true }), context);
  expect(JSON.parse(receiver.deliveries[0]!.body)).toMatchObject({ type: 'upload.completed', data: { key } });
});

test('an event for an object already gone: nothing is deleted, and the uploader is told it was removed (no webhook here)', async () => {
  const lines: EventLogLine[] = [];
  const before = storage.requests.length;
  await handlerWith({ UPLOAD_WEBHOOK_URL: '', UPLOAD_WEBHOOK_SECRET: '' }, lines)(
    buildOssEvent({ bucket: BUCKET, key: 'users/alice/never.png', size: 10, eTag: 'D41D8CD98F00B204E9800998ECF8427E' }),
    context,
  );
  expect(lines).toEqual([expect.objectContaining({ outcome: 'skipped', reason: 'Gone' })]);
  // The object, the record (none), the record written.
  expect(storage.requests.slice(before).map((r) => r.operation)).toEqual(['GetObject', 'GetObject', 'PutObject']);
  expect(recordOf('users/alice/never.png')).toMatchObject({
    verdict: 'rejected',
    reason: 'Removed',
    etag: 'D41D8CD98F00B204E9800998ECF8427E',
    size: 10,
  });
});

test('the role may not delete or read outside the upload folder (its policy, enforced by the emulator)', async () => {
  await storage.put('assets/keep.png', samplePng(300), 'image/png');
  const client = createOssClient({
    endpoint: storage.oss.url,
    bucket: BUCKET,
    region: 'cn-hangzhou',
    credentials: { ...ROLE_KEYS, expiration: undefined },
    timeout: { ms: 3000, covers: 'each call' },
  });
  const refused = { status: 403, code: 'AccessDenied', retryable: false };
  await expect(client.delete('assets/keep.png')).rejects.toMatchObject({ ...refused, operation: 'DeleteObject' });
  // A HEAD answer has no body: the status is all the emulator says.
  await expect(client.head('assets/keep.png')).rejects.toMatchObject({ status: 403, code: 'Unknown', retryable: false });
  await expect(
    client.copy({ sourceKey: 'assets/keep.png', key: 'users/alice/stolen.png', ifMatch: '"x"', headers: {} }),
  ).rejects.toMatchObject({ ...refused, operation: 'CopyObject' });
  expect(storage.oss.getObject('assets/keep.png')).toBeDefined();
});

test('OSS unreachable: the invocation fails (FC retries) with the reason in the log', async () => {
  const lines: EventLogLine[] = [];
  const handler = handlerWith({ OSS_ENDPOINT: 'http://127.0.0.1:9' }, lines);
  await expect(
    handler(buildOssEvent({ bucket: BUCKET, key: 'users/alice/a.png', size: 5, eTag: 'D41D8CD98F00B204E9800998ECF8427E' }), context),
  ).rejects.toThrow();
  expect(lines).toEqual([
    expect.objectContaining({ level: 'error', errorCode: 'OssUnavailable', cause: 'OSS GetObject: unreachable (ECONNREFUSED)' }),
  ]);
});

test('OSS refusing our own signature: OssRefused with its code and request id, and the invocation fails (FC retries, nothing is lost)', async () => {
  await storage.put('users/alice/refused.png', samplePng(300), 'image/png');
  const lines: EventLogLine[] = [];
  const before = storage.requests.length;
  await expect(
    handlerWith({}, lines)(await eventFor('users/alice/refused.png'), {
      ...context,
      credentials: { ...ROLE_KEYS, accessKeySecret: 'wrong' },
    }),
  ).rejects.toThrow('FC retries the event');
  const refusal = storage.requests.slice(before);
  // A refusal is not retried within the invocation: one GET, no delete.
  expect(refusal.map((request) => [request.operation, request.status, request.code])).toEqual([
    ['GetObject', 403, 'SignatureDoesNotMatch'],
  ]);
  expect(lines).toEqual([
    expect.objectContaining({
      level: 'error',
      errorCode: 'OssRefused',
      cause: `OSS GetObject: SignatureDoesNotMatch (403, request ${refusal[0]!.requestId})`,
    }),
  ]);
  expect(receiver.deliveries).toEqual([]);
});

test('OSS hanging: each call gives up after OSS_TIMEOUT_MS and the invocation fails (FC retries)', async () => {
  const silent = createServer(() => undefined); // accepts the request, never answers
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const lines: EventLogLine[] = [];
    const endpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const handler = handlerWith({ OSS_ENDPOINT: endpoint, OSS_TIMEOUT_MS: '300' }, lines);
    const started = performance.now();
    await expect(
      handler(buildOssEvent({ bucket: BUCKET, key: 'users/alice/a.png', size: 5, eTag: 'D41D8CD98F00B204E9800998ECF8427E' }), context),
    ).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(2000);
    expect(lines).toEqual([
      expect.objectContaining({ level: 'error', errorCode: 'OssUnavailable', cause: 'OSS GetObject: no answer within 300 ms' }),
    ]);
  } finally {
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  }
});

test('misconfiguration is reported once at cold start, and every invocation fails rather than dropping events', async () => {
  const lines: EventLogLine[] = [];
  const handler = handlerWith({ UPLOAD_WEBHOOK_SECRET: 'not-a-secret', QUARANTINE_PREFIX: 'users/q/' }, lines);
  expect(lines[0]).toMatchObject({ requestId: 'cold-start', errorCode: 'InternalError' });
  expect(lines[0]!.cause).toContain('UPLOAD_WEBHOOK_SECRET must be whsec_');
  expect(lines[0]!.cause).toContain('QUARANTINE_PREFIX must lie outside');
  await expect(
    handler(buildOssEvent({ bucket: BUCKET, key: 'users/a/b.png', size: 1, eTag: 'D41D8CD98F00B204E9800998ECF8427E' }), context),
  ).rejects.toThrow('misconfigured');
});

describe('every object is judged by its literal key, and removal never fails open (issue 22)', () => {
  const rawPut = (key: string, body: Buffer, headers: Record<string, string>): ReturnType<typeof rawOssRequest> =>
    rawOssRequest({
      endpoint: storage.oss.url,
      bucket: BUCKET,
      region: 'cn-hangzhou',
      credentials: OWNER,
      method: 'PUT',
      key,
      headers,
      body,
    });
  const rejected = (): UploadWebhook => JSON.parse(receiver.deliveries.at(-1)!.body) as UploadWebhook;

  test('a key with control characters is judged and removed; the log shows the key escaped', async () => {
    const key = 'users/mallory/sts/a\u0001b\u2028c.png';
    expect((await rawPut(key, html, { 'content-type': 'image/png' })).status).toBe(200);
    const lines: EventLogLine[] = [];
    await handlerWith({ QUARANTINE_PREFIX: '' }, lines)(await eventFor(key), context);
    expect(storage.oss.getObject(key)).toBeUndefined();
    expect(rejected().data).toMatchObject({ key, reason: 'ActiveContent' });
    expect(lines).toEqual([
      expect.objectContaining({ outcome: 'rejected', action: 'deleted', key: 'users/mallory/sts/a\\u{1}b\\u{2028}c.png' }),
    ]);
  });

  test("dot segments are plain characters: mallory's ../../alice key is judged and removed, alice's object is untouched", async () => {
    const alices = 'users/alice/2026/11/target.png';
    const mallorys = 'users/mallory/sts/../../alice/2026/11/target.png';
    const png = samplePng(600);
    await storage.put(alices, png, 'image/png');
    expect((await rawPut(mallorys, html, { 'content-type': 'image/png' })).status).toBe(200);
    await handlerWith({ QUARANTINE_PREFIX: '' })(await eventFor(mallorys), context);
    expect(storage.oss.getObject(mallorys)).toBeUndefined();
    expect(storage.oss.getObject(alices)?.body.equals(png)).toBe(true);
    expect(rejected().data).toMatchObject({ key: mallorys, user: 'mallory', reason: 'ActiveContent' });
  });

  test('a decoy at the encoded form of a key is not judged in its place: the object whose ETag the event names is', async () => {
    const key = 'users/mallory/sts/a b.png';
    const decoy = 'users/mallory/sts/a%20b.png';
    await storage.put(decoy, samplePng(400), 'image/png');
    expect((await rawPut(key, html, { 'content-type': 'image/png' })).status).toBe(200);
    await handlerWith({ QUARANTINE_PREFIX: '' })(await eventFor(key, { encodeKey: true }), context);
    expect(storage.oss.getObject(key)).toBeUndefined();
    expect(storage.oss.getObject(decoy)).toBeDefined();
    expect(receiver.deliveries.map((d) => (JSON.parse(d.body) as UploadWebhook).data)).toEqual([
      expect.objectContaining({ key, reason: 'ActiveContent' }),
    ]);
  });

  test('an object that is not the version the event names is judged as found, and the log and webhook say so', async () => {
    const key = 'users/alice/2026/11/changed.png';
    const etag = await storage.put(key, samplePng(700), 'image/png');
    const lines: EventLogLine[] = [];
    const event = buildOssEvent({ bucket: BUCKET, key, size: 12, eTag: 'D41D8CD98F00B204E9800998ECF8427E' });
    await handlerWith({}, lines)(event, context);
    const message = JSON.parse(receiver.deliveries[0]!.body) as UploadWebhook;
    expect(message).toMatchObject({
      type: 'upload.completed',
      data: { key, size: 700, etag: etag.replace(/"/g, ''), eventEtag: 'D41D8CD98F00B204E9800998ECF8427E' },
    });
    expect(lines[0]!.note).toContain('is not the one the event named (ETag D41D8CD98F00B204E9800998ECF8427E, 12 bytes)');
  });

  test('a quarantine key over 1,023 bytes: the object is deleted anyway, and the log and webhook say why', async () => {
    const key = `users/mallory/sts/${'x'.repeat(1000)}.png`;
    expect(Buffer.byteLength(`quarantine/${key}`)).toBeGreaterThan(1023);
    expect((await rawPut(key, html, { 'content-type': 'image/png' })).status).toBe(200);
    const lines: EventLogLine[] = [];
    const handler = handlerWith({ QUARANTINE_PREFIX: 'quarantine/' }, lines);
    const event = await eventFor(key);
    await handler(event, context);
    expect(storage.oss.getObject(key)).toBeUndefined();
    expect(rejected().data).toMatchObject({ key, reason: 'ActiveContent', notQuarantined: 'KeyTooLong' });
    expect(lines[0]).toMatchObject({ outcome: 'rejected', key, action: 'deleted' });
    expect(lines[0]!.note).toMatch(/^deleted, not quarantined: the quarantine key would be \d+ bytes, over OSS's 1023$/);
    // A retry (the webhook failed, say) finds it gone, and the verdict kept for the uploader says why; no copy is
    // looked for that cannot exist.
    const before = storage.requests.length;
    await handler(event, context);
    expect(rejected().data).toMatchObject({ key, reason: 'ActiveContent' });
    expect(storage.requests.slice(before).map((request) => request.operation)).toEqual(['GetObject', 'GetObject']);
  });

  test('an object over the 1 GB CopyObject copies: deleted, not quarantined, and said', async () => {
    const key = 'users/mallory/sts/huge.png';
    // Stored without sending a gigabyte: a lazily zeroed buffer the emulator never touches beyond the ranged read.
    storage.oss.seedObject({
      key,
      body: Buffer.alloc(1024 ** 3 + 1),
      contentType: 'image/png',
      etag: '"0123456789ABCDEF0123456789ABCDEF"',
    });
    const lines: EventLogLine[] = [];
    const event = buildOssEvent({ bucket: BUCKET, key, size: 1024 ** 3 + 1, eTag: '0123456789ABCDEF0123456789ABCDEF' });
    await handlerWith({ QUARANTINE_PREFIX: 'quarantine/' }, lines)(event, context);
    expect(storage.oss.listKeys().filter((stored) => stored.endsWith('huge.png'))).toEqual([]);
    expect(rejected().data).toMatchObject({ key, reason: 'TooLarge', notQuarantined: 'TooLargeToCopy' });
    expect(lines[0]).toMatchObject({ key, action: 'deleted', note: expect.stringContaining('over the 1073741824 CopyObject copies') });
  });

  test('an Archive-class object (GET refused): rejected UnreadableStorageClass and deleted, or accepted when the rules allow it', async () => {
    const key = 'users/mallory/sts/frozen.png';
    expect((await rawPut(key, html, { 'content-type': 'image/png', 'x-oss-storage-class': 'Archive' })).status).toBe(200);
    const event = await eventFor(key);
    await handlerWith({ ALLOWED_UNREADABLE_STORAGE_CLASSES: 'Archive' })(event, context);
    expect(JSON.parse(receiver.deliveries[0]!.body)).toMatchObject({ type: 'upload.completed', data: { key } });
    expect(storage.oss.getObject(key)).toBeDefined();

    const lines: EventLogLine[] = [];
    await handlerWith({ QUARANTINE_PREFIX: 'quarantine/' }, lines)(event, context);
    expect(storage.oss.getObject(key)).toBeUndefined();
    expect(storage.oss.getObject(`quarantine/${key}`)).toBeUndefined();
    expect(rejected().data).toMatchObject({ key, reason: 'UnreadableStorageClass', notQuarantined: 'UnreadableStorageClass' });
    expect(lines[0]).toMatchObject({ outcome: 'rejected', reason: 'UnreadableStorageClass', action: 'deleted' });
  });

  test('OSS refusing the copy to the quarantine (here: the role may not write there): deleted all the same, and said', async () => {
    const key = 'users/mallory/sts/refused-copy.png';
    expect((await rawPut(key, html, { 'content-type': 'image/png' })).status).toBe(200);
    const lines: EventLogLine[] = [];
    // The role's policy grants quarantine/ only (startStorage): a quarantine elsewhere is refused by OSS.
    await handlerWith({ QUARANTINE_PREFIX: 'elsewhere/' }, lines)(await eventFor(key), context);
    expect(storage.oss.getObject(key)).toBeUndefined();
    expect(rejected().data).toMatchObject({ key, notQuarantined: 'CopyRefused' });
    expect(lines[0]!.note).toMatch(
      /^deleted, not quarantined: the copy was refused: OSS CopyObject: AccessDenied \(403, request [0-9A-F]+\)$/,
    );
  });

  test('bytes of no known format declared application/pdf are ContentMismatch, and removed', async () => {
    const key = 'users/alice/2026/11/fake.pdf';
    await storage.put(key, Buffer.from('these are words, not a PDF'), 'application/pdf');
    await handlerWith({ QUARANTINE_PREFIX: '' })(await eventFor(key), context);
    expect(storage.oss.getObject(key)).toBeUndefined();
    expect(rejected().data).toMatchObject({ key, reason: 'ContentMismatch' });
  });

  test('a key the event carries that is no OSS key is logged with the key, escaped, never silently skipped', async () => {
    const lines: EventLogLine[] = [];
    const event = Buffer.from(
      JSON.stringify({
        events: [
          {
            eventName: 'ObjectCreated:PutObject',
            eventTime: new Date().toISOString(),
            oss: { bucket: { name: BUCKET }, object: { key: '/users/a/\u0007x.png', size: 1, eTag: 'D41D8CD98F00B204E9800998ECF8427E' } },
          },
        ],
      }),
    );
    await expect(handlerWith({}, lines)(event, context)).resolves.toEqual({ handled: 0, skipped: 1 });
    expect(lines).toEqual([
      expect.objectContaining({
        outcome: 'skipped',
        reason: 'InvalidKey',
        key: '/users/a/\\u{7}x.png',
        note: 'object key is not a valid OSS key in any encoding',
      }),
    ]);
  });
});

describe('the verdict is kept in OSS for the uploader, before the object is removed and before the app is told', () => {
  const operationsDuring = async (run: () => Promise<unknown>): Promise<string[]> => {
    const before = storage.requests.length;
    await run();
    return storage.requests
      .slice(before)
      .map((request) => `${request.operation} ${request.path.includes('upload-verdicts/') ? 'record' : 'object'}`);
  };

  test('accepted: the record names the version judged; it is written after the read and before the webhook', async () => {
    const key = 'users/yuki/2026/11/kept.png';
    const etag = (await storage.put(key, samplePng(900), 'image/png')).replace(/"/g, '');
    receiver.script.push(500); // the app's receiver fails: the record is there all the same
    const event = await eventFor(key);
    await expect(operationsDuring(() => handlerWith()(event, context))).rejects.toThrow();
    expect(recordOf(key)).toEqual({
      version: 1,
      key,
      verdict: 'accepted',
      etag,
      size: 900,
      contentType: 'image/png',
      judgedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    expect(await operationsDuring(() => handlerWith()(event, context))).toEqual(['GetObject object', 'PutObject record']);
    expect(receiver.deliveries.map((d) => d.status)).toEqual([500, 204]);
  });

  test('rejected: the record (with what the bytes are) is written before the object is deleted', async () => {
    const key = 'users/yuki/2026/11/renamed.jpg';
    await storage.put(key, samplePng(800), 'image/jpeg'); // a PNG named .jpg, declared a JPEG
    await handlerWith()(await eventFor(key), context);
    const record = recordOf(key);
    expect(record).toMatchObject({ verdict: 'rejected', reason: 'ContentMismatch', contentType: 'image/jpeg', detectedType: 'image/png' });
    expect(rejectionMessage('ContentMismatch', record as never)).toBe(
      "The upload was rejected: the file's contents are not a JPEG image (they look like a PNG image).",
    );
  });

  test('rejected: record, then delete, then webhook; a TooLarge record keeps the limit it broke', async () => {
    const key = 'users/yuki/2026/11/huge.png';
    await storage.put(key, samplePng(150 * 1024), 'image/png');
    const event = await eventFor(key);
    const handler = handlerWith({ QUARANTINE_PREFIX: '', MAX_UPLOAD_BYTES: String(100 * 1024) });
    expect(await operationsDuring(() => handler(event, context))).toEqual(['GetObject object', 'PutObject record', 'DeleteObject object']);
    expect(receiver.deliveries).toHaveLength(1);
    expect(recordOf(key)).toMatchObject({ verdict: 'rejected', reason: 'TooLarge', size: 150 * 1024, maxBytes: 100 * 1024 });
    expect(rejectionMessage('TooLarge', recordOf(key) as never)).toBe(
      'The upload was rejected: the file (150 KiB) is larger than the limit of 100 KiB.',
    );
  });

  test('a record that cannot be written fails the invocation before anything is removed or told (FC retries)', async () => {
    const key = 'users/yuki/2026/11/unrecorded.png';
    await storage.put(key, html, 'image/png');
    const lines: EventLogLine[] = [];
    // The role may write records only under the folder it was granted (upload-verdicts/).
    const handler = handlerWith({ VERDICT_PREFIX: 'elsewhere/' }, lines);
    await expect(handler(await eventFor(key), context)).rejects.toThrow();
    expect(lines[0]).toMatchObject({ errorCode: 'OssRefused' });
    expect(storage.oss.getObject(key)).toBeDefined();
    expect(receiver.deliveries).toEqual([]);
  });

  test('accepted, the webhook failed, then the app deleted the object: the retry tells the app the same acceptance', async () => {
    const key = 'users/yuki/2026/11/then-deleted.png';
    await storage.put(key, samplePng(500), 'image/png');
    const event = await eventFor(key);
    receiver.script.push(500);
    await expect(handlerWith()(event, context)).rejects.toThrow();
    await storage.owner.delete(key);
    await handlerWith()(event, context);
    const [first, second] = receiver.deliveries.map((d) => ({ id: d.headers['webhook-id'], message: JSON.parse(d.body) as UploadWebhook }));
    expect(second!.id).toBe(first!.id);
    expect(second!.message).toMatchObject({ type: 'upload.completed', data: { key, size: 500, contentType: 'image/png' } });
    expect(recordOf(key)).toMatchObject({ verdict: 'accepted' });
  });

  test("a record of another key (a stray file, a collision) is nobody's", () => {
    const bytes = Buffer.from(
      JSON.stringify({
        version: 1,
        key: 'users/a/x.png',
        verdict: 'accepted',
        etag: 'E',
        size: 1,
        contentType: 'image/png',
        judgedAt: '2026-11-28T10:00:00Z',
      }),
    );
    expect(decodeVerdictRecord(bytes, 'users/a/x.png')).toBeDefined();
    expect(decodeVerdictRecord(bytes, 'users/b/x.png')).toBeUndefined();
    expect(decodeVerdictRecord(Buffer.from('{"version":1'), 'users/a/x.png')).toBeUndefined();
    const rejectedWithoutReason = { ...JSON.parse(bytes.toString()), verdict: 'rejected' };
    expect(decodeVerdictRecord(Buffer.from(JSON.stringify(rejectedWithoutReason)), 'users/a/x.png')).toBeUndefined();
  });
});
