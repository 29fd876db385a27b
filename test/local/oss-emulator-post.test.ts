/**
 * PostObject over real HTTP: form policies built by hand with node:crypto from the rules in docs/oss-facts.md (V4 and V1), sent the way
 * a browser sends them (`FormData` + `fetch`), and every refusal OSS would give.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { CredentialResolver } from '../../local/emulator-accounts';
import { type RunningOssEmulator, startOssEmulator } from '../../local/oss-emulator';

const BUCKET = 'post-bucket';
const REGION = 'cn-hangzhou';
const ACCESS_KEY_ID = 'LTAI-post-key';
const SECRET = 'post-secret-abcdef';

let now = new Date();
let calls: Array<{ action: string; resource: string; token: string | undefined }> = [];
let denyKeys: string[] = [];

const resolver: CredentialResolver = (accessKeyId, securityToken) => {
  if (accessKeyId !== ACCESS_KEY_ID)
    return { kind: 'error', code: 'InvalidAccessKeyId', message: 'The OSS Access Key Id you provided does not exist in our records.' };
  return {
    kind: 'found',
    accessKeySecret: SECRET,
    isAllowed(action, resource) {
      calls.push({ action, resource, token: securityToken });
      return !denyKeys.some((key) => resource.endsWith(`/${key}`));
    },
  };
};

let oss: RunningOssEmulator;
let strict: RunningOssEmulator;

beforeAll(async () => {
  oss = await startOssEmulator({ bucket: BUCKET, region: REGION, credentials: resolver, now: () => now });
  strict = await startOssEmulator({ bucket: BUCKET, region: REGION, credentials: resolver, now: () => now, strictPostPolicy: true });
});
afterAll(async () => {
  await oss.close();
  await strict.close();
});
beforeEach(() => {
  now = new Date();
  calls = [];
  denyKeys = [];
});

const v4Datetime = (date: Date): string =>
  date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();

interface PolicyInput {
  key: string;
  contentType?: string;
  maxBytes?: number;
  minBytes?: number;
  status?: string;
  forbidOverwrite?: boolean;
  token?: string;
  expiresInMs?: number;
  secret?: string;
  extraConditions?: unknown[];
  /** Leave the V4 signing fields out of the conditions (OSS needs them pinned). */
  skipPins?: boolean;
}

/** Form fields of a V4-signed policy, built from the specification (docs/oss-facts.md, PostObject). */
function v4Fields(input: PolicyInput): Record<string, string> {
  const datetime = v4Datetime(now);
  const credential = `${ACCESS_KEY_ID}/${datetime.slice(0, 8)}/${REGION}/oss/aliyun_v4_request`;
  const fields: Record<string, string> = { key: input.key };
  const conditions: unknown[] = [{ bucket: BUCKET }, { key: input.key }];
  if (!input.skipPins)
    conditions.push({ 'x-oss-signature-version': 'OSS4-HMAC-SHA256' }, { 'x-oss-credential': credential }, { 'x-oss-date': datetime });
  if (input.contentType !== undefined) {
    fields['Content-Type'] = input.contentType;
    conditions.push(['eq', '$Content-Type', input.contentType]);
  }
  if (input.maxBytes !== undefined) conditions.push(['content-length-range', input.minBytes ?? 1, input.maxBytes]);
  if (input.status !== undefined) {
    fields['success_action_status'] = input.status;
    conditions.push({ success_action_status: input.status });
  }
  if (input.forbidOverwrite) {
    fields['x-oss-forbid-overwrite'] = 'true';
    conditions.push({ 'x-oss-forbid-overwrite': 'true' });
  }
  if (input.token !== undefined) {
    fields['x-oss-security-token'] = input.token;
    conditions.push({ 'x-oss-security-token': input.token });
  }
  conditions.push(...(input.extraConditions ?? []));
  const policy = Buffer.from(
    JSON.stringify({ expiration: new Date(now.getTime() + (input.expiresInMs ?? 300_000)).toISOString(), conditions }),
  ).toString('base64');
  const signingKey = hmac(hmac(hmac(hmac(`aliyun_v4${input.secret ?? SECRET}`, datetime.slice(0, 8)), REGION), 'oss'), 'aliyun_v4_request');
  return {
    ...fields,
    policy,
    'x-oss-signature-version': 'OSS4-HMAC-SHA256',
    'x-oss-credential': credential,
    'x-oss-date': datetime,
    'x-oss-signature': createHmac('sha256', signingKey).update(policy).digest('hex'),
  };
}

/** Form fields of a V1-signed policy: `Signature` = base64 HMAC-SHA1(secret, base64 policy). */
function v1Fields(input: PolicyInput): Record<string, string> {
  const conditions: unknown[] = [{ key: input.key }];
  const fields: Record<string, string> = { key: input.key };
  if (input.contentType !== undefined) {
    fields['Content-Type'] = input.contentType;
    conditions.push(['eq', '$Content-Type', input.contentType]);
  }
  if (input.maxBytes !== undefined) conditions.push(['content-length-range', input.minBytes ?? 1, input.maxBytes]);
  if (input.status !== undefined) {
    fields['success_action_status'] = input.status;
    conditions.push({ success_action_status: input.status });
  }
  const policy = Buffer.from(
    JSON.stringify({ expiration: new Date(now.getTime() + (input.expiresInMs ?? 300_000)).toISOString(), conditions }),
  ).toString('base64');
  return {
    ...fields,
    policy,
    OSSAccessKeyId: ACCESS_KEY_ID,
    Signature: createHmac('sha1', input.secret ?? SECRET)
      .update(policy)
      .digest('base64'),
  };
}

async function post(
  fields: Record<string, string>,
  file: Buffer,
  options: { target?: RunningOssEmulator; path?: string; fileType?: string; filename?: string; after?: Record<string, string> } = {},
): Promise<{ status: number; text: string; headers: Headers }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append(
    'file',
    new Blob([new Uint8Array(file)], { type: options.fileType ?? 'application/octet-stream' }),
    options.filename ?? 'upload.bin',
  );
  for (const [name, value] of Object.entries(options.after ?? {})) form.append(name, value);
  const response = await fetch(`${(options.target ?? oss).url}${options.path ?? '/'}`, { method: 'POST', body: form });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

const codeOf = (xml: string): string | undefined => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
const messageOf = (xml: string): string | undefined => /<Message>([^<]*)<\/Message>/.exec(xml)?.[1];
const quotedMd5 = (data: Buffer): string => `"${createHash('md5').update(data).digest('hex').toUpperCase()}"`;

describe('PostObject with a V4 policy', () => {
  it('stores a multi-MB binary file byte-identical with 204 by default, asking oss:PutObject for the key', async () => {
    const file = randomBytes(3 * 1024 * 1024 + 17);
    const answer = await post(v4Fields({ key: 'users/alice/big.bin', contentType: 'application/pdf', maxBytes: 10 * 1024 * 1024 }), file);
    expect(answer.status).toBe(204);
    expect(answer.text).toBe('');
    expect(answer.headers.get('etag')).toBe(quotedMd5(file));
    const stored = oss.getObject('users/alice/big.bin');
    expect(stored?.contentType).toBe('application/pdf');
    expect(Buffer.compare(stored?.body ?? Buffer.alloc(0), file)).toBe(0);
    expect(calls).toEqual([{ action: 'oss:PutObject', resource: `acs:oss:*:*:${BUCKET}/users/alice/big.bin`, token: undefined }]);
  });

  it('answers 201 with the PostResponse XML, and 200 empty, as success_action_status asks', async () => {
    const created = await post(v4Fields({ key: 'users/alice/201.png', contentType: 'image/png', status: '201' }), Buffer.from('png'), {
      path: `/${BUCKET}`,
    });
    expect(created.status).toBe(201);
    expect(created.text).toContain('<Key>users/alice/201.png</Key>');
    expect(created.text).toContain(`<Bucket>${BUCKET}</Bucket>`);
    expect(created.text).toContain(`<ETag>${quotedMd5(Buffer.from('png')).replace(/"/g, '&quot;')}</ETag>`);
    const ok = await post(v4Fields({ key: 'users/alice/200.png', contentType: 'image/png', status: '200' }), Buffer.from('png'), {
      path: `/${BUCKET}/`,
    });
    expect(ok.status).toBe(200);
    expect(oss.listKeys()).toEqual(expect.arrayContaining(['users/alice/201.png', 'users/alice/200.png']));
  });

  it('refuses a file over the content-length-range with EntityTooLarge, under it with EntityTooSmall', async () => {
    const large = await post(v4Fields({ key: 'users/alice/large.bin', maxBytes: 100 }), Buffer.alloc(101));
    expect(large.status).toBe(400);
    expect(codeOf(large.text)).toBe('EntityTooLarge');
    const small = await post(v4Fields({ key: 'users/alice/small.bin', minBytes: 10, maxBytes: 100 }), Buffer.alloc(9));
    expect(codeOf(small.text)).toBe('EntityTooSmall');
    const exact = await post(v4Fields({ key: 'users/alice/exact.bin', maxBytes: 100 }), Buffer.alloc(100));
    expect(exact.status).toBe(204);
    expect(oss.listKeys()).not.toContain('users/alice/large.bin');
  });

  it('refuses a changed key or Content-Type with AccessDenied naming the failed condition', async () => {
    const fields = v4Fields({ key: 'users/alice/a.png', contentType: 'image/png' });
    const otherKey = await post({ ...fields, key: 'users/bob/a.png' }, Buffer.from('x'));
    expect(otherKey.status).toBe(403);
    expect(codeOf(otherKey.text)).toBe('AccessDenied');
    expect(messageOf(otherKey.text)).toContain('Invalid according to Policy: Policy Condition failed');
    const otherType = await post({ ...fields, 'Content-Type': 'text/html' }, Buffer.from('<script>'));
    expect(codeOf(otherType.text)).toBe('AccessDenied');
    expect(messageOf(otherType.text)).toContain('$Content-Type');
    const noType = await post(Object.fromEntries(Object.entries(fields).filter(([name]) => name !== 'Content-Type')), Buffer.from('x'), {
      fileType: 'image/png',
    });
    expect(codeOf(noType.text)).toBe('AccessDenied');
    expect(oss.listKeys().filter((key) => key.startsWith('users/bob/') || key === 'users/alice/a.png')).toEqual([]);
  });

  it('treats form field names case-insensitively, as OSS does', async () => {
    const fields = v4Fields({ key: 'users/alice/case.png', contentType: 'image/png' });
    const { 'Content-Type': type, ...rest } = fields;
    const answer = await post({ ...rest, 'content-type': type ?? '' }, Buffer.from('png'));
    expect(answer.status).toBe(204);
    expect(oss.getObject('users/alice/case.png')?.contentType).toBe('image/png');
  });

  it('refuses an expired policy', async () => {
    const fields = v4Fields({ key: 'users/alice/late.png', expiresInMs: 60_000 });
    now = new Date(now.getTime() + 61_000);
    const answer = await post(fields, Buffer.from('x'));
    expect(answer.status).toBe(403);
    expect(messageOf(answer.text)).toBe('Invalid according to Policy: Policy expired.');
  });

  it('refuses an existing key with FileAlreadyExists when x-oss-forbid-overwrite is pinned', async () => {
    expect((await post(v4Fields({ key: 'users/alice/once.png', forbidOverwrite: true }), Buffer.from('first'))).status).toBe(204);
    const again = await post(v4Fields({ key: 'users/alice/once.png', forbidOverwrite: true }), Buffer.from('second'));
    expect(again.status).toBe(409);
    expect(codeOf(again.text)).toBe('FileAlreadyExists');
    expect(oss.getObject('users/alice/once.png')?.body.toString()).toBe('first');
  });

  it('refuses a wrong secret, a policy changed after signing, and an unknown key id', async () => {
    expect(codeOf((await post(v4Fields({ key: 'users/alice/s.png', secret: 'wrong' }), Buffer.from('x'))).text)).toBe(
      'SignatureDoesNotMatch',
    );
    const fields = v4Fields({ key: 'users/alice/s.png', maxBytes: 10 });
    const widened = JSON.parse(Buffer.from(fields['policy'] ?? '', 'base64').toString()) as { conditions: unknown[] };
    widened.conditions = widened.conditions.map((c) =>
      Array.isArray(c) && c[0] === 'content-length-range' ? ['content-length-range', 1, 1e9] : c,
    );
    const tampered = await post({ ...fields, policy: Buffer.from(JSON.stringify(widened)).toString('base64') }, Buffer.alloc(11));
    expect(codeOf(tampered.text)).toBe('SignatureDoesNotMatch');
    const unknown = await post(
      { ...fields, 'x-oss-credential': (fields['x-oss-credential'] ?? '').replace(ACCESS_KEY_ID, 'LTAI-nobody') },
      Buffer.alloc(1),
    );
    expect(codeOf(unknown.text)).toBe('InvalidAccessKeyId');
    expect(oss.getObject('users/alice/s.png')).toBeUndefined();
  });

  it('refuses a malformed policy with InvalidPolicyDocument, and a V4 policy that does not pin its signing fields', async () => {
    const fields = v4Fields({ key: 'users/alice/p.png' });
    const malformed = await post({ ...fields, policy: Buffer.from('{"expiration":').toString('base64') }, Buffer.from('x'));
    expect(malformed.status).toBe(400);
    expect(codeOf(malformed.text)).toBe('InvalidPolicyDocument');
    const unpinned = await post(v4Fields({ key: 'users/alice/p.png', skipPins: true }), Buffer.from('x'));
    expect(codeOf(unpinned.text)).toBe('InvalidPolicyDocument');
    expect(messageOf(unpinned.text)).toContain('x-oss-credential');
  });

  it('passes the security token field to the resolver', async () => {
    const answer = await post(v4Fields({ key: 'users/alice/sts.png', token: 'sts-token-1' }), Buffer.from('x'));
    expect(answer.status).toBe(204);
    expect(calls).toEqual([{ action: 'oss:PutObject', resource: `acs:oss:*:*:${BUCKET}/users/alice/sts.png`, token: 'sts-token-1' }]);
  });

  it('refuses with AccessDenied when isAllowed says no', async () => {
    denyKeys = ['users/alice/denied.png'];
    const answer = await post(v4Fields({ key: 'users/alice/denied.png' }), Buffer.from('x'));
    expect(answer.status).toBe(403);
    expect(codeOf(answer.text)).toBe('AccessDenied');
    expect(oss.getObject('users/alice/denied.png')).toBeUndefined();
  });

  it('refuses an unsigned form, and ignores fields after the file as OSS does', async () => {
    const anonymous = await post({ key: 'anon.png' }, Buffer.from('x'));
    expect(anonymous.status).toBe(403);
    expect(codeOf(anonymous.text)).toBe('AccessDenied');
    const late = await post(v4Fields({ key: 'users/alice/late-field.png', contentType: 'image/png' }), Buffer.from('x'), {
      after: { 'Content-Type': 'text/html', key: 'evil' },
    });
    expect(late.status).toBe(204);
    expect(oss.getObject('users/alice/late-field.png')?.contentType).toBe('image/png');
  });

  it('replaces ${filename} in the key with the file name', async () => {
    const fields = v4Fields({ key: 'users/alice/${filename}', extraConditions: [] });
    const answer = await post(fields, Buffer.from('x'), { filename: 'photo.jpg' });
    expect(answer.status).toBe(204);
    expect(oss.listKeys()).toContain('users/alice/photo.jpg');
  });

  it('in strict mode refuses a field no condition mentions', async () => {
    const fields = { ...v4Fields({ key: 'users/alice/strict.png' }), 'x-oss-meta-note': 'unpinned' };
    const refused = await post(fields, Buffer.from('x'), { target: strict });
    expect(codeOf(refused.text)).toBe('AccessDenied');
    expect(messageOf(refused.text)).toContain('x-oss-meta-note');
    expect((await post(fields, Buffer.from('x'))).status).toBe(204);
  });
});

describe('PostObject with a V1 policy', () => {
  it('stores the file and answers 201', async () => {
    const answer = await post(
      v1Fields({ key: 'users/carol/v1.txt', contentType: 'text/plain', status: '201', maxBytes: 100 }),
      Buffer.from('hello v1'),
    );
    expect(answer.status).toBe(201);
    expect(oss.getObject('users/carol/v1.txt')).toMatchObject({ contentType: 'text/plain', etag: quotedMd5(Buffer.from('hello v1')) });
  });

  it('refuses a wrong secret, a changed key and a file too large', async () => {
    expect(codeOf((await post(v1Fields({ key: 'users/carol/x.txt', secret: 'nope' }), Buffer.from('x'))).text)).toBe(
      'SignatureDoesNotMatch',
    );
    expect(codeOf((await post({ ...v1Fields({ key: 'users/carol/x.txt' }), key: 'users/dave/x.txt' }, Buffer.from('x'))).text)).toBe(
      'AccessDenied',
    );
    expect(codeOf((await post(v1Fields({ key: 'users/carol/x.txt', maxBytes: 2 }), Buffer.from('xyz'))).text)).toBe('EntityTooLarge');
    expect(oss.listKeys().filter((key) => key.endsWith('/x.txt'))).toEqual([]);
  });
});
