/**
 * `callFunction` (web/upload-client.ts): typed by the request's method, and the one place an answer's JSON comes
 * in, so an answer of another shape than the contract's is an UploadError there. The valid answers are the ones
 * sign-url's own signers build; the malformed ones break one field each. The types are checked too (`npm run
 * typecheck` compiles this file): no cast is needed to read an answer, and a wrong request or field does not compile.
 */
import type { AnswerFor, CallMethod, MultipartCompleted, RequestFor, SignedPut, StsTokenAnswer } from '../../shared/contract';
import type { UploadRules } from '../../shared/upload/rules';
import { signPartUrls } from '../../shared/upload/signed-parts';
import { signPostUpload, signPutUpload } from '../../shared/upload/signed-upload';
import { ANSWER_SHAPES, isAnswerTo } from '../../web/answer-shapes';
import { UploadError } from '../../web/errors';
import { callFunction } from '../../web/upload-client';
import { rulesOf } from '../support/upload-rules';

const rules: UploadRules = rulesOf({
  bucket: 'bucket',
  region: 'cn-hangzhou',
  ossEndpoint: 'https://bucket.oss-cn-hangzhou.aliyuncs.com',
  prefix: 'users/alice/',
  allowedContentTypes: ['image/png'],
  maxBytes: 100 * 1024 * 1024,
  ttlSeconds: 300,
});
const credentials = { accessKeyId: 'ak', accessKeySecret: 'sk', securityToken: 'token', expiration: undefined };
const now = new Date(Date.UTC(2026, 10, 28, 10, 20, 30));
const key = 'users/alice/2026/11/AAAAAAAAAAAAAAAAAAAAAA.png';
const signing = { rules, key, contentType: 'image/png', credentials, now, lifetimeSeconds: 300, version: 'v4' } as const;
const signedParts = signPartUrls({
  rules,
  key,
  uploadId: 'ID1',
  plan: { size: 12 * 1024 * 1024, partSize: 5 * 1024 * 1024 },
  partNumbers: [1, 2],
  credentials,
  now,
  lifetimeSeconds: 300,
  version: 'v4',
});

/** A request and the answer sign-url (or sts-token) gives it, for every method. */
const calls: { [M in CallMethod]: { request: RequestFor<M>; answer: AnswerFor<M> } } = {
  PUT: {
    request: { method: 'PUT', filename: 'cat.png', contentType: 'image/png', size: 12 },
    answer: signPutUpload({ ...signing, size: 12 }),
  },
  POST: { request: { method: 'POST', filename: 'cat.png', contentType: 'image/png' }, answer: signPostUpload(signing) },
  MULTIPART: {
    request: { method: 'MULTIPART', filename: 'film.png', contentType: 'image/png', size: 6 * 1024 * 1024 },
    answer: {
      method: 'MULTIPART',
      bucket: 'bucket',
      key,
      profile: 'default',
      uploadId: 'ID1',
      partSize: 5 * 1024 * 1024,
      partCount: 2,
      ...signedParts,
    },
  },
  PARTS: {
    request: { method: 'PARTS', key, uploadId: 'ID1', partNumbers: [1, 2] },
    answer: { ...signedParts, uploaded: [{ partNumber: 1, etag: '"5B3B8DB5F4E1C5F8E2C2E0C6F3A1B2C3"', size: 5 * 1024 * 1024 }] },
  },
  COMPLETE: {
    request: { method: 'COMPLETE', key, uploadId: 'ID1', parts: [{ partNumber: 1, etag: '"E1"' }], size: 1 },
    answer: { bucket: 'bucket', key, profile: 'default', size: 1, etag: '"5B3B8DB5F4E1C5F8E2C2E0C6F3A1B2C3-1"' },
  },
  ABORT: { request: { method: 'ABORT', key, uploadId: 'ID1' }, answer: undefined },
  VERDICT: {
    request: { method: 'VERDICT', key },
    answer: {
      key,
      verdict: 'rejected',
      reason: 'ContentMismatch',
      message: "The upload was rejected: the file's contents are not a PNG image.",
      judgedAt: '2026-11-28T10:20:01.500Z',
    },
  },
  STS: {
    request: { method: 'STS' },
    answer: {
      accessKeyId: 'STS.ak',
      accessKeySecret: 'secret',
      securityToken: 'token',
      stsToken: 'token',
      expiration: '2026-11-28T10:35:00Z',
      serverTime: '2026-11-28T10:20:00.123Z',
      bucket: 'bucket',
      region: 'oss-cn-hangzhou',
      endpoint: 'https://bucket.oss-cn-hangzhou.aliyuncs.com',
      cname: true,
      secure: true,
      authorizationV4: true,
      prefix: 'users/alice/sts/',
      profile: 'default',
      maxBytes: 1,
      allowedContentTypes: ['image/png'],
    },
  },
};
const methods = Object.keys(calls) as CallMethod[];

const endpoint = 'https://fc.example/api/sign-url';
const options = { endpoint, getToken: () => 'jwt' };
let answering: { status: number; body: string | undefined };
const sent: Array<{ url: string; init: RequestInit | undefined }> = [];

beforeEach(() => {
  sent.length = 0;
  jest.spyOn(globalThis, 'fetch').mockImplementation(async (url, init) => {
    sent.push({ url: String(url), init });
    return new Response(answering.body ?? null, { status: answering.status, headers: { 'content-type': 'application/json' } });
  });
});
afterEach(() => jest.restoreAllMocks());

function answerWith(answer: unknown, status = answer === undefined ? 204 : 200): void {
  answering = { status, body: answer === undefined ? undefined : JSON.stringify(answer) };
}

test.each(methods)('%s: the request goes as JSON with the bearer token, and the answer comes back as it is', async (method) => {
  const { request, answer } = calls[method];
  answerWith(answer);
  await expect(callFunction(options, request)).resolves.toEqual(answer);
  expect(sent).toEqual([
    {
      url: endpoint,
      init: {
        method: 'POST',
        headers: { authorization: 'Bearer jwt', 'content-type': 'application/json' },
        body: JSON.stringify(request),
      },
    },
  ]);
});

test("every answer the table holds has its own shape, and no other method's", () => {
  for (const method of methods) {
    for (const other of methods)
      expect([method, other, isAnswerTo(other, calls[method].answer)]).toEqual([method, other, method === other]);
  }
});

/** Each breaks one field of a valid answer (or the whole of it). */
const malformed: Array<[CallMethod, string, unknown]> = [
  ['PUT', 'no answer at all', undefined],
  ['PUT', 'an array', [calls.PUT.answer]],
  ['PUT', 'another method', { ...calls.PUT.answer, method: 'POST' }],
  ['PUT', 'no url', { ...calls.PUT.answer, url: undefined }],
  ['PUT', 'a header that is not a string', { ...calls.PUT.answer, headers: { ...calls.PUT.answer.headers, 'x-extra': 1 } }],
  [
    'PUT',
    'a header with another value',
    { ...calls.PUT.answer, headers: { ...calls.PUT.answer.headers, 'x-oss-forbid-overwrite': 'maybe' } },
  ],
  ['PUT', 'no profile', { ...calls.PUT.answer, profile: undefined }],
  ['PUT', 'a size that is not a count', { ...calls.PUT.answer, size: -1 }],
  ['PUT', 'an expiresAt that is no date', { ...calls.PUT.answer, expiresAt: 'soon' }],
  ['POST', 'fields not strings', { ...calls.POST.answer, fields: { key: 1 } }],
  ['POST', 'no maxBytes', { ...calls.POST.answer, maxBytes: undefined }],
  ['MULTIPART', 'a part count of 0', { ...calls.MULTIPART.answer, partCount: 0 }],
  ['MULTIPART', 'parts not a list', { ...calls.MULTIPART.answer, parts: {} }],
  ['MULTIPART', 'a part without its url', { ...calls.MULTIPART.answer, parts: [{ partNumber: 1 }] }],
  ['PARTS', 'no uploaded list', { ...calls.PARTS.answer, uploaded: undefined }],
  ['PARTS', 'an uploaded part without its size', { ...calls.PARTS.answer, uploaded: [{ partNumber: 1, etag: '"E"' }] }],
  ['PARTS', 'a part number 0', { ...calls.PARTS.answer, parts: [{ partNumber: 0, url: 'https://b/k' }] }],
  ['COMPLETE', 'no etag', { bucket: 'bucket', key, size: 1 }],
  ['COMPLETE', 'a size as text', { bucket: 'bucket', key, size: '1', etag: '"E"' }],
  ['ABORT', 'a body where none belongs', {}],
  ['VERDICT', 'a verdict it does not know', { key, verdict: 'maybe' }],
  ['VERDICT', 'a reason it does not know', { ...calls.VERDICT.answer, reason: 'Ugly' }],
  ['VERDICT', 'a rejection without its words', { ...calls.VERDICT.answer, message: undefined }],
  [
    'VERDICT',
    'an acceptance without its size',
    { key, verdict: 'accepted', contentType: 'image/png', etag: 'E', judgedAt: '2026-11-28T10:20:01Z' },
  ],
  ['VERDICT', 'pending without the key', { verdict: 'pending' }],
  ['STS', 'a region without oss-', { ...calls.STS.answer, region: 'cn-hangzhou' }],
  ['STS', 'cname false', { ...calls.STS.answer, cname: false }],
  ['STS', 'no serverTime', { ...calls.STS.answer, serverTime: undefined }],
  ['STS', 'content types not strings', { ...calls.STS.answer, allowedContentTypes: [1] }],
];

test.each(malformed)('%s answered with %s: an UploadError at the call, naming the method', async (method, _name, answer) => {
  answerWith(answer, 200);
  const error: unknown = await callFunction(options, calls[method].request).catch((thrown: unknown) => thrown);
  expect(error).toBeInstanceOf(UploadError);
  expect(error).toMatchObject({ code: 'Failed', message: expect.stringContaining(`answered ${method} with something other than`) });
});

test('a 200 whose body is not JSON is an UploadError too', async () => {
  answering = { status: 200, body: '<html>proxy</html>' };
  await expect(callFunction(options, calls.PARTS.request)).rejects.toMatchObject({ name: 'UploadError', code: 'Failed' });
});

test("an error answer is the function's error, not a shape problem", async () => {
  answerWith({ error: { code: 'NoSuchUpload', message: 'the upload does not exist' } }, 404);
  await expect(callFunction(options, calls.PARTS.request)).rejects.toMatchObject({ code: 'Refused', serviceCode: 'NoSuchUpload' });
});

test('a shape table entry per method, each checking every field of its answer', () => {
  expect(Object.keys(ANSWER_SHAPES).sort()).toEqual([...methods].sort());
  // Dropping any one field of a valid answer fails its check.
  for (const method of methods) {
    const answer = calls[method].answer;
    if (answer === undefined) continue;
    for (const field of Object.keys(answer)) {
      const { [field]: _dropped, ...rest } = answer as unknown as Record<string, unknown>;
      expect([method, field, isAnswerTo(method, rest)]).toEqual([method, field, false]);
    }
  }
});

// Type checks: `npm run typecheck` compiles these; they never run.
export async function typedCalls(): Promise<unknown[]> {
  const put: SignedPut = await callFunction(options, { method: 'PUT', filename: 'a.png', contentType: 'image/png', size: 1 });
  const sts: StsTokenAnswer = await callFunction(options, { method: 'STS' });
  const either = await callFunction(options, { method: Math.random() > 0.5 ? 'PUT' : 'POST', filename: 'a', contentType: 'b', size: 1 });
  const formOrHeaders = either.method === 'POST' ? either.fields : either.headers;
  // @ts-expect-error a PUT names its size
  await callFunction(options, { method: 'PUT', filename: 'a.png', contentType: 'image/png' });
  // @ts-expect-error PARTS answers part URLs, not a completed object
  const completed: MultipartCompleted = await callFunction(options, { method: 'PARTS', key, uploadId: 'ID1', partNumbers: [] });
  // @ts-expect-error no such method
  await callFunction(options, { method: 'GET' });
  return [put, sts, formOrHeaders, completed];
}
