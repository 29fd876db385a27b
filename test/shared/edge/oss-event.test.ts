/** FC OSS-trigger events in: entries read field by field, keys in every encoding, hostile entries skipped with a reason. */
import { buildOssEvent, parseOssTriggerEvent } from '../../../shared/edge/oss-event';

const entry = (object: Record<string, unknown>, extra: Record<string, unknown> = {}): Buffer =>
  Buffer.from(
    JSON.stringify({
      events: [
        {
          eventName: 'ObjectCreated:PutObject',
          eventSource: 'acs:oss',
          eventTime: '2026-11-28T10:00:00.000Z',
          oss: { bucket: { name: 'b-1' }, object: { key: 'users/a/x.png', size: 10, eTag: '0123456789ABCDEF0123456789ABCDEF', ...object } },
          ...extra,
        },
      ],
    }),
  );

test('the documented event, as built for tests and the bench, reads back', () => {
  expect(
    parseOssTriggerEvent(buildOssEvent({ bucket: 'b-1', key: 'users/a/x.png', size: 3, eTag: '"0123456789abcdef0123456789abcdef"' })),
  ).toEqual({
    objects: [
      {
        eventName: 'ObjectCreated:PutObject',
        eventTime: expect.any(String),
        bucket: 'b-1',
        keys: ['users/a/x.png'],
        size: 3,
        eTag: '0123456789ABCDEF0123456789ABCDEF',
        ossRequestId: '5C9E2E4B61E5D16D23E9CEC6',
      },
    ],
    skipped: [],
  });
});

test.each([
  ['users/a/x.png', ['users/a/x.png']],
  ['users/a/my%20photo.png', ['users/a/my%20photo.png', 'users/a/my photo.png']],
  ['users/a/a+b.png', ['users/a/a+b.png', 'users/a/a b.png']],
  ['users/a/%C3%A9.png', ['users/a/%C3%A9.png', 'users/a/é.png']],
  ['users/a/100%.png', ['users/a/100%.png']],
  ['users/a/%2Fslash', ['users/a/%2Fslash', 'users/a//slash']],
  // Control characters are legal in an OSS key: an object stored under one exists, and is judged.
  ['users/a/%00nul', ['users/a/%00nul', 'users/a/\u0000nul']],
  ['users/a/a\u0001b\u007f.png', ['users/a/a\u0001b\u007f.png']],
  ['users/m/sts/x/../evil.png', ['users/m/sts/x/../evil.png']],
])('key %s → forms %j', (key, forms) => {
  expect(parseOssTriggerEvent(entry({ key })).objects[0]!.keys).toEqual(forms);
});

test.each([
  ['not JSON', Buffer.from('{'), 'MalformedEvent'],
  ['no events', Buffer.from('{"events":[]}'), 'MalformedEvent'],
  ['a removal', entry({}, { eventName: 'ObjectRemoved:DeleteObject' }), 'NotObjectCreated'],
  ['another source', entry({}, { eventSource: 'acs:mns' }), 'MalformedEvent'],
  ['a negative size', entry({ size: -1 }), 'MalformedEvent'],
  ['an absurd size', entry({ size: 1e300 }), 'MalformedEvent'],
  ['a size that is not a number', entry({ size: '1e3' }), 'MalformedEvent'],
  ['a malformed eTag', entry({ eTag: 'abc' }), 'MalformedEvent'],
  ['no key', entry({ key: '' }), 'MalformedEvent'],
  ['a key starting with /', entry({ key: '/users/a/x' }), 'InvalidKey'],
  ['a key of lone surrogates', entry({ key: 'users/a/\ud800' }), 'InvalidKey'],
  ['a key over 1,023 bytes in every form', entry({ key: `users/a/${'x'.repeat(1020)}` }), 'InvalidKey'],
  ['no time', entry({}, { eventTime: 'yesterday' }), 'MalformedEvent'],
])('%s is skipped as %s', (_name, event, reason) => {
  expect(parseOssTriggerEvent(event)).toEqual({ objects: [], skipped: [expect.objectContaining({ reason })] });
});

test('a key that is no OSS key is skipped with the key, so the log names it', () => {
  const key = `/users/a/\u0001${'y'.repeat(2000)}`;
  const [skipped] = parseOssTriggerEvent(entry({ key })).skipped;
  expect(skipped).toEqual({ reason: 'InvalidKey', detail: 'object key is not a valid OSS key in any encoding', key: key.slice(0, 1100) });
});

test('a size written as a digit string is read (some notification paths stringify numbers)', () => {
  expect(parseOssTriggerEvent(entry({ size: '42' })).objects[0]!.size).toBe(42);
});
