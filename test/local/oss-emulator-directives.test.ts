/**
 * What real OSS acts on besides the bytes (issue 13, item 15): `x-oss-object-acl: public-read` is modelled (the
 * object is then readable without a signature), and every other directive of the table is refused with 501
 * NotImplemented naming it, never stored as if nothing had been asked. Also `Location` (item 14): the URL of the
 * object in the form the emulator was addressed in, which a client can GET.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import OSS from 'ali-oss';
import type { CredentialResolver } from '../../local/emulator-accounts';
import { type RunningOssEmulator, startOssEmulator } from '../../local/oss-emulator';
import { UPLOAD_DIRECTIVES } from '../../local/oss-emulator/directives';
import { rfc3986 } from '../support/oss-spec';
import { tempFolder } from '../support/temp-folder';

const BUCKET = 'directive-bucket';
const REGION = 'cn-hangzhou';
const ACCESS_KEY_ID = 'LTAI-directive-key';
const SECRET = 'directive-secret-0123456789';

/** One key; `denyReads` takes oss:GetObject away, to show that a public-read object needs no permission. */
let denyReads = false;
const resolver: CredentialResolver = (accessKeyId) =>
  accessKeyId === ACCESS_KEY_ID
    ? { kind: 'found', accessKeySecret: SECRET, isAllowed: (action) => !(denyReads && action === 'oss:GetObject') }
    : { kind: 'error', code: 'InvalidAccessKeyId', message: 'The OSS Access Key Id you provided does not exist in our records.' };

let oss: RunningOssEmulator;
let store: OSS;
beforeAll(async () => {
  oss = await startOssEmulator({ bucket: BUCKET, region: REGION, credentials: resolver });
  store = client(oss.url);
});
afterAll(() => oss.close());
beforeEach(() => {
  denyReads = false;
});

function client(endpoint: string): OSS {
  return new OSS({
    accessKeyId: ACCESS_KEY_ID,
    accessKeySecret: SECRET,
    bucket: BUCKET,
    region: `oss-${REGION}`,
    endpoint,
    cname: true,
    authorizationV4: true,
    timeout: 10_000,
  });
}

const codeOf = (xml: string): string | undefined => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
const elementOf = (xml: string, name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
const keyUrl = (base: string, key: string): string => `${base}/${key.split('/').map(rfc3986).join('/')}`;

/** What ali-oss throws for an OSS error answer. */
async function ossError(promise: Promise<unknown>): Promise<{ status: number; code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { status?: number; code?: string; message?: string };
    return { status: e.status ?? 0, code: e.code ?? '', message: e.message ?? '' };
  }
  throw new Error('expected the request to fail');
}

/** A presigned V4 PUT (every x-oss-* header signed, as our signed URLs are), answered as raw XML. */
async function signedPut(key: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; text: string }> {
  const url = await store.signatureUrlV4('PUT', 60, { headers }, key);
  const response = await fetch(url, { method: 'PUT', headers, body: new Uint8Array(body) });
  return { status: response.status, text: await response.text() };
}

async function anonymousGet(url: string): Promise<{ status: number; body: Buffer; headers: Headers }> {
  const response = await fetch(url);
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()), headers: response.headers };
}

/** PostObject form fields under a V1 policy (docs/oss-facts.md: Signature = base64 HMAC-SHA1(secret, base64 policy)). */
function v1Form(key: string, conditions: unknown[] = []): Record<string, string> {
  const policy = Buffer.from(
    JSON.stringify({ expiration: new Date(Date.now() + 300_000).toISOString(), conditions: [{ key }, ...conditions] }),
  ).toString('base64');
  return { key, policy, OSSAccessKeyId: ACCESS_KEY_ID, Signature: createHmac('sha1', SECRET).update(policy).digest('base64') };
}

function formOf(fields: Record<string, string>, file: Buffer): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([new Uint8Array(file)], { type: 'image/png' }), 'a.png');
  return form;
}

async function postForm(url: string, fields: Record<string, string>, file: Buffer) {
  const response = await fetch(url, { method: 'POST', body: formOf(fields, file) });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

/** A raw HTTP exchange with the emulator under a chosen Host header (fetch cannot set Host). */
async function withHost(
  method: string,
  path: string,
  host: string,
  body?: { data: Buffer; contentType: string },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: oss.port,
        method,
        path,
        headers: { host, ...(body === undefined ? {} : { 'content-type': body.contentType, 'content-length': body.data.length }) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end(body?.data);
  });
}

describe('x-oss-object-acl: public-read is modelled', () => {
  it('PutObject with public-read: anyone can GET and HEAD it without a signature; the ACL is not echoed as a header', async () => {
    const data = randomBytes(2048);
    await store.put('acl/public.png', data, { headers: { 'x-oss-object-acl': 'public-read' } });
    const get = await anonymousGet(keyUrl(oss.url, 'acl/public.png'));
    expect(get.status).toBe(200);
    expect(get.body.equals(data)).toBe(true);
    expect(get.headers.get('x-oss-object-acl')).toBeNull();
    expect((await fetch(keyUrl(oss.url, 'acl/public.png'), { method: 'HEAD' })).status).toBe(200);
  });

  it.each([undefined, 'private', 'default'])('with ACL %s the object stays private: anonymous GET is AccessDenied', async (acl) => {
    const key = `acl/private-${acl ?? 'none'}.png`;
    await store.put(key, randomBytes(100), acl === undefined ? {} : { headers: { 'x-oss-object-acl': acl } });
    const get = await anonymousGet(keyUrl(oss.url, key));
    expect(get.status).toBe(403);
    expect(codeOf(get.body.toString())).toBe('AccessDenied');
  });

  it('a public-read object is readable by a signed caller without oss:GetObject; a private one is not', async () => {
    await store.put('acl/readable.png', Buffer.from('public bytes'), { headers: { 'x-oss-object-acl': 'public-read' } });
    await store.put('acl/unreadable.png', Buffer.from('private bytes'));
    denyReads = true;
    expect((await store.get('acl/readable.png')).content.toString()).toBe('public bytes');
    expect((await ossError(store.get('acl/unreadable.png'))).code).toBe('AccessDenied');
  });

  it('overwriting a public-read object without the header makes it private again', async () => {
    await store.put('acl/flip.png', randomBytes(10), { headers: { 'x-oss-object-acl': 'public-read' } });
    expect((await anonymousGet(keyUrl(oss.url, 'acl/flip.png'))).status).toBe(200);
    await store.put('acl/flip.png', randomBytes(10));
    expect((await anonymousGet(keyUrl(oss.url, 'acl/flip.png'))).status).toBe(403);
  });

  it('multipart: the ACL given on InitiateMultipartUpload applies to the completed object', async () => {
    const data = randomBytes(120 * 1024);
    const init = await store.initMultipartUpload('acl/multi.bin', { headers: { 'x-oss-object-acl': 'public-read' } });
    const part = await store.uploadPart('acl/multi.bin', init.uploadId, 1, data, 0, data.length);
    await store.completeMultipartUpload('acl/multi.bin', init.uploadId, [{ number: 1, etag: part.etag }]);
    const get = await anonymousGet(keyUrl(oss.url, 'acl/multi.bin'));
    expect(get.status).toBe(200);
    expect(get.body.equals(data)).toBe(true);
  });

  it('PostObject with an x-oss-object-acl field the policy never names stores a public object, as OSS does', async () => {
    const answer = await postForm(`${oss.url}/`, { ...v1Form('acl/posted.png'), 'x-oss-object-acl': 'public-read' }, Buffer.from('posted'));
    expect(answer.status).toBe(204);
    expect((await anonymousGet(keyUrl(oss.url, 'acl/posted.png'))).body.toString()).toBe('posted');
  });

  it('the ACL survives a restart of an emulator that keeps its objects in a folder', async () => {
    const dir = tempFolder('oss-acl-');
    const first = await startOssEmulator({ bucket: BUCKET, region: REGION, credentials: resolver, storageDir: dir });
    await client(first.url).put('acl/kept.png', Buffer.from('kept'), { headers: { 'x-oss-object-acl': 'public-read' } });
    await first.close();
    const second = await startOssEmulator({ bucket: BUCKET, region: REGION, credentials: resolver, storageDir: dir });
    try {
      expect((await anonymousGet(keyUrl(second.url, 'acl/kept.png'))).body.toString()).toBe('kept');
    } finally {
      await second.close();
    }
  });
});

describe('directives the emulator does not model are refused with 501 NotImplemented, naming them', () => {
  /** A value OSS would accept and act on, for each row (a row added to the table is covered by a generic value). */
  const SAMPLES: Record<string, string> = {
    'x-oss-callback': Buffer.from('{"callbackUrl":"http://127.0.0.1:1/","callbackBody":"key=${object}"}').toString('base64'),
    'x-oss-object-acl': 'public-read',
    success_action_redirect: 'https://app.example.com/uploaded',
    'x-oss-server-side-encryption': 'AES256',
    'x-oss-server-side-data-encryption': 'SM4',
    'x-oss-server-side-encryption-key-id': 'kms-key-id',
    'x-oss-tagging': 'team=web',
    'x-oss-traffic-limit': '819200',
  };
  const actedOn = (row: (typeof UPLOAD_DIRECTIVES)[number]): string =>
    row.otherValues?.[0] ?? SAMPLES[row.header] ?? (row.modelled.length === 0 ? 'on' : 'unmodelled');

  const putRows = UPLOAD_DIRECTIVES.filter((row) => row.on.includes('PutObject'));
  it.each(putRows.map((row) => [row.header, actedOn(row)]))('PutObject with %s: %s', async (header, value) => {
    const key = `refused/put-${header}.png`;
    const answer = await signedPut(key, { [header]: value }, randomBytes(10));
    expect(answer.status).toBe(501);
    expect(codeOf(answer.text)).toBe('NotImplemented');
    expect(elementOf(answer.text, 'Message')).toContain(header);
    expect(elementOf(answer.text, 'Header')).toBe(header);
    expect(oss.getObject(key)).toBeUndefined();
  });

  const initiateRows = UPLOAD_DIRECTIVES.filter((row) => row.on.includes('InitiateMultipartUpload'));
  it.each(initiateRows.map((row) => [row.header, actedOn(row)]))('InitiateMultipartUpload with %s: %s', async (header, value) => {
    const before = oss.listUploads().length;
    const error = await ossError(store.initMultipartUpload(`refused/init-${header}.bin`, { headers: { [header]: value } }));
    expect([error.status, error.code]).toEqual([501, 'NotImplemented']);
    expect(error.message).toContain(header);
    expect(oss.listUploads()).toHaveLength(before);
  });

  const completeRows = UPLOAD_DIRECTIVES.filter((row) => row.on.includes('CompleteMultipartUpload'));
  it.each(completeRows.map((row) => [row.header, actedOn(row)]))(
    'CompleteMultipartUpload with %s: the upload stays open, nothing is stored',
    async (header, value) => {
      const key = `refused/complete-${header}.bin`;
      const init = await store.initMultipartUpload(key);
      const part = await store.uploadPart(key, init.uploadId, 1, Buffer.from('x'), 0, 1);
      const error = await ossError(
        store.completeMultipartUpload(key, init.uploadId, [{ number: 1, etag: part.etag }], { headers: { [header]: value } }),
      );
      expect([error.status, error.code]).toEqual([501, 'NotImplemented']);
      expect(error.message).toContain(header);
      expect(oss.getObject(key)).toBeUndefined();
      expect(oss.listUploads().map((upload) => upload.uploadId)).toContain(init.uploadId);
    },
  );

  const postRows = UPLOAD_DIRECTIVES.filter((row) => row.on.includes('PostObject'));
  it.each(postRows.map((row) => [row.field ?? row.header, actedOn(row)]))('PostObject with the field %s: %s', async (field, value) => {
    const key = `refused/post-${field}.png`;
    const answer = await postForm(`${oss.url}/`, { ...v1Form(key), [field]: value }, Buffer.from('x'));
    expect(answer.status).toBe(501);
    expect(codeOf(answer.text)).toBe('NotImplemented');
    expect(elementOf(answer.text, 'FormField')).toBe(field);
    expect(oss.getObject(key)).toBeUndefined();
  });

  it('ali-oss callback option (x-oss-callback) on put is refused, not silently stored', async () => {
    const error = await ossError(
      store.put('refused/callback.png', randomBytes(10), { callback: { url: 'http://127.0.0.1:1/cb', body: 'key=${object}' } }),
    );
    expect([error.status, error.code]).toEqual([501, 'NotImplemented']);
    expect(error.message).toContain('x-oss-callback');
  });

  it.each([
    ['x-oss-object-acl', 'publicread'],
    ['x-oss-storage-class', 'Glacier'],
  ])('%s: %s is a value OSS refuses: 400 InvalidArgument naming it', async (header, value) => {
    const answer = await signedPut('refused/bad-value.png', { [header]: value }, randomBytes(10));
    expect([answer.status, codeOf(answer.text)]).toEqual([400, 'InvalidArgument']);
    expect(elementOf(answer.text, 'ArgumentName')).toBe(header);
  });

  it('the OSS defaults are accepted: x-oss-storage-class Standard, x-oss-object-acl default/private, in headers and form fields', async () => {
    await store.put('defaults/put.png', randomBytes(10), { headers: { 'x-oss-storage-class': 'Standard', 'x-oss-object-acl': 'private' } });
    expect(oss.getObject('defaults/put.png')).toBeDefined();
    const fields = { 'x-oss-storage-class': 'Standard', 'x-oss-object-acl': 'default', callback: '', success_action_redirect: '' };
    // A policy that pins these fields to their defaults, as sign-url's may.
    const pins = Object.entries(fields).map(([name, value]) => ['eq', `$${name}`, value]);
    const answer = await postForm(`${oss.url}/`, { ...v1Form('defaults/post.png', pins), ...fields }, Buffer.from('x'));
    expect(answer.status).toBe(204);
  });

  it('a field the policy pins to another value fails the policy first, as on OSS (not NotImplemented)', async () => {
    const form = { ...v1Form('refused/pinned.png', [['eq', '$x-oss-object-acl', 'private']]), 'x-oss-object-acl': 'public-read-write' };
    const answer = await postForm(`${oss.url}/`, form, Buffer.from('x'));
    expect(answer.status).toBe(403);
    expect(codeOf(answer.text)).toBe('AccessDenied');
    expect(oss.getObject('refused/pinned.png')).toBeUndefined();
  });
});

describe('Location is the object URL as the emulator was addressed, and GETs the object', () => {
  const key = 'loc/a b+c!(1).png';

  it('PostObject to the endpoint (OSS_ENDPOINT form): header and PostResponse name <endpoint>/<key>', async () => {
    const data = randomBytes(64);
    const form = { ...v1Form(key, [{ success_action_status: '201' }]), success_action_status: '201', 'x-oss-object-acl': 'public-read' };
    const answer = await postForm(`${oss.url}/`, form, data);
    expect(answer.status).toBe(201);
    const expected = keyUrl(oss.url, key);
    expect(answer.headers.get('location')).toBe(expected);
    expect(elementOf(answer.text, 'Location')).toBe(expected);
    const get = await anonymousGet(expected);
    expect(get.status).toBe(200);
    expect(get.body.equals(data)).toBe(true);
  });

  it('PostObject path style: <host>/<bucket>/<key>, which GETs the object', async () => {
    const data = randomBytes(64);
    const answer = await postForm(`${oss.url}/${BUCKET}/`, { ...v1Form('loc/path.png'), 'x-oss-object-acl': 'public-read' }, data);
    expect(answer.status).toBe(204);
    expect(answer.headers.get('location')).toBe(`${oss.url}/${BUCKET}/loc/path.png`);
    expect((await anonymousGet(answer.headers.get('location')!)).body.equals(data)).toBe(true);
  });

  it.each([`${BUCKET}.localhost`, `${BUCKET}.oss-${REGION}.aliyuncs.com`])(
    'PostObject virtual-hosted (Host: %s): http://<Host>/<key>, which GETs the object under that Host',
    async (hostname) => {
      const data = randomBytes(64);
      const host = hostname.endsWith('.localhost') ? `${hostname}:${oss.port}` : hostname;
      const request = new Request('http://placeholder/', {
        method: 'POST',
        body: formOf({ ...v1Form('loc/virtual.png'), 'x-oss-object-acl': 'public-read' }, data),
      });
      const body = { data: Buffer.from(await request.arrayBuffer()), contentType: request.headers.get('content-type') ?? '' };
      const answer = await withHost('POST', '/', host, body);
      expect(answer.status).toBe(204);
      expect(answer.headers['location']).toBe(`http://${host}/loc/virtual.png`);
      const location = new URL(String(answer.headers['location']));
      const get = await withHost('GET', location.pathname, location.host);
      expect(get.status).toBe(200);
      expect(get.body.equals(data)).toBe(true);
    },
  );

  it('CompleteMultipartUpload (ali-oss, endpoint form): <Location> is <endpoint>/<key> and GETs the object', async () => {
    // A named endpoint: with an IP one, ali-oss sends Host: <bucket>.oss-<region>.aliyuncs.com (answered below).
    const endpoint = `http://localhost:${oss.port}`;
    const named = client(endpoint);
    const data = randomBytes(150 * 1024);
    const init = await named.initMultipartUpload(key, { headers: { 'x-oss-object-acl': 'public-read' } });
    const part = await named.uploadPart(key, init.uploadId, 1, data, 0, data.length);
    const result = await named.completeMultipartUpload(key, init.uploadId, [{ number: 1, etag: part.etag }]);
    const xml = String((result.res as unknown as { data: Buffer }).data);
    expect(elementOf(xml, 'Location')).toBe(keyUrl(endpoint, key));
    const get = await anonymousGet(elementOf(xml, 'Location')!);
    expect(get.body.equals(data)).toBe(true);
  });

  it('CompleteMultipartUpload from ali-oss with an IP endpoint: the virtual-hosted name it addressed, as OSS answers', async () => {
    const data = randomBytes(10);
    const init = await store.initMultipartUpload('loc/sdk.bin');
    const part = await store.uploadPart('loc/sdk.bin', init.uploadId, 1, data, 0, data.length);
    const result = await store.completeMultipartUpload('loc/sdk.bin', init.uploadId, [{ number: 1, etag: part.etag }]);
    const xml = String((result.res as unknown as { data: Buffer }).data);
    expect(elementOf(xml, 'Location')).toBe(`http://${BUCKET}.oss-${REGION}.aliyuncs.com/loc/sdk.bin`);
  });
});
