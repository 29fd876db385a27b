/**
 * The Uppy adapter (web/uppy.ts) against a stand-in sign-url that signs real part URLs (shared/upload/signed-parts.ts)
 * on a fake clock: a part URL it hands Uppy always has time left, with V1 URLs (only an absolute `Expires`) as with
 * V4 ones; and the XML it hands Uppy carries ETags as OSS gave them, without their quotes.
 */
import type { FunctionRequest, SignedParts, VerdictAnswer } from '../../shared/contract';
import type { SignatureVersion } from '../../shared/config/variables';
import type { UploadRules } from '../../shared/upload/rules';
import { signPartUrls } from '../../shared/upload/signed-parts';
import { urlValidity } from '../../shared/upload/url-expiry';
import { signUrlForUppy, type UppyFiles } from '../../web/uppy';
import { rulesOf } from '../support/upload-rules';

const MIB = 1024 * 1024;
const rules: UploadRules = rulesOf({
  bucket: 'bucket',
  region: 'cn-hangzhou',
  ossEndpoint: 'https://bucket.oss-cn-hangzhou.aliyuncs.com',
  prefix: 'users/alice/',
  allowedContentTypes: ['image/png'],
  maxBytes: 100 * MIB,
  ttlSeconds: 10,
});
const credentials = { accessKeyId: 'ak', accessKeySecret: 'sk', securityToken: undefined, expiration: undefined };
const key = 'users/alice/2026/11/AAAAAAAAAAAAAAAAAAAAAA.png';
const uploadId = 'ID1';
const fileSize = 12 * MIB + 5; // three parts
const T0 = Date.UTC(2026, 10, 28, 10, 20, 30);

let clock: number;
let version: SignatureVersion;
let lifetimeSeconds: number;
let uploaded: SignedParts['uploaded'];
/** What sign-url answers VERDICT with, in turn (the last one repeats). */
let verdicts: VerdictAnswer[];
const requests: FunctionRequest[] = [];

function signed(partNumbers: readonly number[]): Pick<SignedParts, 'parts' | 'expiresAt'> {
  const plan = { size: fileSize, partSize: 5 * MIB };
  return signPartUrls({ rules, key, uploadId, plan, partNumbers, credentials, now: new Date(clock), lifetimeSeconds, version });
}

/** sign-url as the adapter calls it: MULTIPART, PARTS, COMPLETE, ABORT, each signed on the fake clock. */
function answerTo(request: FunctionRequest): unknown {
  switch (request.method) {
    case 'MULTIPART':
      return {
        method: 'MULTIPART',
        bucket: 'bucket',
        key,
        profile: 'default',
        uploadId,
        partSize: 5 * MIB,
        partCount: 3,
        ...signed([1, 2, 3]),
      };
    case 'PARTS':
      return { ...signed(request.partNumbers), uploaded };
    case 'COMPLETE':
      return { bucket: 'bucket', key, profile: 'default', size: fileSize, etag: '"3f0a8c2e9b7d4e1fa2b3c4d5e6f70819-3"' };
    case 'VERDICT':
      return verdicts.length > 1 ? verdicts.shift() : verdicts[0];
    default:
      throw new Error(`the adapter sent ${request.method}`);
  }
}

beforeEach(() => {
  clock = T0;
  uploaded = [];
  verdicts = [{ key, verdict: 'accepted', size: fileSize, contentType: 'image/png', etag: 'E-3', judgedAt: '2026-11-28T10:20:31Z' }];
  requests.length = 0;
  jest.spyOn(Date, 'now').mockImplementation(() => clock);
  jest.spyOn(globalThis, 'fetch').mockImplementation(async (_url, init) => {
    const request = JSON.parse(String(init?.body)) as FunctionRequest;
    requests.push(request);
    return Response.json(answerTo(request));
  });
});
afterEach(() => jest.restoreAllMocks());

/** Uppy's side as the adapter sees it: one file, the success handlers and post-processors it registers, what it emits. */
function fakeUppy(): UppyFiles & {
  succeed(): void;
  postProcess(): Promise<void>;
  emitted: Array<[string, string]>;
} {
  const onSuccess: Array<(file: { id: string } | undefined, response: { body?: unknown }) => void> = [];
  const processors: Array<(fileIDs: string[]) => Promise<void>> = [];
  const emitted: Array<[string, string]> = [];
  return {
    getFile: (id) => (id === 'file-1' ? { id, name: 'film.png', type: 'image/png', size: fileSize } : undefined),
    getFiles: () => [{ id: 'file-1', size: fileSize, s3Multipart: { uploadId, key } }],
    on: (_event, handler) => onSuccess.push(handler),
    addPostProcessor: (processor) => void processors.push(processor),
    emit: (event: string, _file: { id: string }, detail?: { message: string }) => void emitted.push([event, detail?.message ?? '']),
    succeed: () => onSuccess.forEach((handler) => handler({ id: 'file-1' }, { body: { key } })),
    postProcess: async () => {
      for (const processor of processors) await processor(['file-1']);
    },
    emitted,
  };
}
const uppy = fakeUppy();

function adapter(): ReturnType<typeof signUrlForUppy> {
  return signUrlForUppy(uppy, { endpoint: 'https://fc.example/api/sign-url', getToken: () => 'jwt', multipartThreshold: 10 * MIB });
}

async function partUrlAt(plugin: ReturnType<typeof signUrlForUppy>, at: number, partNumber: number): Promise<string> {
  clock = at;
  return (await plugin.signRequest({ method: 'PUT', key, uploadId, partNumber })).url;
}

describe.each([
  ['v1', 10],
  ['v1', 40],
  ['v4', 10],
  ['v4', 40],
] as const)('%s part URLs valid %i s', (signatureVersion, lifetime) => {
  beforeEach(() => {
    version = signatureVersion;
    lifetimeSeconds = lifetime;
  });

  test('a part URL handed to Uppy never has less than a quarter of its lifetime left, and is reused until then', async () => {
    const plugin = adapter();
    await plugin.signRequest({ method: 'POST', key: 'file-1' }); // starts the upload at T0, with URLs for all 3 parts
    const renewAt = T0 + lifetime * 1000 - Math.min(30_000, (lifetime * 1000) / 4);

    const early = await partUrlAt(plugin, renewAt - 1, 1);
    expect(requests.map((request) => request.method)).toEqual(['MULTIPART']); // the URL from MULTIPART, still fresh
    expect(urlValidity(early)?.expiresAt).toBe(T0 + lifetime * 1000);

    // Past the renewal point: fresh URLs, from this part on.
    const fresh = await partUrlAt(plugin, renewAt + 1, 2);
    const freshExpiry = Math.floor((renewAt + 1) / 1000) * 1000 + lifetime * 1000;
    expect(urlValidity(fresh)?.expiresAt).toBe(freshExpiry);
    expect(requests.slice(1)).toEqual([{ method: 'PARTS', key, uploadId, partNumbers: [2, 3] }]);

    // Past the first URLs' expiry: part 3's URL is the fresh one, with time left.
    const later = T0 + lifetime * 1000 + 1;
    const third = await partUrlAt(plugin, later, 3);
    expect([urlValidity(third)?.expiresAt, requests.length]).toEqual([freshExpiry, 2]);
    expect(freshExpiry - later).toBeGreaterThan((lifetime * 1000) / 4);
  });
});

test('V1 with a lifetime under 45 s: once expired, the URL is never handed out again (it was, for 45 s)', async () => {
  version = 'v1';
  lifetimeSeconds = 20;
  const plugin = adapter();
  await plugin.signRequest({ method: 'POST', key: 'file-1' });
  for (let at = T0; at < T0 + 45_000; at += 2_500) {
    const url = await partUrlAt(plugin, at, 3);
    expect([at - T0, urlValidity(url)!.expiresAt > at]).toEqual([at - T0, true]);
  }
});

const fromDataUrl = (url: string): string => decodeURIComponent(url.replace(/^data:application\/xml;charset=utf-8,/, ''));

test('ListParts and CompleteMultipartUpload XML: ETags as OSS gave them, without quotes, case kept', async () => {
  version = 'v4';
  lifetimeSeconds = 300;
  uploaded = [
    { partNumber: 1, etag: '"5b3b8db5f4e1c5f8e2c2e0c6f3a1b2c3"', size: 5 * MIB },
    { partNumber: 2, etag: '"A1B2C3D4E5F60718293A4B5C6D7E8F90"', size: 5 * MIB },
  ];
  const plugin = adapter();
  const listed = await plugin.signRequest({ method: 'GET', key, uploadId });
  expect(fromDataUrl(listed.url)).toBe(
    '<ListPartsResult>' +
      `<Part><PartNumber>1</PartNumber><ETag>5b3b8db5f4e1c5f8e2c2e0c6f3a1b2c3</ETag><Size>${5 * MIB}</Size></Part>` +
      `<Part><PartNumber>2</PartNumber><ETag>A1B2C3D4E5F60718293A4B5C6D7E8F90</ETag><Size>${5 * MIB}</Size></Part>` +
      '</ListPartsResult>',
  );
  const completed = await plugin.signRequest({ method: 'POST', key, uploadId });
  expect(fromDataUrl(completed.url)).toBe(
    `<CompleteMultipartUploadResult><Location>${rules.ossEndpoint}/${key}</Location><Bucket>bucket</Bucket>` +
      `<Key>${key}</Key><ETag>3f0a8c2e9b7d4e1fa2b3c4d5e6f70819-3</ETag></CompleteMultipartUploadResult>`,
  );
  expect(requests.at(-1)).toEqual({
    method: 'COMPLETE',
    key,
    uploadId,
    parts: [
      { partNumber: 1, etag: '"5b3b8db5f4e1c5f8e2c2e0c6f3a1b2c3"' },
      { partNumber: 2, etag: '"A1B2C3D4E5F60718293A4B5C6D7E8F90"' },
    ],
    size: fileSize,
  });
});

test('the profile of each file goes with its MULTIPART start: one for all, or one per file from its meta', async () => {
  version = 'v4';
  lifetimeSeconds = 300;
  const withMeta: UppyFiles = {
    ...fakeUppy(),
    getFile: (id) => (id === 'file-1' ? { id, name: 'film.png', type: 'image/png', size: fileSize, meta: { kind: 'videos' } } : undefined),
  };
  const options = {
    endpoint: 'https://fc.example/api/sign-url',
    getToken: () => 'jwt',
    multipartThreshold: 10 * MIB,
    waitForVerdict: false,
  };
  await signUrlForUppy(withMeta, { ...options, profile: 'documents' }).signRequest({ method: 'POST', key: 'file-1' });
  await signUrlForUppy(withMeta, { ...options, profile: (file) => String(file.meta['kind']) }).signRequest({
    method: 'POST',
    key: 'file-1',
  });
  await signUrlForUppy(withMeta, options).signRequest({ method: 'POST', key: 'file-1' });
  expect(requests.map((request) => (request as { profile?: string }).profile)).toEqual(['documents', 'videos', undefined]);
});

describe('the verdict: a file counts as uploaded once upload-completed accepted it', () => {
  test('accepted after two pending answers: the post-processor completes the file', async () => {
    const fake = fakeUppy();
    signUrlForUppy(fake, { endpoint: 'https://fc.example/api/sign-url', getToken: () => 'jwt' });
    verdicts.unshift({ key, verdict: 'pending' }, { key, verdict: 'pending' });
    fake.succeed();
    await fake.postProcess();
    expect(requests).toEqual([1, 2, 3].map(() => ({ method: 'VERDICT', key })));
    expect(fake.emitted).toEqual([
      ['postprocess-progress', 'Checking the file…'],
      ['postprocess-complete', ''],
    ]);
  });

  test('rejected: the file fails with the reason in words', async () => {
    const fake = fakeUppy();
    signUrlForUppy(fake, { endpoint: 'https://fc.example/api/sign-url', getToken: () => 'jwt' });
    const message = "The upload was rejected: the file's contents are not a PNG image.";
    verdicts = [{ key, verdict: 'rejected', reason: 'ContentMismatch', message, judgedAt: '2026-11-28T10:20:31Z' }];
    fake.succeed();
    await fake.postProcess();
    expect(fake.emitted).toEqual([
      ['postprocess-progress', 'Checking the file…'],
      ['upload-error', message],
    ]);
  });

  test('waitForVerdict: false registers nothing and asks nothing', async () => {
    const fake = fakeUppy();
    signUrlForUppy(fake, { endpoint: 'https://fc.example/api/sign-url', getToken: () => 'jwt', waitForVerdict: false });
    fake.succeed();
    await fake.postProcess();
    expect([requests, fake.emitted]).toEqual([[], []]);
  });
});
