/**
 * Property-based fuzzing of sign-url's multipart steps against the OSS emulator: arbitrary methods, keys (another
 * user's real key, near misses of one's own, garbage), upload ids, part numbers, part lists and sizes. Always a
 * documented answer, never a 500, and nothing ever happens to another user's upload. FUZZ_RUNS sets the case count.
 */
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { signUrlFunction } from '../../functions/sign-url/sign-upload';
import { staticAccounts } from '../../local/emulator-accounts';
import { startOssEmulator, type RunningOssEmulator } from '../../local/oss-emulator';
import { createFcHandler, type FcHandler } from '../../shared/edge/handler';
import type { LogWriter, RequestLogLine } from '../../shared/edge/log';
import { baseEnv } from '../support/env';
import { fcEvent, type FcResponse } from '../support/fc-event';
import { registerAnswer, registerIssued } from '../support/log-capture';
import { hsToken } from '../support/tokens';
import { ossUploadIdOf } from '../support/upload-handle';

const hex32 = fc.string({ unit: fc.constantFrom(...'0123456789ABCDEF'), minLength: 32, maxLength: 32 });
const RUNS = Math.max(100, Math.floor(Number(process.env['FUZZ_RUNS'] ?? 1000) / 2));
const DOCUMENTED = new Set([200, 204, 400, 403, 404, 409, 413]);
const signer = { accessKeyId: 'LTAI-fuzz-multipart', accessKeySecret: 'fuzz-multipart-secret' };
registerIssued(signer.accessKeySecret);

let oss: RunningOssEmulator;
let handler: FcHandler;
const serverErrors: RequestLogLine[] = [];
let logged = 0;
const log: LogWriter = (line) => {
  logged += 1;
  if (line.status >= 500) serverErrors.push(line);
};
const tokens: Record<string, string> = {};
interface Real {
  key: string;
  uploadId: string;
  etag: string;
}
const real: Record<'alice' | 'bob', Real[]> = { alice: [], bob: [] };
const granted = { count: 0 };

async function call(user: 'alice' | 'bob', body: unknown): Promise<FcResponse> {
  return await handler(
    fcEvent({ headers: { authorization: `Bearer ${tokens[user]!}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    {},
  );
}

beforeAll(async () => {
  oss = await startOssEmulator({ bucket: 'uploads-bucket', region: 'cn-hangzhou', credentials: staticAccounts([signer]) });
  const env = baseEnv({
    MAX_UPLOAD_BYTES: String(12 * 1024 * 1024),
    // Every granted MULTIPART leaves an upload: the bound would soon refuse them all (it has tests of its own).
    MAX_OPEN_UPLOADS_PER_USER: '1000',
    OSS_ENDPOINT: oss.url,
    ALIBABA_CLOUD_ACCESS_KEY_ID: signer.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: signer.accessKeySecret,
  });
  handler = createFcHandler(signUrlFunction, { env, log });
  for (const user of ['alice', 'bob'] as const) {
    tokens[user] = await hsToken({ sub: user }, { expiresIn: '1h' });
    for (let i = 0; i < 3; i += 1) {
      const started = JSON.parse(
        (await call(user, { method: 'MULTIPART', filename: 'a.png', contentType: 'image/png', size: 100 })).body,
      ) as {
        key: string;
        uploadId: string;
        parts: Array<{ url: string }>;
      };
      registerAnswer({ url: started.parts[0]!.url });
      const put = await fetch(started.parts[0]!.url, { method: 'PUT', body: new Uint8Array(randomBytes(100)) });
      real[user].push({ key: started.key, uploadId: started.uploadId, etag: put.headers.get('etag')! });
    }
  }
  logged = 0;
});
afterAll(() => oss.close());

const anyReal = (): fc.Arbitrary<Real> => fc.constantFrom(...real.alice, ...real.bob);
const key = fc.oneof(
  fc.constant(null).chain(() => anyReal().map((r) => r.key)),
  fc.constant(null).chain(() => anyReal().map((r) => r.key.replace('users/alice/', 'users/bob/').replace('users/bob/', 'users/alice/'))),
  fc.constant(null).chain(() => anyReal().map((r) => `${r.key}x`)),
  fc.constant(null).chain(() => anyReal().map((r) => r.key.toUpperCase())),
  fc.constantFrom(
    'users/alice/',
    'users/alice/../bob/2026/11/AAAAAAAAAAAAAAAAAAAAAA.png',
    'users/alice/sts/x',
    '',
    'users/alice/2026/11/AAAAAAAAAAAAAAAAAAAAAA.png',
  ),
  fc.string({ maxLength: 60 }),
  fc.anything(),
);
const uploadId = fc.oneof(
  fc.constant(null).chain(() => anyReal().map((r) => r.uploadId)),
  // A handle with its declared size or part size changed, or OSS's id alone.
  fc.constant(null).chain(() => anyReal().map((r) => r.uploadId.replace('.100.', '.12582912.'))),
  fc.constant(null).chain(() => anyReal().map((r) => r.uploadId.replace(/\.\d+\.([^.]+)$/, '.1.$1'))),
  fc.constant(null).chain(() => anyReal().map((r) => ossUploadIdOf(r.uploadId))),
  hex32,
  fc.string({ maxLength: 40 }),
  fc.anything(),
);
const partNumber = fc.oneof(fc.integer({ min: -2, max: 12 }), fc.constantFrom(0.5, 10_001, Number.MAX_SAFE_INTEGER, '1', null));
const etag = fc.oneof(
  fc.constant(null).chain(() => anyReal().map((r) => r.etag)),
  hex32,
  fc.string({ maxLength: 20 }),
);
const body = fc.record(
  {
    method: fc.constantFrom('MULTIPART', 'PARTS', 'COMPLETE', 'ABORT', 'PARTS', 'COMPLETE'),
    filename: fc.constantFrom('a.png', 'b.pdf', '../x.png', ''),
    contentType: fc.constantFrom('image/png', 'application/pdf', 'text/html'),
    size: fc.oneof(fc.integer({ min: -5, max: 13 * 1024 * 1024 }), fc.constantFrom(0.5, 100, '100')),
    key,
    uploadId,
    partNumbers: fc.oneof(fc.array(partNumber, { maxLength: 6 }), fc.anything()),
    parts: fc.oneof(fc.array(fc.record({ partNumber, etag }), { maxLength: 5 }), fc.anything()),
  },
  { requiredKeys: ['method'] },
);

/** Half the cases are well-formed steps on alice's own uploads (varied a little), so the granted path is exercised. */
const coherent = fc
  .record({
    method: fc.constantFrom('PARTS', 'PARTS', 'ABORT', 'COMPLETE', 'MULTIPART'),
    own: fc.nat(2),
    partNumbers: fc.constantFrom([], [1], [2, 1], [3]),
    size: fc.constantFrom(100, undefined),
  })
  .map(({ method, own, partNumbers, size }) => {
    const upload = real.alice[own]!;
    if (method === 'MULTIPART') return { method, filename: 'a.png', contentType: 'image/png', size: size ?? 10 };
    return {
      method,
      key: upload.key,
      uploadId: upload.uploadId,
      partNumbers,
      parts: [{ partNumber: 1, etag: upload.etag }],
      ...(size === undefined ? {} : { size }),
    };
  });

test(`multipart steps: ${RUNS} arbitrary requests from alice, always a documented answer, never acting on bob's uploads`, async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(body, coherent), async (request) => {
      const response = await call('alice', request);
      expect(DOCUMENTED.has(response.statusCode)).toBe(true);
      expect(response.headers['Cache-Control']).toBe('no-store');
      if (response.statusCode === 204) return void expect(response.body).toBe('');
      const answer = JSON.parse(response.body) as Record<string, unknown>;
      registerAnswer(answer);
      for (const part of (answer['parts'] as unknown[] | undefined) ?? []) registerAnswer(part);
      if (response.statusCode >= 400)
        return void expect(answer).toEqual({
          error: { code: expect.any(String), message: expect.any(String), ...sizeFields(answer['error']) },
        });
      granted.count += 1;
      if (answer['key'] !== undefined) expect(String(answer['key'])).toMatch(/^users\/alice\/\d{4}\/\d{2}\/[A-Za-z0-9_-]{22}\.(png|pdf)$/);
      if (request.method !== 'MULTIPART') expect(String(request.key)).toMatch(/^users\/alice\//);
    }),
    { numRuns: RUNS },
  );
  // Bob's uploads are all still there, untouched, and nothing was stored at his keys.
  for (const upload of real.bob) {
    expect(oss.listUploads().find((listed) => listed.uploadId === ossUploadIdOf(upload.uploadId))?.partNumbers).toEqual([1]);
    expect(oss.getObject(upload.key)).toBeUndefined();
  }
}, 600_000);

test('the property was exercised, and no 500 was logged', () => {
  expect(granted.count).toBeGreaterThan(RUNS * 0.02);
  expect(logged).toBe(RUNS);
  expect(serverErrors).toEqual([]);
});

/** The exact byte counts a size error may carry beside its message (`size`, `maxBytes`): numbers, nothing else. */
function sizeFields(error: unknown): Record<string, unknown> {
  const present = ['size', 'maxBytes'].filter((name) => typeof error === 'object' && error !== null && name in error);
  return Object.fromEntries(present.map((name) => [name, expect.any(Number)]));
}
