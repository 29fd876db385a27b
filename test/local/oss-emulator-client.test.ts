/**
 * The emulator over real HTTP, driven by ali-oss (the official client) with V4 and V1 signatures, by presigned
 * URLs and `fetch`, and by a browser's CORS preflight.
 */
import { createHash, randomBytes } from 'node:crypto';
import OSS from 'ali-oss';
import type { CredentialLookup, CredentialResolver } from '../../local/emulator-accounts';
import { type RunningOssEmulator, startOssEmulator } from '../../local/oss-emulator';

const BUCKET = 'test-bucket';
const REGION = 'cn-hangzhou';
const ACCESS_KEY_ID = 'LTAI-test-key';
const ACCESS_KEY_SECRET = 'test-secret-0123456789';

interface IsAllowedCall {
  action: string;
  resource: string;
  context: Readonly<Record<string, string>>;
}

/** One long-term key; records every `isAllowed` question and every security token it is handed. */
function recordingResolver(allow: (call: IsAllowedCall) => boolean = () => true) {
  const calls: IsAllowedCall[] = [];
  const tokens: Array<string | undefined> = [];
  const resolver: CredentialResolver = (accessKeyId, securityToken): CredentialLookup => {
    tokens.push(securityToken);
    if (accessKeyId !== ACCESS_KEY_ID) {
      return { kind: 'error', code: 'InvalidAccessKeyId', message: 'The OSS Access Key Id you provided does not exist in our records.' };
    }
    return {
      kind: 'found',
      accessKeySecret: ACCESS_KEY_SECRET,
      isAllowed(action, resource, context) {
        calls.push({ action, resource, context });
        return allow({ action, resource, context });
      },
    };
  };
  return { resolver, calls, tokens };
}

function errorOf(xml: string): { code: string | undefined; message: string | undefined } {
  return { code: /<Code>([^<]*)<\/Code>/.exec(xml)?.[1], message: /<Message>([^<]*)<\/Message>/.exec(xml)?.[1] };
}

function client(endpoint: string, extra: Partial<OSS.Options> & { sldEnable?: boolean } = {}): OSS {
  return new OSS({
    accessKeyId: ACCESS_KEY_ID,
    accessKeySecret: ACCESS_KEY_SECRET,
    bucket: BUCKET,
    region: 'oss-cn-hangzhou',
    endpoint,
    cname: true,
    authorizationV4: true,
    timeout: 10000,
    ...extra,
  });
}

/** What ali-oss throws for an OSS error answer. */
async function ossErrorOf(promise: Promise<unknown>): Promise<{ code: string; status: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code?: string; status?: number; message?: string };
    return { code: e.code ?? '', status: e.status ?? 0, message: e.message ?? '' };
  }
  throw new Error('expected the request to fail');
}

const upperMd5 = (data: Buffer): string => `"${createHash('md5').update(data).digest('hex').toUpperCase()}"`;

describe.each([
  ['V4', true],
  ['V1', false],
])('ali-oss with %s signatures', (_name, authorizationV4) => {
  let oss: RunningOssEmulator;
  let calls: IsAllowedCall[];
  let store: OSS;

  beforeAll(async () => {
    const recorded = recordingResolver();
    calls = recorded.calls;
    oss = await startOssEmulator({ bucket: BUCKET, region: REGION, credentials: recorded.resolver });
    store = client(oss.url, { authorizationV4 });
  });
  afterAll(() => oss.close());
  beforeEach(() => calls.splice(0));

  it('puts, gets, heads and deletes an object, byte-identical, with the OSS ETag', async () => {
    const body = randomBytes(2048);
    const put = await store.put('dir/a file+1.bin', body, { mime: 'image/png', headers: { 'x-oss-meta-owner': 'alice' } });
    expect(put.res.status).toBe(200);
    expect((put.res.headers as Record<string, string>)['etag']).toBe(upperMd5(body));
    expect(calls).toEqual([
      {
        action: 'oss:PutObject',
        resource: `acs:oss:*:*:${BUCKET}/dir/a file+1.bin`,
        context: expect.objectContaining({ 'acs:SecureTransport': 'false' }),
      },
    ]);
    expect(Date.parse(calls[0]?.context['acs:CurrentTime'] ?? '')).not.toBeNaN();

    expect(oss.getObject('dir/a file+1.bin')).toMatchObject({
      contentType: 'image/png',
      etag: upperMd5(body),
      headers: { 'x-oss-meta-owner': 'alice' },
    });
    const got = await store.get('dir/a file+1.bin');
    expect(Buffer.compare(got.content as Buffer, body)).toBe(0);
    expect((got.res.headers as Record<string, string>)['content-type']).toBe('image/png');

    const head = await store.head('dir/a file+1.bin');
    expect((head.res.headers as Record<string, string>)['content-length']).toBe('2048');
    expect(head.meta).toEqual({ owner: 'alice' });
    expect(calls.map((call) => call.action)).toEqual(['oss:PutObject', 'oss:GetObject', 'oss:GetObject']);

    await store.delete('dir/a file+1.bin');
    expect(oss.getObject('dir/a file+1.bin')).toBeUndefined();
    const missing = await ossErrorOf(store.get('dir/a file+1.bin'));
    expect(missing).toMatchObject({ code: 'NoSuchKey', status: 404 });
    expect(calls.map((call) => call.action)).toEqual([
      'oss:PutObject',
      'oss:GetObject',
      'oss:GetObject',
      'oss:DeleteObject',
      'oss:GetObject',
    ]);
  });

  it('handles non-ASCII and reserved characters in keys', async () => {
    const key = 'unicode/中文 ü&?#=%+~!*.txt';
    await store.put(key, Buffer.from('unicode'), { mime: 'text/plain' });
    expect(oss.listKeys()).toContain(key);
    expect(((await store.get(key)).content as Buffer).toString()).toBe('unicode');
    expect(calls[0]?.resource).toBe(`acs:oss:*:*:${BUCKET}/${key}`);
    await store.delete(key);
  });

  it('lists with V1 and V2, prefix, delimiter and max-keys, asking oss:ListObjects with the prefix', async () => {
    for (const key of ['list/a.txt', 'list/b.txt', 'list/sub/c.txt', 'list/sub/d.txt', 'other.txt']) await store.put(key, Buffer.from(key));
    calls.splice(0);

    const v1 = await store.list({ prefix: 'list/', delimiter: '/', 'max-keys': 100 }, {});
    expect(v1.objects.map((object) => object.name)).toEqual(['list/a.txt', 'list/b.txt']);
    expect(v1.prefixes).toEqual(['list/sub/']);
    expect(v1.objects[0]?.etag).toBe(upperMd5(Buffer.from('list/a.txt')));
    expect(v1.objects[0]?.size).toBe(10);
    // OSS's listing dates are ISO 8601 with milliseconds, in UTC (HEAD's Last-Modified is an HTTP date).
    expect(v1.objects.map((object) => object.lastModified)).toEqual([
      expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
    ]);
    expect(calls[0]).toEqual({
      action: 'oss:ListObjects',
      resource: `acs:oss:*:*:${BUCKET}`,
      context: expect.objectContaining({ 'oss:Prefix': 'list/' }),
    });

    const page1 = await store.list({ prefix: 'list/', 'max-keys': 3 }, {});
    expect(page1.objects.map((object) => object.name)).toEqual(['list/a.txt', 'list/b.txt', 'list/sub/c.txt']);
    expect(page1.isTruncated).toBe(true);
    const page2 = await store.list({ prefix: 'list/', 'max-keys': 3, marker: page1.nextMarker ?? '' }, {});
    expect(page2.objects.map((object) => object.name)).toEqual(['list/sub/d.txt']);
    expect(page2.isTruncated).toBe(false);

    const v2 = await store.listV2({ prefix: 'list/', 'max-keys': '2' }, {});
    expect(v2.objects.map((object) => object.name)).toEqual(['list/a.txt', 'list/b.txt']);
    expect(v2.objects.map((object) => object.lastModified)).toEqual(v1.objects.map((object) => object.lastModified));
    expect(v2.isTruncated).toBe(true);
    const v2next = await store.listV2({ prefix: 'list/', 'max-keys': '2', 'continuation-token': v2.nextContinuationToken ?? '' }, {});
    expect(v2next.objects.map((object) => object.name)).toEqual(['list/sub/c.txt', 'list/sub/d.txt']);
    expect(v2next.isTruncated).toBe(false);
    expect(calls.every((call) => call.action === 'oss:ListObjects')).toBe(true);
  });

  it('uploads 4 parts with multipartUpload and reads the object back byte-identical, with the OSS multipart ETag', async () => {
    const body = randomBytes(350 * 1024);
    const result = await store.multipartUpload('big/file.bin', body, {
      partSize: 100 * 1024,
      mime: 'application/pdf',
    });
    expect(result.res.status).toBe(200);

    const partMd5s = [0, 1, 2, 3].map((i) =>
      createHash('md5')
        .update(body.subarray(i * 102400, (i + 1) * 102400))
        .digest(),
    );
    const expectedEtag = `"${createHash('md5').update(Buffer.concat(partMd5s)).digest('hex').toUpperCase()}-4"`;
    const stored = oss.getObject('big/file.bin');
    expect(stored?.etag).toBe(expectedEtag);
    expect(stored?.contentType).toBe('application/pdf');
    expect(Buffer.compare(stored?.body ?? Buffer.alloc(0), body)).toBe(0);
    const got = await store.get('big/file.bin');
    expect(Buffer.compare(got.content as Buffer, body)).toBe(0);
    expect(calls.map((call) => call.action)).toEqual([
      'oss:PutObject',
      'oss:PutObject',
      'oss:PutObject',
      'oss:PutObject',
      'oss:PutObject',
      'oss:PutObject',
      'oss:GetObject',
    ]);
    expect(oss.listUploads()).toEqual([]);
  });

  it('lists parts and uploads, aborts, and refuses an unknown upload', async () => {
    const init = await store.initMultipartUpload('parts/x.bin');
    const part = await store.uploadPart('parts/x.bin', init.uploadId, 1, Buffer.alloc(200 * 1024, 1), 0, 200 * 1024);
    expect(part.etag).toBe(upperMd5(Buffer.alloc(200 * 1024, 1)));
    const listed = await store.listParts('parts/x.bin', init.uploadId, {} as OSS.ListPartsQuery, {});
    // xml2js hands a single <Part> back as an object, not a list.
    expect([listed.parts].flat()).toEqual([expect.objectContaining({ PartNumber: '1', Size: String(200 * 1024), ETag: part.etag })]);
    const uploads = await store.listUploads({}, {});
    expect(uploads.uploads.map((upload) => upload.uploadId)).toContain(init.uploadId);
    await store.abortMultipartUpload('parts/x.bin', init.uploadId);
    expect(await ossErrorOf(store.listParts('parts/x.bin', init.uploadId, {} as OSS.ListPartsQuery, {}))).toMatchObject({
      code: 'NoSuchUpload',
      status: 404,
    });
    expect(calls.map((call) => call.action)).toEqual([
      'oss:PutObject',
      'oss:PutObject',
      'oss:ListParts',
      'oss:ListMultipartUploads',
      'oss:AbortMultipartUpload',
      'oss:ListParts',
    ]);
  });

  it('refuses a wrong secret with SignatureDoesNotMatch and an unknown key with InvalidAccessKeyId', async () => {
    const wrongSecret = client(oss.url, { authorizationV4, accessKeySecret: 'not-the-secret' });
    expect(await ossErrorOf(wrongSecret.put('x.txt', Buffer.from('x')))).toMatchObject({ code: 'SignatureDoesNotMatch', status: 403 });
    const unknown = client(oss.url, { authorizationV4, accessKeyId: 'LTAI-nobody' });
    expect(await ossErrorOf(unknown.put('x.txt', Buffer.from('x')))).toMatchObject({ code: 'InvalidAccessKeyId', status: 403 });
    expect(oss.getObject('x.txt')).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it('serves path-style requests (sldEnable) too', async () => {
    const pathStyle = new OSS({
      accessKeyId: ACCESS_KEY_ID,
      accessKeySecret: ACCESS_KEY_SECRET,
      bucket: BUCKET,
      region: 'oss-cn-hangzhou',
      endpoint: `http://localhost:${oss.port}`,
      authorizationV4,
      sldEnable: true,
    } as OSS.Options);
    await pathStyle.put('path/style.txt', Buffer.from('path style'));
    expect(oss.getObject('path/style.txt')?.body.toString()).toBe('path style');
    const got = await pathStyle.get('path/style.txt');
    expect((got.content as Buffer).toString()).toBe('path style');
  });
});

describe('presigned URLs with fetch', () => {
  let oss: RunningOssEmulator;
  let store: OSS;

  beforeAll(async () => {
    oss = await startOssEmulator({ bucket: BUCKET, region: REGION, credentials: recordingResolver().resolver });
    store = client(oss.url);
  });
  afterAll(() => oss.close());

  it('accepts a V4 signed PUT with the signed Content-Type and refuses a changed one', async () => {
    const url = await store.signatureUrlV4('PUT', 300, { headers: { 'Content-Type': 'image/png' } }, 'signed/v4.png');
    const ok = await fetch(url, { method: 'PUT', headers: { 'Content-Type': 'image/png' }, body: Buffer.from('png bytes') });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).toBe(upperMd5(Buffer.from('png bytes')));
    expect(oss.getObject('signed/v4.png')).toMatchObject({ contentType: 'image/png' });

    const changed = await fetch(url, { method: 'PUT', headers: { 'Content-Type': 'text/html' }, body: Buffer.from('<script>') });
    expect(changed.status).toBe(403);
    expect(changed.headers.get('content-type')).toBe('application/xml');
    expect(errorOf(await changed.text()).code).toBe('SignatureDoesNotMatch');
    expect(oss.getObject('signed/v4.png')?.body.toString()).toBe('png bytes');
  });

  it('refuses a V4 signed URL used for another key or with a forged signature', async () => {
    const url = new URL(await store.signatureUrlV4('PUT', 300, { headers: { 'Content-Type': 'image/png' } }, 'signed/mine.png'));
    url.pathname = '/signed/theirs.png';
    const other = await fetch(url, { method: 'PUT', headers: { 'Content-Type': 'image/png' }, body: 'x' });
    expect(errorOf(await other.text()).code).toBe('SignatureDoesNotMatch');
    expect(oss.listKeys()).not.toContain('signed/theirs.png');
  });

  it('accepts a V4 signed GET', async () => {
    await store.put('signed/read.txt', Buffer.from('hello'));
    const url = await store.signatureUrlV4('GET', 60, {}, 'signed/read.txt');
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('hello');
  });

  it('accepts a V1 signed URL (localhost endpoint) and refuses it once changed', async () => {
    const v1 = client(`http://localhost:${oss.port}`, { authorizationV4: false });
    const url = v1.signatureUrl('signed/v1.txt', { method: 'PUT', expires: 300, 'Content-Type': 'text/plain' });
    // Fetch the same URL on 127.0.0.1: the host is not signed, only bucket, key and headers are.
    const target = url.replace('//localhost:', '//127.0.0.1:');
    const ok = await fetch(target, { method: 'PUT', headers: { 'Content-Type': 'text/plain' }, body: 'v1 body' });
    expect(ok.status).toBe(200);
    expect(oss.getObject('signed/v1.txt')?.body.toString()).toBe('v1 body');
    const changed = await fetch(target, { method: 'PUT', headers: { 'Content-Type': 'text/html' }, body: 'v1 body' });
    expect(errorOf(await changed.text()).code).toBe('SignatureDoesNotMatch');
  });

  it('refuses expired V4 and V1 URLs with "Request has expired."', async () => {
    let now = new Date();
    const clocked = await startOssEmulator({ bucket: BUCKET, region: REGION, credentials: recordingResolver().resolver, now: () => now });
    try {
      const v4 = await client(clocked.url).signatureUrlV4('GET', 60, {}, 'k.txt');
      const v1 = client(`http://localhost:${clocked.port}`, { authorizationV4: false })
        .signatureUrl('k.txt', { expires: 60 })
        .replace('//localhost:', '//127.0.0.1:');
      now = new Date(Date.now() + 5 * 60_000);
      for (const url of [v4, v1]) {
        const response = await fetch(url);
        expect(response.status).toBe(403);
        expect(errorOf(await response.text())).toEqual({ code: 'AccessDenied', message: 'Request has expired.' });
      }
    } finally {
      await clocked.close();
    }
  });

  it('refuses header-signed requests from a client clock 20 minutes off with RequestTimeTooSkewed', async () => {
    const skewed = await startOssEmulator({
      bucket: BUCKET,
      region: REGION,
      credentials: recordingResolver().resolver,
      now: () => new Date(Date.now() + 20 * 60_000),
    });
    try {
      for (const authorizationV4 of [true, false]) {
        expect(await ossErrorOf(client(skewed.url, { authorizationV4 }).put('k.txt', Buffer.from('x')))).toMatchObject({
          code: 'RequestTimeTooSkewed',
          status: 403,
        });
      }
    } finally {
      await skewed.close();
    }
  });

  it('refuses anonymous requests, and answers errors as OSS does', async () => {
    for (const [method, path] of [
      ['GET', '/signed/read.txt'],
      ['PUT', '/anon.txt'],
      ['GET', '/'],
      ['GET', `/${BUCKET}/signed/read.txt`],
    ] as const) {
      const response = await fetch(`${oss.url}${path}`, method === 'PUT' ? { method, body: 'x' } : { method });
      expect(response.status).toBe(403);
      expect(response.headers.get('content-type')).toBe('application/xml');
      const requestId = response.headers.get('x-oss-request-id');
      expect(requestId).toMatch(/^[0-9A-F]{24}$/);
      const xml = await response.text();
      expect(xml).toMatch(
        /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>AccessDenied<\/Code><Message>[^<]+<\/Message><RequestId>[0-9A-F]{24}<\/RequestId><HostId>[^<]+<\/HostId><\/Error>$/,
      );
      expect(xml).toContain(`<RequestId>${requestId}</RequestId>`);
    }
    expect(oss.listKeys()).not.toContain('anon.txt');
  });

  it('checks Content-MD5 and x-oss-forbid-overwrite on PUT', async () => {
    const body = Buffer.from('checked');
    const md5 = createHash('md5').update(body).digest('base64');
    await store.put('semantics/md5.txt', body, { headers: { 'Content-MD5': md5 } });
    expect(
      await ossErrorOf(
        store.put('semantics/md5-bad.txt', body, { headers: { 'Content-MD5': createHash('md5').update('other').digest('base64') } }),
      ),
    ).toMatchObject({
      code: 'BadDigest',
      status: 400,
    });
    expect(await ossErrorOf(store.put('semantics/md5-bad.txt', body, { headers: { 'Content-MD5': 'not-md5' } }))).toMatchObject({
      code: 'InvalidDigest',
      status: 400,
    });
    expect(
      await ossErrorOf(store.put('semantics/md5.txt', Buffer.from('again'), { headers: { 'x-oss-forbid-overwrite': 'true' } })),
    ).toMatchObject({
      code: 'FileAlreadyExists',
      status: 409,
    });
    expect(oss.getObject('semantics/md5.txt')?.body.toString()).toBe('checked');
    await store.put('semantics/md5.txt', Buffer.from('again'), { headers: { 'x-oss-forbid-overwrite': 'false' } });
    expect(oss.getObject('semantics/md5.txt')?.body.toString()).toBe('again');
  });

  it('refuses a declared Content-Length over 5 GiB with EntityTooLarge without reading it', async () => {
    const url = new URL(await store.signatureUrlV4('PUT', 60, {}, 'huge.bin'));
    const { request } = await import('node:http');
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(url, { method: 'PUT', headers: { 'Content-Length': String(5 * 1024 ** 3 + 1) } }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.write('a few bytes');
    });
    expect(answer.status).toBe(400);
    expect(errorOf(answer.body).code).toBe('EntityTooLarge');
  });
});

describe('multipart completion rules', () => {
  let oss: RunningOssEmulator;
  let store: OSS;

  beforeAll(async () => {
    oss = await startOssEmulator({ bucket: BUCKET, region: REGION, credentials: recordingResolver().resolver });
    store = client(oss.url);
  });
  afterAll(() => oss.close());

  async function uploadParts(key: string, sizes: number[]) {
    const init = await store.initMultipartUpload(key);
    const parts: Array<{ number: number; etag: string }> = [];
    for (const [index, size] of sizes.entries()) {
      const data = Buffer.alloc(size, index + 1);
      const part = await store.uploadPart(key, init.uploadId, index + 1, data, 0, size);
      parts.push({ number: index + 1, etag: part.etag });
    }
    return { uploadId: init.uploadId, parts };
  }

  it('refuses a wrong ETag or missing part (InvalidPart), descending order (InvalidPartOrder), bad XML, and a small middle part (EntityTooSmall)', async () => {
    const { uploadId, parts } = await uploadParts('rules/a.bin', [100 * 1024, 100 * 1024, 10]);
    const [p1, p2, p3] = parts as [{ number: number; etag: string }, { number: number; etag: string }, { number: number; etag: string }];
    expect(await ossErrorOf(store.completeMultipartUpload('rules/a.bin', uploadId, [p1, { number: 2, etag: p3.etag }, p3]))).toMatchObject({
      code: 'InvalidPart',
    });
    expect(await ossErrorOf(store.completeMultipartUpload('rules/a.bin', uploadId, [p1, { number: 4, etag: p3.etag }]))).toMatchObject({
      code: 'InvalidPart',
    });
    // ali-oss sorts the parts itself: send the out-of-order list through a signed URL.
    const url = await store.signatureUrlV4(
      'POST',
      60,
      { headers: { 'Content-Type': 'application/xml' }, queries: { uploadId } },
      'rules/a.bin',
    );
    const xml = `<CompleteMultipartUpload>${[p2, p1, p3].map((p) => `<Part><PartNumber>${p.number}</PartNumber><ETag>${p.etag}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
    const unordered = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/xml' }, body: xml });
    expect(unordered.status).toBe(400);
    expect(errorOf(await unordered.text()).code).toBe('InvalidPartOrder');
    const malformed = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/xml' },
      body: '<CompleteMultipartUpload><Part>',
    });
    expect(errorOf(await malformed.text()).code).toBe('MalformedXML');
    const small = await uploadParts('rules/b.bin', [10, 100 * 1024]);
    expect(await ossErrorOf(store.completeMultipartUpload('rules/b.bin', small.uploadId, small.parts))).toMatchObject({
      code: 'EntityTooSmall',
      status: 400,
    });
    // Skipping a part number is fine (the object is made of the parts listed), as on OSS.
    const done = await store.completeMultipartUpload('rules/a.bin', uploadId, [p1, p2, p3]);
    expect(done.res.status).toBe(200);
    expect(oss.getObject('rules/a.bin')?.body.length).toBe(200 * 1024 + 10);
  });

  it('honours x-oss-forbid-overwrite on CompleteMultipartUpload', async () => {
    await store.put('rules/exists.bin', Buffer.from('first'));
    const { uploadId, parts } = await uploadParts('rules/exists.bin', [10]);
    const refused = await ossErrorOf(
      store.completeMultipartUpload('rules/exists.bin', uploadId, parts, { headers: { 'x-oss-forbid-overwrite': 'true' } }),
    );
    expect(refused).toMatchObject({ code: 'FileAlreadyExists', status: 409 });
    expect(oss.getObject('rules/exists.bin')?.body.toString()).toBe('first');
  });
});

describe('resolver decisions', () => {
  it('refuses with AccessDenied when isAllowed says no, after asking with the right action and resource', async () => {
    const recorded = recordingResolver((call) => call.action !== 'oss:DeleteObject' && !call.resource.endsWith('/private/x.txt'));
    const oss = await startOssEmulator({ bucket: BUCKET, region: REGION, credentials: recorded.resolver });
    try {
      const store = client(oss.url);
      await store.put('public/x.txt', Buffer.from('x'));
      expect(await ossErrorOf(store.put('private/x.txt', Buffer.from('x')))).toMatchObject({ code: 'AccessDenied', status: 403 });
      expect(await ossErrorOf(store.delete('public/x.txt'))).toMatchObject({ code: 'AccessDenied', status: 403 });
      expect(oss.listKeys()).toEqual(['public/x.txt']);
      expect(recorded.calls.map(({ action, resource }) => [action, resource])).toEqual([
        ['oss:PutObject', `acs:oss:*:*:${BUCKET}/public/x.txt`],
        ['oss:PutObject', `acs:oss:*:*:${BUCKET}/private/x.txt`],
        ['oss:DeleteObject', `acs:oss:*:*:${BUCKET}/public/x.txt`],
      ]);
    } finally {
      await oss.close();
    }
  });

  it('passes security tokens to the resolver and its errors through with their code', async () => {
    // ali-oss warns on every client built with a bare stsToken; that is expected here.
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const seen: Array<string | undefined> = [];
    const resolver: CredentialResolver = (_accessKeyId, token) => {
      seen.push(token);
      if (token === 'expired-token')
        return { kind: 'error', code: 'SecurityTokenExpired', message: 'The security token you provided has expired.' };
      if (token !== 'good-token')
        return { kind: 'error', code: 'InvalidSecurityToken', message: 'The security token you provided is invalid.' };
      return { kind: 'found', accessKeySecret: ACCESS_KEY_SECRET, isAllowed: () => true };
    };
    const oss = await startOssEmulator({ bucket: BUCKET, region: REGION, credentials: resolver });
    try {
      for (const authorizationV4 of [true, false]) {
        await client(oss.url, { authorizationV4, stsToken: 'good-token' }).put('sts.txt', Buffer.from('x'));
        expect(
          await ossErrorOf(client(oss.url, { authorizationV4, stsToken: 'expired-token' }).put('sts.txt', Buffer.from('x'))),
        ).toMatchObject({
          code: 'SecurityTokenExpired',
          status: 403,
        });
        expect(await ossErrorOf(client(oss.url, { authorizationV4, stsToken: 'forged' }).put('sts.txt', Buffer.from('x')))).toMatchObject({
          code: 'InvalidSecurityToken',
          status: 403,
        });
      }
      // Presigned URLs carry the token in the query: x-oss-security-token (V4) and security-token (V1).
      const v4url = await client(oss.url, { stsToken: 'good-token' }).signatureUrlV4('GET', 60, {}, 'sts.txt');
      expect((await fetch(v4url)).status).toBe(200);
      const v1url = client(`http://localhost:${oss.port}`, { authorizationV4: false, stsToken: 'good-token' })
        .signatureUrl('sts.txt', { expires: 60 })
        .replace('//localhost:', '//127.0.0.1:');
      expect(new URL(v1url).searchParams.get('security-token')).toBe('good-token');
      expect((await fetch(v1url)).status).toBe(200);
      expect(seen).toEqual(['good-token', 'expired-token', 'forged', 'good-token', 'expired-token', 'forged', 'good-token', 'good-token']);
    } finally {
      warn.mockRestore();
      await oss.close();
    }
  });
});

describe('CORS', () => {
  let oss: RunningOssEmulator;
  let store: OSS;

  beforeAll(async () => {
    oss = await startOssEmulator({
      bucket: BUCKET,
      region: REGION,
      credentials: recordingResolver().resolver,
      corsRules: [
        {
          allowedOrigins: ['http://localhost:9000', 'https://*.example.com'],
          allowedMethods: ['PUT', 'POST', 'GET'],
          allowedHeaders: ['content-type', 'x-oss-*', 'authorization'],
          exposeHeaders: ['ETag', 'x-oss-request-id'],
          maxAgeSeconds: 600,
        },
      ],
    });
    store = client(oss.url);
  });
  afterAll(() => oss.close());

  const preflight = (origin: string, method: string, headers?: string) =>
    fetch(`${oss.url}/uploads/a.png`, {
      method: 'OPTIONS',
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': method,
        ...(headers === undefined ? {} : { 'Access-Control-Request-Headers': headers }),
      },
    });

  it('answers an allowed preflight with the allow headers', async () => {
    for (const origin of ['http://localhost:9000', 'https://app.example.com']) {
      const response = await preflight(origin, 'PUT', 'Content-Type, x-oss-date');
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe(origin);
      expect(response.headers.get('access-control-allow-methods')).toBe('PUT, POST, GET');
      expect(response.headers.get('access-control-allow-headers')).toBe('content-type, x-oss-date');
      expect(response.headers.get('access-control-max-age')).toBe('600');
      expect(response.headers.get('access-control-expose-headers')).toBe('ETag, x-oss-request-id');
      expect(response.headers.get('vary')).toContain('Origin');
    }
  });

  it.each([
    ['an unknown origin', 'http://evil.test', 'PUT', undefined],
    ['an origin matching only by suffix trickery', 'https://example.com.evil.test', 'PUT', undefined],
    ['an origin extending an allowed one', 'http://localhost:9000.evil.test', 'PUT', undefined],
    ['the allowed host on another scheme', 'https://localhost:9000', 'PUT', undefined],
    ['a method not allowed', 'http://localhost:9000', 'DELETE', undefined],
    ['a header not allowed', 'http://localhost:9000', 'PUT', 'content-type, x-custom'],
  ])('refuses a preflight from %s with 403 AccessForbidden', async (_name, origin, method, headers) => {
    const response = await preflight(origin, method, headers);
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(errorOf(await response.text()).code).toBe('AccessForbidden');
  });

  it('puts Allow-Origin, Vary and the exposed headers on actual answers, errors included', async () => {
    const url = await store.signatureUrlV4('PUT', 60, { headers: { 'Content-Type': 'image/png' } }, 'uploads/a.png');
    const ok = await fetch(url, { method: 'PUT', headers: { 'Content-Type': 'image/png', Origin: 'http://localhost:9000' }, body: 'png' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://localhost:9000');
    expect(ok.headers.get('access-control-expose-headers')).toBe('ETag, x-oss-request-id');
    expect(ok.headers.get('vary')).toBe('Origin');
    const refused = await fetch(url, {
      method: 'PUT',
      headers: { 'Content-Type': 'text/html', Origin: 'http://localhost:9000' },
      body: 'png',
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBe('http://localhost:9000');
    const foreign = await fetch(url, { method: 'PUT', headers: { 'Content-Type': 'image/png', Origin: 'http://evil.test' }, body: 'png' });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses every preflight when the bucket has no CORS rules', async () => {
    const bare = await startOssEmulator({ bucket: BUCKET, region: REGION, credentials: recordingResolver().resolver });
    try {
      const response = await fetch(`${bare.url}/a.png`, {
        method: 'OPTIONS',
        headers: { Origin: 'http://localhost:9000', 'Access-Control-Request-Method': 'PUT' },
      });
      expect(response.status).toBe(403);
      expect(errorOf(await response.text()).code).toBe('AccessForbidden');
    } finally {
      await bare.close();
    }
  });
});
