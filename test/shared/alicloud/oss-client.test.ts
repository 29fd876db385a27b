/**
 * The one OSS client over real HTTP: against the OSS emulator (every call, both signature versions, and the typed
 * error from its real refusals), and against scripted servers that answer 500, 503, 429, garbage or never, or drop
 * a kept-alive connection: the error's code, status, request id and retryable flag, and which calls the client
 * sends again (the idempotent ones, and a POST only when it never reached OSS), within its time budget.
 */
import OSS from 'ali-oss';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { staticAccounts } from '../../../local/emulator-accounts';
import { startOssEmulator, type OssRequestLog, type RunningOssEmulator } from '../../../local/oss-emulator';
import { createOssClient, OssError, type OssClient, type OssClientOptions } from '../../../shared/alicloud/oss-client';
import { timedAgainstDeadline } from '../../support/deadline';
import { registerIssued } from '../../support/log-capture';

const BUCKET = 'client-bucket';
const OWNER = { accessKeyId: 'LTAI-oss-client-test', accessKeySecret: 'oss-client-test-secret-value' };
registerIssued(OWNER.accessKeySecret);

let oss: RunningOssEmulator;
const ossLog: OssRequestLog[] = [];
let seedEtag: string;

beforeAll(async () => {
  oss = await startOssEmulator({
    bucket: BUCKET,
    region: 'cn-hangzhou',
    credentials: staticAccounts([OWNER]),
    log: (entry) => ossLog.push(entry),
  });
  const owner = new OSS({
    ...OWNER,
    bucket: BUCKET,
    region: 'oss-cn-hangzhou',
    endpoint: oss.url,
    cname: true,
    authorizationV4: true,
  });
  await owner.put('seed.txt', Buffer.from('0123456789abcdef'), { headers: { 'Content-Type': 'text/plain' } });
  seedEtag = oss.getObject('seed.txt')!.etag;
});
afterAll(() => oss.close());

function client(overrides: Partial<OssClientOptions> = {}): OssClient {
  return createOssClient({
    endpoint: oss.url,
    bucket: BUCKET,
    region: 'cn-hangzhou',
    credentials: { ...OWNER, securityToken: undefined, expiration: undefined },
    timeout: { ms: 3000, covers: 'each call' },
    ...overrides,
  });
}

/** What a promise rejected with, which must be an OssError. */
async function ossErrorOf(promise: Promise<unknown>): Promise<OssError> {
  const error = await promise.then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(OssError);
  return error as OssError;
}

describe('against the OSS emulator', () => {
  test.each(['v4', 'v1'] as const)('multipart calls signed %s: initiate, list, complete, abort', async (signatureVersion) => {
    const oss4 = client({ signatureVersion });
    const key = `multipart/${signatureVersion}.bin`;
    const uploadId = await oss4.initiateMultipart({ key, headers: { 'content-type': 'application/octet-stream' } });
    expect(oss.listUploads()).toContainEqual({ uploadId, key, partNumbers: [] });
    expect(await oss4.listParts({ key, uploadId })).toEqual([]);
    await oss4.abortMultipart({ key, uploadId });
    expect(oss.listUploads().map((upload) => upload.uploadId)).not.toContain(uploadId);
    // Completing with no parts is OSS's to refuse, and the refusal is typed.
    const second = await oss4.initiateMultipart({ key, headers: {} });
    const refused = await ossErrorOf(oss4.completeMultipart({ key, uploadId: second, parts: [], headers: {} }));
    expect(refused).toMatchObject({ operation: 'CompleteMultipartUpload', status: 400, retryable: false });
  });

  test('object calls: ranged read, head, copy only of the version named, delete (of what is gone too)', async () => {
    const objects = client();
    const read = await objects.readStart('seed.txt', 4);
    expect(read?.start?.toString()).toBe('0123');
    expect(read?.head).toMatchObject({ size: 16, etag: seedEtag, contentType: 'text/plain' });
    expect(await objects.readStart('missing.txt', 4)).toBeUndefined();
    expect(await objects.head('missing.txt')).toBeUndefined();
    const copy = { sourceKey: 'seed.txt', key: 'copies/seed.txt', headers: { 'x-oss-meta-why': 'test' } };
    expect(await objects.copy({ ...copy, ifMatch: '"00000000000000000000000000000000"' })).toBe('changed');
    expect(await objects.copy({ ...copy, ifMatch: seedEtag })).toBe('copied');
    expect((await objects.head('copies/seed.txt'))?.meta).toEqual({ why: 'test' });
    await objects.delete('copies/seed.txt');
    await objects.delete('copies/seed.txt');
    expect(oss.getObject('copies/seed.txt')).toBeUndefined();
  });

  test("a listing: each object's key, size and LastModified, in byte order, one page of max-keys", async () => {
    const landed = new Date('2026-11-28T10:20:00.412Z');
    oss.seedObject({ key: 'listed/a.png', body: Buffer.from('abc'), contentType: 'image/png', lastModified: landed });
    const later = new Date('2026-11-28T10:21:00.000Z');
    oss.seedObject({ key: 'listed/a.png.x', body: Buffer.from('abcd'), contentType: 'image/png', lastModified: later });
    const objects = client();
    expect(await objects.listObjects({ prefix: 'listed/a.png', marker: '', maxKeys: 1 })).toEqual({
      objects: [{ key: 'listed/a.png', size: 3, lastModified: landed }],
      nextMarker: 'listed/a.png',
    });
    const rest = await objects.listObjects({ prefix: 'listed/a.png', marker: 'listed/a.png', maxKeys: 1 });
    expect(rest).toEqual({
      objects: [{ key: 'listed/a.png.x', size: 4, lastModified: later }],
      nextMarker: undefined,
    });
  });

  test('an object OSS will not read (Archive class): its metadata from HEAD, no bytes, its class named', async () => {
    oss.seedObject({ key: 'frozen.txt', body: Buffer.from('cold bytes'), contentType: 'text/plain', storageClass: 'Archive' });
    const read = await client().readStart('frozen.txt', 4);
    expect(read).toEqual({
      head: expect.objectContaining({ size: 10, storageClass: 'Archive', contentType: 'text/plain' }),
      start: undefined,
    });
    expect(ossLog.slice(-2).map((entry) => [entry.operation, entry.status, entry.code])).toEqual([
      ['GetObject', 403, 'InvalidObjectState'],
      ['HeadObject', 200, undefined],
    ]);
    expect((await client().readStart('seed.txt', 4))?.head.storageClass).toBe('Standard');
  });

  test("a refusal: OSS's code, status and request id (the one the emulator logged), not retryable", async () => {
    const error = await ossErrorOf(client().listParts({ key: 'multipart/none.bin', uploadId: '0123456789ABCDEF0123456789ABCDEF' }));
    expect(error).toMatchObject({ operation: 'ListParts', code: 'NoSuchUpload', status: 404, retryable: false });
    expect(error.requestId).toBe(ossLog.at(-1)!.requestId);
    expect(error.message).toBe(`OSS ListParts: NoSuchUpload (404, request ${error.requestId})`);
  });

  test('a wrong secret: SignatureDoesNotMatch; for HEAD, whose answer has no body, the status and request id only', async () => {
    const wrong = client({ credentials: { ...OWNER, accessKeySecret: 'not-the-secret', securityToken: undefined, expiration: undefined } });
    const before = ossLog.length;
    expect(await ossErrorOf(wrong.delete('seed.txt'))).toMatchObject({ code: 'SignatureDoesNotMatch', status: 403, retryable: false });
    const head = await ossErrorOf(wrong.head('seed.txt'));
    expect(head).toMatchObject({ operation: 'HeadObject', code: 'Unknown', status: 403, retryable: false });
    expect(head.requestId).toBe(ossLog.at(-1)!.requestId);
    // A refusal is final: each call went out once.
    expect(ossLog.length - before).toBe(2);
    expect(oss.getObject('seed.txt')).toBeDefined();
  });
});

interface Scripted {
  url: string;
  /** Requests received, as `METHOD path`. */
  requests: string[];
  connections(): number;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A server answering each request with the next of `answers` (the last one repeats). */
async function scripted(...answers: Array<(req: IncomingMessage, res: ServerResponse) => void>): Promise<Scripted> {
  const requests: string[] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    answers[Math.min(requests.length, answers.length) - 1]!(req, res);
  });
  server.on('connection', (socket) => {
    connections += 1;
    socket.on('error', () => undefined);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, connections: () => connections };
}

const xmlError =
  (status: number, code: string, headers: Record<string, string> = {}) =>
  (_req: IncomingMessage, res: ServerResponse) =>
    res
      .writeHead(status, { 'content-type': 'application/xml', ...headers })
      .end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>m</Message><RequestId>5C9E2E4B61E5D16D23E9CEC6</RequestId></Error>`,
      );
const never = (): void => undefined;
const garbage = (status: number) => (_req: IncomingMessage, res: ServerResponse) =>
  res.writeHead(status, { 'content-type': 'text/html' }).end('<html><body>proxy error');
const listed = (_req: IncomingMessage, res: ServerResponse) =>
  res
    .writeHead(200, { 'content-type': 'application/xml', 'x-oss-request-id': 'AAAABBBBCCCCDDDDEEEEFFFF' })
    .end(
      '<ListPartsResult><IsTruncated>false</IsTruncated><Part><PartNumber>1</PartNumber><ETag>"A"</ETag><Size>5</Size></Part></ListPartsResult>',
    );
const initiated = (_req: IncomingMessage, res: ServerResponse) =>
  res.writeHead(200).end('<InitiateMultipartUploadResult><UploadId>U1</UploadId></InitiateMultipartUploadResult>');

const against = (server: Scripted, timeout: OssClientOptions['timeout'] = { ms: 2000, covers: 'each call' }) =>
  client({ endpoint: server.url, timeout });
const upload = { key: 'k/x.bin', uploadId: 'U1' };

describe('against scripted servers', () => {
  test('500 with OSS XML: retryable, request id from the XML; a GET is sent again and may then succeed', async () => {
    const failing = await scripted(xmlError(500, 'InternalError'));
    const error = await ossErrorOf(against(failing).listParts(upload));
    expect(error).toMatchObject({ code: 'InternalError', status: 500, requestId: '5C9E2E4B61E5D16D23E9CEC6', retryable: true });
    expect(failing.requests).toHaveLength(2);

    const recovering = await scripted(xmlError(500, 'InternalError'), listed);
    expect(await against(recovering).listParts(upload)).toEqual([{ partNumber: 1, etag: '"A"', size: 5 }]);
    expect(recovering.requests).toHaveLength(2);
  });

  test('503 and 429: retryable, request id from x-oss-request-id before the XML; a POST that reached OSS is not sent again', async () => {
    for (const [status, code] of [
      [503, 'ServiceUnavailable'],
      [429, 'TooManyRequests'],
    ] as const) {
      const server = await scripted(xmlError(status, code, { 'x-oss-request-id': '0000111122223333AAAABBBB' }));
      const error = await ossErrorOf(against(server).initiateMultipart({ key: 'k/x.bin', headers: {} }));
      expect(error).toMatchObject({
        operation: 'InitiateMultipartUpload',
        code,
        status,
        requestId: '0000111122223333AAAABBBB',
        retryable: true,
      });
      expect(server.requests).toEqual(['POST /k/x.bin?uploads']);
    }
  });

  test('a listed LastModified that cannot be read is left out, as HEAD leaves out its Last-Modified; Key and Size are required', async () => {
    const page = (contents: string) => (_req: IncomingMessage, res: ServerResponse) =>
      res
        .writeHead(200, { 'content-type': 'application/xml' })
        .end(`<ListBucketResult><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`);
    const server = await scripted(
      page(
        '<Contents><Key>k%2Fa</Key><LastModified>yesterday-ish</LastModified><Size>1</Size></Contents>' +
          '<Contents><Key>k%2Fb</Key><Size>2</Size></Contents>' +
          '<Contents><Key>k%2Fc</Key><LastModified>2026-11-28T10:20:00.000Z</LastModified><Size>3</Size></Contents>',
      ),
      page('<Contents><Key>k%2Fa</Key><LastModified>2026-11-28T10:20:00.000Z</LastModified></Contents>'),
    );
    expect(await against(server).listObjects({ prefix: 'k/', marker: '', maxKeys: 10 })).toEqual({
      objects: [
        { key: 'k/a', size: 1 },
        { key: 'k/b', size: 2 },
        { key: 'k/c', size: 3, lastModified: new Date('2026-11-28T10:20:00.000Z') },
      ],
      nextMarker: undefined,
    });
    expect(server.requests).toEqual(['GET /?prefix=k%2F&max-keys=10&encoding-type=url']);
    expect(await ossErrorOf(against(server).listObjects({ prefix: 'k/', marker: '', maxKeys: 10 }))).toMatchObject({
      code: 'MalformedAnswer',
      message: 'OSS ListObjects: an entry without Key or Size',
    });
  });

  test('a 4xx refusal is final: not retryable, sent once', async () => {
    const server = await scripted(xmlError(403, 'AccessDenied'));
    expect(await ossErrorOf(against(server).listParts(upload))).toMatchObject({ code: 'AccessDenied', status: 403, retryable: false });
    expect(server.requests).toHaveLength(1);
  });

  test('garbage: a 200 that is not the XML expected is MalformedAnswer, an error status without OSS XML is Unknown', async () => {
    const ok = await scripted(garbage(200));
    expect(await ossErrorOf(against(ok).initiateMultipart({ key: 'k/x.bin', headers: {} }))).toMatchObject({
      code: 'MalformedAnswer',
      status: 200,
      requestId: undefined,
      retryable: true,
      message: 'OSS InitiateMultipartUpload: the answer is not XML',
    });
    const wrongRoot = await scripted(initiated);
    expect(await ossErrorOf(against(wrongRoot).listParts(upload))).toMatchObject({ code: 'MalformedAnswer', retryable: true });
    const badGateway = await scripted(garbage(502));
    expect(await ossErrorOf(against(badGateway).listParts(upload))).toMatchObject({ code: 'Unknown', status: 502, retryable: true });
    const teapot = await scripted(garbage(418));
    expect(await ossErrorOf(against(teapot).delete('k/x.bin'))).toMatchObject({ code: 'Unknown', status: 418, retryable: false });
  });

  test('never answering: Timeout after the call’s budget, retryable, and not waited for twice', async () => {
    const server = await scripted(never);
    const client = against(server, { ms: 300, covers: 'each call' });
    const { result: error, ms, pastDeadlineMs } = await timedAgainstDeadline(300, () => ossErrorOf(client.listParts(upload)));
    expect(error).toMatchObject({ code: 'Timeout', status: undefined, requestId: undefined, retryable: true });
    expect(error.message).toBe('OSS ListParts: no answer within 300 ms');
    expect(ms).toBeGreaterThanOrEqual(280);
    // Another wait would be another 300 ms past the deadline (counted on this event loop: test/support/deadline.ts).
    expect(pastDeadlineMs).toBeLessThan(300);
    expect(server.requests).toHaveLength(1);
  });

  test('one budget for all calls: a call after the time is spent fails at once without being sent', async () => {
    const server = await scripted(never);
    const shared = against(server, { ms: 300, covers: 'all calls' });
    await ossErrorOf(shared.listParts(upload));
    // At once: settled before the event loop turns once (no request, no timer), whatever the machine's load.
    const failing = ossErrorOf(shared.abortMultipart(upload));
    const first = await Promise.race([failing.then(() => 'failed'), new Promise((resolve) => setImmediate(() => resolve('a turn')))]);
    expect(first).toBe('failed');
    expect(await failing).toMatchObject({ code: 'Timeout', retryable: true });
    expect(server.requests).toHaveLength(1);
  });

  test('unreachable: NetworkError with the code, retryable; refused connections are tried once more', async () => {
    const server = await scripted(listed);
    const { url } = server;
    const gone = servers.pop()!;
    await new Promise((resolve) => gone.close(resolve));
    const started = performance.now();
    const error = await ossErrorOf(client({ endpoint: url }).initiateMultipart({ key: 'k/x.bin', headers: {} }));
    // The second attempt comes after the retry pause (100 ms).
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    expect(error).toMatchObject({ code: 'NetworkError', status: undefined, retryable: true });
    expect(error.message).toBe('OSS InitiateMultipartUpload: unreachable (ECONNREFUSED)');
  });

  test('a kept-alive connection dropped by the server: even a POST is sent again, on a new connection', async () => {
    let dropped = false;
    const server = await scripted(listed, (req, res) => {
      // The second request finds its kept-alive connection gone; the third, on a new one, is answered.
      if (dropped) return initiated(req, res);
      dropped = true;
      req.socket.destroy();
    });
    const shared = against(server);
    await shared.listParts(upload);
    expect(await shared.initiateMultipart({ key: 'k/x.bin', headers: {} })).toBe('U1');
    expect(server.requests).toEqual([
      'GET /k/x.bin?uploadId=U1&max-parts=1000&part-number-marker=0',
      'POST /k/x.bin?uploads',
      'POST /k/x.bin?uploads',
    ]);
    expect(server.connections()).toBe(2);
  });
});
