/**
 * sign-url's own OSS calls when OSS is sick: each of counting the user's unfinished uploads, initiate, list and
 * complete answering 500, throttling, answering something that is not XML, or never answering, and OSS unreachable.
 * Always 503 UpstreamUnavailable with Retry-After within OSS_TIMEOUT_MS, never a secret in the log, and the next
 * request works once OSS does. A failed listing (a GET) is sent once more; initiate and complete (POSTs that reached
 * OSS) never are.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { signUrlFunction } from '../../../functions/sign-url/sign-upload';
import { staticAccounts } from '../../../local/emulator-accounts';
import { startOssEmulator, type RunningOssEmulator } from '../../../local/oss-emulator';
import { createFcHandler, type FcHandler } from '../../../shared/edge/handler';
import type { RequestLogLine } from '../../../shared/edge/log';
import { baseEnv } from '../../support/env';
import { fcEvent, jsonOf, type FcResponse } from '../../support/fc-event';
import { registerAnswer, registerIssued } from '../../support/log-capture';
import { timedAgainstDeadline } from '../../support/deadline';
import { startFaultyOss, type Fault, type FaultyOss, type OssCall } from '../../support/oss-faults';
import { hsToken } from '../../support/tokens';

const TIMEOUT_MS = 800;
const signer = { accessKeyId: 'LTAI-sign-url-test', accessKeySecret: 'sign-url-test-secret-value' };
registerIssued(signer.accessKeySecret);
let oss: RunningOssEmulator;
let proxy: FaultyOss;
let handler: FcHandler;
const logs: RequestLogLine[] = [];

beforeAll(async () => {
  oss = await startOssEmulator({ bucket: 'uploads-bucket', region: 'cn-hangzhou', credentials: staticAccounts([signer]) });
  proxy = await startFaultyOss(oss.url);
  handler = handlerFor(proxy.url);
});
afterAll(async () => {
  await proxy.close();
  await oss.close();
});
afterEach(() => proxy.fail(undefined));

function handlerFor(endpoint: string): FcHandler {
  return createFcHandler(signUrlFunction, {
    env: baseEnv({
      OSS_ENDPOINT: endpoint,
      OSS_TIMEOUT_MS: String(TIMEOUT_MS),
      // Every case starts an upload and leaves it: the per-user bound is not what these tests are about.
      MAX_OPEN_UPLOADS_PER_USER: '1000',
      ALIBABA_CLOUD_ACCESS_KEY_ID: signer.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: signer.accessKeySecret,
    }),
    log: (line) => void logs.push(line),
  });
}

/** One request; `ms` it took, and `pastDeadlineMs` past a TIMEOUT_MS timer started with it (test/support/deadline.ts). */
async function call(
  body: object,
  withHandler = handler,
): Promise<{ response: FcResponse; ms: number; pastDeadlineMs: number; answer: Record<string, unknown> }> {
  const token = await hsToken({ sub: 'alice' });
  const event = fcEvent({ headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
  const { result, ms, pastDeadlineMs } = await timedAgainstDeadline(TIMEOUT_MS, async () => {
    const response = (await withHandler(event, {})) as FcResponse;
    return { response, answer: response.body === '' ? {} : jsonOf(response) };
  });
  for (const part of (result.answer['parts'] as unknown[] | undefined) ?? []) registerAnswer(part);
  return { ...result, ms, pastDeadlineMs };
}

interface Started {
  key: string;
  uploadId: string;
  parts: Array<{ url: string }>;
}

async function startedWithOnePart(): Promise<Started & { etag: string }> {
  const started = (await call({ method: 'MULTIPART', filename: 'a.png', contentType: 'image/png', size: 100 }))
    .answer as unknown as Started;
  const put = await fetch(started.parts[0]!.url, { method: 'PUT', body: new Uint8Array(randomBytes(100)) });
  return { ...started, etag: put.headers.get('etag')! };
}

const requests: Record<Exclude<OssCall, 'other' | 'AbortMultipartUpload'>, (upload: Started & { etag: string }) => object> = {
  ListMultipartUploads: () => ({ method: 'MULTIPART', filename: 'a.png', contentType: 'image/png', size: 100 }),
  InitiateMultipartUpload: () => ({ method: 'MULTIPART', filename: 'a.png', contentType: 'image/png', size: 100 }),
  ListParts: (upload) => ({ method: 'PARTS', key: upload.key, uploadId: upload.uploadId, partNumbers: [1] }),
  CompleteMultipartUpload: (upload) => ({
    method: 'COMPLETE',
    key: upload.key,
    uploadId: upload.uploadId,
    parts: [{ partNumber: 1, etag: upload.etag }],
  }),
};

const cases: Array<[keyof typeof requests, Fault]> = (Object.keys(requests) as Array<keyof typeof requests>).flatMap((operation) =>
  (['status500', 'status429', 'garbage', 'hang'] as const).map((fault): [keyof typeof requests, Fault] => [operation, fault]),
);

test.each(cases)(
  '%s: OSS %s → 503 UpstreamUnavailable with Retry-After, within the deadline; then it works again',
  async (operation, fault) => {
    const upload = await startedWithOnePart();
    proxy.fail(operation, fault);
    const callsBefore = proxy.calls.length;
    const failed = await call(requests[operation](upload));
    // Sent again only when a retry may cure it, it is a GET, and there is time left (not after a hang).
    const retried = ['ListParts', 'ListMultipartUploads'].includes(operation) && (fault === 'status500' || fault === 'status429');
    expect(proxy.calls.slice(callsBefore).filter((made) => made === operation)).toHaveLength(retried ? 2 : 1);
    expect(failed.response.statusCode).toBe(503);
    expect(failed.answer).toEqual({ error: { code: 'UpstreamUnavailable', message: 'the storage service is unavailable, retry shortly' } });
    expect(failed.response.headers['Retry-After']).toBe('2');
    // Within 150 ms of the deadline, counted on this process's event loop: a loaded machine delays both alike.
    expect(failed.pastDeadlineMs).toBeLessThan(150);
    if (fault === 'hang') expect(failed.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    expect(logs.at(-1)).toMatchObject({
      status: 503,
      errorCode: 'UpstreamUnavailable',
      cause: expect.stringMatching(new RegExp(`^OSS ${operation}: `)),
    });
    expect(logs.at(-1)!.cause).not.toMatch(/Signature|OSS4-HMAC|security-token|x-oss-/i);

    proxy.fail(undefined);
    const again = await call(requests[operation](upload));
    expect(again.response.statusCode).toBe(200);
  },
);

test('OSS unreachable → 503 at once', async () => {
  const closed = await new Promise<number>((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
  const { response, ms } = await call(
    requests.InitiateMultipartUpload({ key: '', uploadId: '', parts: [], etag: '' }),
    handlerFor(`http://127.0.0.1:${closed}`),
  );
  expect(response.statusCode).toBe(503);
  expect(ms).toBeLessThan(TIMEOUT_MS);
  // The first call of a MULTIPART: counting the user's unfinished uploads.
  expect(logs.at(-1)?.cause).toMatch(/^OSS ListMultipartUploads: unreachable \(ECONNREFUSED\)$/);
});

test('warm requests reuse the kept-alive connection to OSS', async () => {
  const upload = await startedWithOnePart();
  const before = proxy.connections();
  for (let i = 0; i < 4; i += 1) expect((await call(requests.ListParts(upload))).response.statusCode).toBe(200);
  // Without keep-alive, each of the four would open its own connection.
  expect(proxy.connections() - before).toBeLessThanOrEqual(1);
});
