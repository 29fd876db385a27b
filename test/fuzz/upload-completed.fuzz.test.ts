/**
 * Property-based fuzzing of upload-completed through its event edge, against the OSS emulator with the role's
 * exact permissions: arbitrary buffers, near-valid and hostile OSS events (other buckets, other event names,
 * absurd sizes, keys outside the prefix, encoded, with `..`, Unicode, controls), over a bucket seeded with good
 * and bad objects inside and outside the users' folder. Properties: never a crash (the handler resolves, or
 * fails only as "retry"), never an unexpected error in the log, never a delete or copy outside a user's prefix,
 * and the objects outside are all still there. FUZZ_RUNS sets the case count (300 here by default; each case
 * makes real HTTP calls).
 */
import fc from 'fast-check';
import { createUploadCompletedFunction } from '../../functions/upload-completed/judge-upload';
import { samplePng } from '../../local/sample-files';
import { createFcEventHandler, type EventLogLine, type FcEventHandler } from '../../shared/edge/event-handler';
import { uploadOwnerOf } from '../../shared/upload/upload-owner';
import { BUCKET, ROLE_KEYS, WEBHOOK_SECRET, startReceiver, startStorage, type Receiver, type Storage } from '../support/upload-completed';

const RUNS = Math.max(1, Math.floor(Number(process.env['FUZZ_RUNS'] ?? 3000) / 10));
const PREFIX = { before: 'users/', after: '/' };
const html = Buffer.from('<html><script>alert(1)</script></html>');
const OUTSIDE = ['assets/logo.png', 'users/_41/x.png', 'users/x.png', 'quarantined/users/alice/a.png', 'users/alice'];
const INSIDE = ['users/alice/ok.png', 'users/alice/bad.png', 'users/bob/2026/11/b.png', 'users/_c3_a9/é ü.png', 'users/alice/'];

let storage: Storage;
let receiver: Receiver;
let handler: FcEventHandler;
const lines: EventLogLine[] = [];

beforeAll(async () => {
  [storage, receiver] = await Promise.all([startStorage({ QUARANTINE_PREFIX: 'quarantine/' }), startReceiver()]);
  for (const key of OUTSIDE) await storage.put(key, html, 'image/png');
  handler = createFcEventHandler(createUploadCompletedFunction(), {
    env: {
      OSS_BUCKET: BUCKET,
      OSS_REGION: 'cn-hangzhou',
      OSS_ENDPOINT: storage.oss.url,
      UPLOAD_WEBHOOK_URL: receiver.url,
      UPLOAD_WEBHOOK_SECRET: WEBHOOK_SECRET,
      QUARANTINE_PREFIX: 'quarantine/',
    },
    log: (line) => lines.push(line),
  });
});
afterAll(async () => {
  await Promise.all([storage.close(), receiver.close()]);
});

/** Re-seeds what earlier cases removed, so every case meets good and bad objects. */
async function reseed(): Promise<void> {
  for (const [index, key] of INSIDE.entries()) {
    if (storage.oss.getObject(key) === undefined) await storage.put(key, index % 2 === 0 ? samplePng(300) : html, 'image/png');
  }
}

const keyArb = fc.oneof(
  fc.constantFrom(...INSIDE, ...OUTSIDE),
  fc.constantFrom(...INSIDE, ...OUTSIDE).map((key) => encodeURIComponent(key).replace(/%2F/g, '/')),
  fc.constantFrom(
    'users/alice/../bob/x.png',
    'users/alice/%2e%2e/x.png',
    '/users/alice/x.png',
    'users//x.png',
    'users/alice/a\u0000b',
    'users/%ZZ/x',
    'users/alice/a+b.png',
  ),
  fc.string({ maxLength: 40 }).map((tail) => `users/alice/${tail}`),
  fc.string({ unit: 'binary', maxLength: 60 }),
);

/** Mostly valid, sometimes not: so that cases reach every step, not just the parser's refusals. */
const mostly = <T, U>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<U>): fc.Arbitrary<T | U> =>
  fc.oneof({ arbitrary: valid, weight: 5 }, { arbitrary: invalid, weight: 1 });

const entryArb = fc.record(
  {
    eventName: mostly(
      fc.constantFrom('ObjectCreated:PutObject', 'ObjectCreated:PostObject', 'ObjectCreated:CompleteMultipartUpload'),
      fc.constantFrom('ObjectRemoved:DeleteObject', 'ObjectCreated:', 'x', ''),
    ),
    eventSource: mostly(fc.constant('acs:oss'), fc.constantFrom('acs:mns', 7)),
    eventTime: mostly(fc.constant('2026-11-28T10:00:00.000Z'), fc.string({ maxLength: 30 })),
    oss: fc.record({
      bucket: fc.record({ name: mostly(fc.constant(BUCKET), fc.constantFrom('another-bucket', '', BUCKET.toUpperCase())) }),
      object: fc.record({
        key: keyArb,
        size: mostly(fc.nat({ max: 10_000_000 }), fc.constantFrom(-1, 1e300, Number.NaN, '12', '1e3', null)),
        eTag: mostly(
          fc.string({ unit: fc.constantFrom(...'0123456789ABCDEF'), minLength: 32, maxLength: 32 }),
          fc.string({ maxLength: 40 }),
        ),
      }),
    }),
  },
  { requiredKeys: ['eventName', 'oss'] },
);

const eventArb = fc.oneof(
  { arbitrary: fc.array(entryArb, { minLength: 0, maxLength: 3 }).map((events) => Buffer.from(JSON.stringify({ events }))), weight: 6 },
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value))),
  fc.constantFrom(Buffer.from('{"events":null}'), Buffer.from('{"events":[null,1,"x"]}'), Buffer.from('{"__proto__":{"events":[]}}')),
);

test('any event: no crash, no unexpected error, nothing removed outside a user prefix', async () => {
  await fc.assert(
    fc.asyncProperty(eventArb, async (event) => {
      await reseed();
      try {
        await handler(event, { requestId: 'fuzz', credentials: ROLE_KEYS });
      } catch (error) {
        // The only way to fail is FC's: "retry this event".
        expect(error).toBeInstanceOf(Error);
        expect((error as Error).message).toMatch(/FC retries the event/);
      }
    }),
    { numRuns: RUNS },
  );
  expect(lines.filter((line) => line.errorCode === 'InternalError')).toEqual([]);
  const removals = storage.requests.filter((request) => request.operation === 'DeleteObject' || request.operation === 'CopyObject');
  // The property must really be exercised: some good and bad objects were judged, and some removed.
  expect(lines.some((line) => line.outcome === 'accepted')).toBe(true);
  expect(removals.length).toBeGreaterThan(0);
  for (const removal of removals) {
    const key = decodeURIComponent(removal.path.slice(1));
    if (removal.operation === 'DeleteObject') expect([key, uploadOwnerOf(key, PREFIX) !== undefined]).toEqual([key, true]);
    else expect(key.startsWith('quarantine/users/')).toBe(true);
  }
  for (const key of OUTSIDE) expect(storage.oss.getObject(key)).toBeDefined();
}, 600_000);
