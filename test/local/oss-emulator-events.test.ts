/**
 * The OSS emulator's ObjectCreated notifications and CopyObject: every operation that creates an object emits the
 * event FC's OSS trigger delivers (after the client has its answer), failures emit nothing, and copies need read
 * permission on the source.
 */
import OSS from 'ali-oss';
import { createHmac } from 'node:crypto';
import { firstKnown, staticAccounts, type CredentialResolver } from '../../local/emulator-accounts';
import { startOssEmulator, type ObjectCreatedNotification, type RunningOssEmulator } from '../../local/oss-emulator';
import { parseOssTriggerEvent } from '../../shared/edge/oss-event';

const OWNER = { accessKeyId: 'LTAI-events-owner', accessKeySecret: 'events-owner-secret' };
const READ_NOTHING = { accessKeyId: 'LTAI-writer-only', accessKeySecret: 'writer-only-secret' };
/** May write anywhere but read nothing: copying needs oss:GetObject on the source. */
const writerOnly: CredentialResolver = (id) =>
  id === READ_NOTHING.accessKeyId
    ? { kind: 'found', accessKeySecret: READ_NOTHING.accessKeySecret, isAllowed: (action) => action === 'oss:PutObject' }
    : { kind: 'error', code: 'InvalidAccessKeyId', message: 'unknown' };

let oss: RunningOssEmulator;
let client: OSS;
const events: ObjectCreatedNotification[] = [];
beforeAll(async () => {
  oss = await startOssEmulator({
    bucket: 'events-bucket',
    region: 'cn-hangzhou',
    credentials: firstKnown(staticAccounts([OWNER]), writerOnly),
    onObjectCreated: (event) => events.push(event),
  });
  client = new OSS({
    ...OWNER,
    bucket: 'events-bucket',
    region: 'oss-cn-hangzhou',
    endpoint: oss.url,
    cname: true,
    authorizationV4: true,
  });
});
afterAll(() => oss.close());
beforeEach(() => void (events.length = 0));

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

test('PutObject: one ObjectCreated:PutObject event in the FC trigger format, which our parser reads back', async () => {
  await client.put('users/alice/a b.png', Buffer.from('hello'), { mime: 'image/png' });
  await settle();
  expect(events).toEqual([
    {
      eventName: 'ObjectCreated:PutObject',
      eventSource: 'acs:oss',
      eventTime: expect.stringMatching(/Z$/),
      eventVersion: '1.0',
      oss: {
        bucket: { arn: 'acs:oss:cn-hangzhou:1000000000000001:events-bucket', name: 'events-bucket', ownerIdentity: '1000000000000001' },
        object: { deltaSize: 5, eTag: '5D41402ABC4B2A76B9719D911017C592', key: 'users/alice/a b.png', size: 5 },
        ossSchemaVersion: '1.0',
        ruleId: expect.any(String),
      },
      region: 'cn-hangzhou',
      requestParameters: { sourceIPAddress: expect.any(String) },
      responseElements: { requestId: expect.stringMatching(/^[0-9A-F]{24}$/) },
      userIdentity: { principalId: '1000000000000001' },
    },
  ]);
  const parsed = parseOssTriggerEvent(Buffer.from(JSON.stringify({ events })));
  expect(parsed.objects).toEqual([
    expect.objectContaining({ bucket: 'events-bucket', keys: ['users/alice/a b.png'], size: 5, eTag: '5D41402ABC4B2A76B9719D911017C592' }),
  ]);
});

test('CompleteMultipartUpload emits one event (parts emit none); a failed upload emits nothing', async () => {
  await client.multipartUpload('users/alice/big.bin', Buffer.alloc(250 * 1024, 1), { partSize: 100 * 1024 });
  await expect(client.put('users/alice/big.bin', Buffer.from('x'), { headers: { 'x-oss-forbid-overwrite': 'true' } })).rejects.toThrow();
  await settle();
  expect(events.map((event) => [event.eventName, event.oss.object.key, event.oss.object.size])).toEqual([
    ['ObjectCreated:CompleteMultipartUpload', 'users/alice/big.bin', 250 * 1024],
  ]);
  expect(events[0]!.oss.object.eTag).toMatch(/^[0-9A-F]{32}-3$/);
});

test('PostObject emits ObjectCreated:PostObject for the key the form named', async () => {
  const policy = Buffer.from(
    JSON.stringify({ expiration: new Date(Date.now() + 60_000).toISOString(), conditions: [{ bucket: 'events-bucket' }] }),
  ).toString('base64');
  const form = new FormData();
  form.append('key', 'users/bob/posted.png');
  form.append('OSSAccessKeyId', OWNER.accessKeyId);
  form.append('policy', policy);
  form.append('Signature', createHmac('sha1', OWNER.accessKeySecret).update(policy).digest('base64'));
  form.append('file', new Blob([Buffer.from('posted')], { type: 'image/png' }), 'posted.png');
  expect((await fetch(`${oss.url}/events-bucket/`, { method: 'POST', body: form })).status).toBe(204);
  await settle();
  expect(events.map((event) => [event.eventName, event.oss.object.key])).toEqual([['ObjectCreated:PostObject', 'users/bob/posted.png']]);
});

test('CopyObject: copies with COPY or REPLACE metadata, honours if-match, emits ObjectCreated:CopyObject, needs read on the source', async () => {
  await client.put('users/carol/src.png', Buffer.from('source bytes'), { mime: 'image/png', headers: { 'x-oss-meta-origin': 'carol' } });
  const etag = oss.getObject('users/carol/src.png')!.etag;
  events.length = 0;
  await client.copy('q/copy.png', 'users/carol/src.png');
  expect(oss.getObject('q/copy.png')).toMatchObject({ contentType: 'image/png', etag, headers: { 'x-oss-meta-origin': 'carol' } });
  await client.copy('q/replaced.bin', 'users/carol/src.png', {
    headers: {
      'x-oss-metadata-directive': 'REPLACE',
      'Content-Type': 'application/octet-stream',
      'x-oss-meta-reason': 'test',
      'x-oss-copy-source-if-match': etag,
    },
  });
  expect(oss.getObject('q/replaced.bin')).toMatchObject({
    contentType: 'application/octet-stream',
    headers: { 'x-oss-meta-reason': 'test' },
  });
  await expect(
    client.copy('q/never.png', 'users/carol/src.png', { headers: { 'x-oss-copy-source-if-match': '"0123"' } }),
  ).rejects.toMatchObject({
    status: 412,
  });
  await expect(
    client.copy('q/never.png', 'users/carol/src.png', { headers: { 'x-oss-copy-source-if-none-match': etag } }),
  ).rejects.toMatchObject({
    status: 501,
  });
  const writer = new OSS({
    ...READ_NOTHING,
    bucket: 'events-bucket',
    region: 'oss-cn-hangzhou',
    endpoint: oss.url,
    cname: true,
    authorizationV4: true,
  });
  await expect(writer.copy('q/stolen.png', 'users/carol/src.png')).rejects.toMatchObject({ status: 403, code: 'AccessDenied' });
  await settle();
  expect(oss.getObject('q/never.png')).toBeUndefined();
  expect(oss.getObject('q/stolen.png')).toBeUndefined();
  expect(events.map((event) => [event.eventName, event.oss.object.key])).toEqual([
    ['ObjectCreated:CopyObject', 'q/copy.png'],
    ['ObjectCreated:CopyObject', 'q/replaced.bin'],
  ]);
});

test('with encodeEventKeys, keys are written URL-encoded and still parse to the real key', async () => {
  const encoding = await startOssEmulator({
    bucket: 'events-bucket',
    region: 'cn-hangzhou',
    credentials: staticAccounts([OWNER]),
    onObjectCreated: (event) => events.push(event),
    encodeEventKeys: true,
  });
  try {
    const other = new OSS({
      ...OWNER,
      bucket: 'events-bucket',
      region: 'oss-cn-hangzhou',
      endpoint: encoding.url,
      cname: true,
      authorizationV4: true,
    });
    await other.put('users/alice/été 1+1.png', Buffer.from('x'));
    await settle();
    expect(events[0]!.oss.object.key).toBe('users/alice/%C3%A9t%C3%A9%201%2B1.png');
    expect(parseOssTriggerEvent(Buffer.from(JSON.stringify({ events }))).objects[0]!.keys).toContain('users/alice/été 1+1.png');
  } finally {
    await encoding.close();
  }
});
