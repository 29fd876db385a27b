/**
 * The bucket's overwrite protection in the OSS emulator, over real HTTP: configured with the very XML
 * `npm run policies` prints (PUT /?overwriteConfig, signed from the specification), then enforced on every kind of
 * write (PutObject by ali-oss, PostObject by a form, multipart, CopyObject) whoever sends it, and refused loudly where it is
 * not modelled.
 */
import { createHmac } from 'node:crypto';
import OSS from 'ali-oss';
import { overwriteConfigurationXml, uploadOverwriteRule } from '../../deploy/overwrite-protection';
import { deploymentConfig } from '../../deploy/policies';
import type { CredentialResolver } from '../../local/emulator-accounts';
import { type RunningOssEmulator, startOssEmulator } from '../../local/oss-emulator';
import { configFrom } from '../support/env';
import { timestampOf, v4CanonicalRequest, v4Signature } from '../support/oss-spec';

const BUCKET = 'overwrite-bucket';
const REGION = 'cn-hangzhou';
const OWNER = { accessKeyId: 'LTAI-owner', accessKeySecret: 'owner-secret-0123456789' };
const LIMITED = { accessKeyId: 'LTAI-limited', accessKeySecret: 'limited-secret-0123456789' };
/** A session of the upload role, as STS credentials are. */
const UPLOADER = { accessKeyId: 'STS-uploader', accessKeySecret: 'uploader-secret-0123456789' };

/** The owner may do anything; the limited key and the upload role's session may only write objects. */
const resolver: CredentialResolver = (accessKeyId) => {
  if (accessKeyId === OWNER.accessKeyId)
    return { kind: 'found', accessKeySecret: OWNER.accessKeySecret, principal: '1', isAllowed: () => true };
  if (accessKeyId === LIMITED.accessKeyId) {
    return { kind: 'found', accessKeySecret: LIMITED.accessKeySecret, isAllowed: (action) => action === 'oss:PutObject' };
  }
  if (accessKeyId === UPLOADER.accessKeyId) {
    return {
      kind: 'found',
      accessKeySecret: UPLOADER.accessKeySecret,
      principal: 'arn:sts::1:assumed-role/uploader/upload-alice',
      isAllowed: (action) => action === 'oss:PutObject',
    };
  }
  return { kind: 'error', code: 'InvalidAccessKeyId', message: 'The OSS Access Key Id you provided does not exist in our records.' };
};

/** What `npm run policies` prints for UPLOAD_PREFIX `users/{user}/`. */
const printedXml = overwriteConfigurationXml([
  uploadOverwriteRule(configFrom(deploymentConfig, { STS_ROLE_ARN: 'acs:ram::1:role/x' }), 'acs:ram::1:role/x'),
]);

let oss: RunningOssEmulator;
beforeEach(async () => {
  oss = await startOssEmulator({ bucket: BUCKET, region: REGION, credentials: resolver });
});
afterEach(() => oss.close());

/** A V4 header-signed request to `/<bucket>/<key>?<query>`, built from the rules in docs/oss-facts.md with node:crypto alone. */
async function signed(
  method: string,
  key: string,
  query: Record<string, string | null>,
  body: string | undefined = undefined,
  account = OWNER,
): Promise<{ status: number; text: string }> {
  const timestamp = timestampOf(Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = { 'x-oss-date': timestamp, 'x-oss-content-sha256': 'UNSIGNED-PAYLOAD' };
  if (body !== undefined) headers['content-type'] = 'application/xml';
  const canonical = v4CanonicalRequest({ method, bucket: BUCKET, key, query, headers, additionalHeaders: [] });
  const credential = `${account.accessKeyId}/${timestamp.slice(0, 8)}/${REGION}/oss/aliyun_v4_request`;
  const signature = v4Signature(account.accessKeySecret, REGION, timestamp, canonical);
  const search = Object.entries(query)
    .map(([name, value]) => (value === null ? name : `${name}=${encodeURIComponent(value)}`))
    .join('&');
  const response = await fetch(`${oss.url}/${BUCKET}/${key}${search === '' ? '' : `?${search}`}`, {
    method,
    headers: { ...headers, authorization: `OSS4-HMAC-SHA256 Credential=${credential},Signature=${signature}` },
    ...(body === undefined ? {} : { body }),
  });
  return { status: response.status, text: await response.text() };
}

const codeOf = (xml: string): string | undefined => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];

function client(account = OWNER): OSS {
  return new OSS({ ...account, bucket: BUCKET, region: 'oss-cn-hangzhou', endpoint: oss.url, cname: true, authorizationV4: true });
}

async function ossCode(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    return String((error as { code?: unknown }).code);
  }
  return 'succeeded';
}

/** A V1 PostObject form (docs/oss-facts.md) without any x-oss-forbid-overwrite field: only the bucket rule can refuse it. */
function postForm(key: string, content: string): FormData {
  const policy = Buffer.from(
    JSON.stringify({ expiration: new Date(Date.now() + 60_000).toISOString(), conditions: [{ bucket: BUCKET }, { key }] }),
  ).toString('base64');
  const form = new FormData();
  form.append('key', key);
  form.append('OSSAccessKeyId', OWNER.accessKeyId);
  form.append('policy', policy);
  form.append('Signature', createHmac('sha1', OWNER.accessKeySecret).update(policy).digest('base64'));
  form.append('file', new Blob([content]), 'x.bin');
  return form;
}

test('the printed configuration is one forbid rule over the static part of UPLOAD_PREFIX', () => {
  expect(printedXml).toBe(
    '<?xml version="1.0" encoding="UTF-8"?>\n<OverwriteConfiguration><Rule><ID>forbid-overwrite-user-uploads</ID>' +
      '<Action>forbid</Action><Prefix>users/</Prefix></Rule></OverwriteConfiguration>',
  );
});

test('without a configuration, an overwrite succeeds (the control)', async () => {
  await client().put('users/alice/sts/a.txt', Buffer.from('first'));
  await client().put('users/alice/sts/a.txt', Buffer.from('second'));
  expect(oss.getObject('users/alice/sts/a.txt')?.body.toString()).toBe('second');
  expect((await signed('GET', '', { overwriteConfig: null })).status).toBe(404);
});

test('PUT /?overwriteConfig with the printed XML, then every write onto an existing key under users/ is FileAlreadyExists', async () => {
  expect((await signed('PUT', '', { overwriteConfig: null }, printedXml)).status).toBe(200);
  const read = await signed('GET', '', { overwriteConfig: null });
  expect(read.status).toBe(200);
  expect(read.text).toContain('<Rule><ID>forbid-overwrite-user-uploads</ID><Action>forbid</Action><Prefix>users/</Prefix></Rule>');

  // PutObject, by the account owner itself and with no forbid header: the rule binds every caller.
  await client().put('users/alice/sts/a.txt', Buffer.from('first'), { mime: 'image/png' });
  expect(await ossCode(() => client().put('users/alice/sts/a.txt', Buffer.from('<html>'), { mime: 'text/html' }))).toBe(
    'FileAlreadyExists',
  );
  expect(await ossCode(() => client(LIMITED).put('users/alice/sts/a.txt', Buffer.from('<html>')))).toBe('FileAlreadyExists');
  expect(oss.getObject('users/alice/sts/a.txt')).toMatchObject({ contentType: 'image/png' });
  expect(oss.getObject('users/alice/sts/a.txt')?.body.toString()).toBe('first');

  // PostObject.
  const post = await fetch(`${oss.url}/${BUCKET}/`, { method: 'POST', body: postForm('users/alice/sts/a.txt', 'posted') });
  expect(post.status).toBe(409);
  expect(codeOf(await post.text())).toBe('FileAlreadyExists');

  // Multipart: refused when started, and when completed onto a key that appeared meanwhile.
  expect(await ossCode(() => client().initMultipartUpload('users/alice/sts/a.txt'))).toBe('FileAlreadyExists');
  const { uploadId } = await client().initMultipartUpload('users/alice/sts/b.txt');
  const part = await client().uploadPart('users/alice/sts/b.txt', uploadId, 1, Buffer.from('part'), 0, 4);
  await client().put('users/alice/sts/b.txt', Buffer.from('meanwhile'));
  expect(await ossCode(() => client().completeMultipartUpload('users/alice/sts/b.txt', uploadId, [{ number: 1, etag: part.etag }]))).toBe(
    'FileAlreadyExists',
  );
  expect(oss.getObject('users/alice/sts/b.txt')?.body.toString()).toBe('meanwhile');

  // CopyObject onto an existing key (with no forbid header of its own); a copy onto a new key is written.
  await client().put('public/source.txt', Buffer.from('copied'));
  expect(await ossCode(() => client().copy('users/alice/sts/a.txt', 'public/source.txt'))).toBe('FileAlreadyExists');
  expect(oss.getObject('users/alice/sts/a.txt')?.body.toString()).toBe('first');
  await client().copy('users/alice/sts/d.txt', 'public/source.txt');
  expect(oss.getObject('users/alice/sts/d.txt')?.body.toString()).toBe('copied');

  // New keys under the prefix, and any key outside it, are written as always.
  await client().put('users/alice/sts/c.txt', Buffer.from('new'));
  await client().put('public/x.txt', Buffer.from('1'));
  await client().put('public/x.txt', Buffer.from('2'));
  expect(oss.getObject('public/x.txt')?.body.toString()).toBe('2');

  // Deleted, overwrites are allowed again.
  expect((await signed('DELETE', '', { overwriteConfig: null })).status).toBe(204);
  await client().put('users/alice/sts/a.txt', Buffer.from('replaced'));
  expect(oss.getObject('users/alice/sts/a.txt')?.body.toString()).toBe('replaced');
});

test('given at start (as the local stack does), the configuration is enforced from the first request', async () => {
  const configured = await startOssEmulator({ bucket: BUCKET, region: REGION, credentials: resolver, overwriteConfiguration: printedXml });
  try {
    const owner = new OSS({
      ...OWNER,
      bucket: BUCKET,
      region: 'oss-cn-hangzhou',
      endpoint: configured.url,
      cname: true,
      authorizationV4: true,
    });
    await owner.put('users/bob/x.png', Buffer.from('x'));
    expect(await ossCode(() => owner.put('users/bob/x.png', Buffer.from('y')))).toBe('FileAlreadyExists');
  } finally {
    await configured.close();
  }
});

test('a rule with Principals binds the writes of the callers it names only (every session of a role, with *)', async () => {
  const xml = overwriteConfigurationXml([
    { id: 'sts-only', action: 'forbid', prefix: 'users/', principals: ['arn:sts::1:assumed-role/uploader/*'] },
  ]);
  expect(xml).toContain('<Principals><Principal>arn:sts::1:assumed-role/uploader/*</Principal></Principals>');
  expect((await signed('PUT', '', { overwriteConfig: null }, xml)).status).toBe(200);
  expect((await signed('GET', '', { overwriteConfig: null })).text).toContain(
    '<Principals><Principal>arn:sts::1:assumed-role/uploader/*</Principal></Principals>',
  );

  // The upload role's session replaces nothing, by PutObject, multipart or PostObject's absence of a header alike.
  await client(UPLOADER).put('users/alice/sts/a.txt', Buffer.from('first'));
  expect(await ossCode(() => client(UPLOADER).put('users/alice/sts/a.txt', Buffer.from('second')))).toBe('FileAlreadyExists');
  expect(await ossCode(() => client(UPLOADER).initMultipartUpload('users/alice/sts/a.txt'))).toBe('FileAlreadyExists');
  expect(oss.getObject('users/alice/sts/a.txt')?.body.toString()).toBe('first');
  // A copy by someone the rule does not name replaces it (below, the same holds for PutObject).
  await client().put('public/source.txt', Buffer.from('copied'));
  await client().copy('users/alice/sts/a.txt', 'public/source.txt');
  expect(oss.getObject('users/alice/sts/a.txt')?.body.toString()).toBe('copied');

  // Anyone else may replace it (the owner, whose principal the rule does not name; a caller of no known principal) ...
  await client().put('users/alice/avatar/current', Buffer.from('one'));
  await client().put('users/alice/avatar/current', Buffer.from('two'));
  await client(LIMITED).put('users/alice/avatar/current', Buffer.from('three'));
  expect(oss.getObject('users/alice/avatar/current')?.body.toString()).toBe('three');
  // ... unless the request itself says not to.
  expect(
    await ossCode(() => client().put('users/alice/avatar/current', Buffer.from('four'), { headers: { 'x-oss-forbid-overwrite': 'true' } })),
  ).toBe('FileAlreadyExists');
});

test('the configuration is a bucket permission of its own: a key that may only write objects cannot change it', async () => {
  const denied = await signed('PUT', '', { overwriteConfig: null }, printedXml, LIMITED);
  expect(denied.status).toBe(403);
  expect(codeOf(denied.text)).toBe('AccessDenied');
  expect(denied.text).toContain('oss:PutBucketOverwriteConfig');
});

test.each([
  ['no rule', '<OverwriteConfiguration></OverwriteConfiguration>', 400, 'MalformedXML'],
  [
    'another action',
    '<OverwriteConfiguration><Rule><Action>allow</Action><Prefix>a/</Prefix></Rule></OverwriteConfiguration>',
    400,
    'MalformedXML',
  ],
  [
    'an unknown element',
    '<OverwriteConfiguration><Rule><Action>forbid</Action><Tag>x</Tag></Rule></OverwriteConfiguration>',
    400,
    'MalformedXML',
  ],
  ['another root', '<LifecycleConfiguration><Rule><Action>forbid</Action></Rule></LifecycleConfiguration>', 400, 'MalformedXML'],
  [
    'an empty Principals',
    '<OverwriteConfiguration><Rule><Action>forbid</Action><Prefix>a/</Prefix><Principals></Principals></Rule></OverwriteConfiguration>',
    400,
    'MalformedXML',
  ],
  [
    'something else in Principals',
    '<OverwriteConfiguration><Rule><Action>forbid</Action><Prefix>a/</Prefix><Principals><Role>x</Role></Principals></Rule></OverwriteConfiguration>',
    400,
    'MalformedXML',
  ],
])('%s is refused, never half-applied', async (_name, xml, status, code) => {
  const answer = await signed('PUT', '', { overwriteConfig: null }, xml);
  expect(answer.status).toBe(status);
  expect(codeOf(answer.text)).toBe(code);
  expect((await signed('GET', '', { overwriteConfig: null })).status).toBe(404);
  await expect(startOssEmulator({ bucket: BUCKET, region: REGION, credentials: resolver, overwriteConfiguration: xml })).rejects.toThrow();
});
