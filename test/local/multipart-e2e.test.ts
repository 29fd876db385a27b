/**
 * Multipart uploads end to end through the local stack as `npm start` runs it (sign-url behind the FC adapter
 * with its role's credentials from the STS emulator, the OSS emulator granting that role exactly what the
 * manifest says): 50 MB in parts arrives intact, a completed key is final, no STS call is made on the way, and an
 * upload declared small cannot park more: its part URL takes exactly the declared bytes and PARTS signs no part
 * beyond the declared count.
 */
import { createHash, randomBytes } from 'node:crypto';
import { startDevStack, type DevStack } from '../../local/dev-stack';
import type { CallMethod, MultipartStarted } from '../../shared/contract';
import { isAnswerTo } from '../../web/answer-shapes';
import { registerAnswer } from '../support/log-capture';

const MAX_UPLOAD_BYTES = 52_000_000;
let stack: DevStack;
let token: string;

beforeAll(async () => {
  stack = await startDevStack({ port: 0, ossPort: 0, stsPort: 0, env: { MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) } });
  const answer = (await (await fetch(`${stack.url}/api/dev-token?user=martha`)).json()) as { token: string };
  registerAnswer(answer);
  token = answer.token;
});
afterAll(() => stack.close());

async function signUrl(body: object): Promise<{ status: number; answer: Record<string, unknown> }> {
  const response = await fetch(`${stack.url}/api/sign-url`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const answer = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  registerAnswer(answer);
  for (const part of (answer['parts'] as unknown[] | undefined) ?? []) registerAnswer(part);
  // Every answer the function gives has the shape the browser client checks it against (web/answer-shapes.ts).
  const method = (body as { method?: CallMethod }).method ?? 'PUT';
  if (response.ok) expect([method, isAnswerTo(method, text === '' ? undefined : answer)]).toEqual([method, true]);
  return { status: response.status, answer };
}

async function putPart(url: string, body: Buffer): Promise<string> {
  const response = await fetch(url, { method: 'PUT', body: new Uint8Array(body) });
  expect(response.status).toBe(200);
  return response.headers.get('etag')!;
}

const md5 = (data: Buffer): string => createHash('md5').update(data).digest('hex');

test('50 MB in parts, four at a time: the object is the source byte for byte, and STS is never called', async () => {
  await signUrl({ filename: 'warm.png', contentType: 'image/png', size: 1 }); // the function role's own credentials, once
  const stsCalls = stack.sts!.assumeRoleCalls();
  // A PDF by its signature (upload-completed judges it when it lands), then random bytes.
  const source = randomBytes(50_000_000);
  source.write('%PDF-1.7\n', 0, 'latin1');
  const { status, answer } = await signUrl({
    method: 'MULTIPART',
    filename: 'film.pdf',
    contentType: 'application/pdf',
    size: source.length,
  });
  expect(status).toBe(200);
  const started = answer as unknown as MultipartStarted;
  expect([started.partSize, started.partCount, started.parts.length]).toEqual([5 * 1024 * 1024, 10, 10]);

  const etags: string[] = [];
  const queue = [...started.parts];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let part = queue.shift(); part !== undefined; part = queue.shift()) {
        const start = (part.partNumber - 1) * started.partSize;
        etags[part.partNumber - 1] = await putPart(part.url, source.subarray(start, start + started.partSize));
      }
    }),
  );
  const completed = await signUrl({
    method: 'COMPLETE',
    key: started.key,
    uploadId: started.uploadId,
    parts: etags.map((etag, index) => ({ partNumber: index + 1, etag })),
    size: source.length,
  });
  expect(completed).toEqual({
    status: 200,
    answer: { bucket: 'local-uploads', key: started.key, profile: 'default', size: source.length, etag: expect.stringMatching(/-10"$/) },
  });
  const stored = stack.oss!.getObject(started.key)!;
  expect([md5(stored.body), stored.contentType]).toEqual([md5(source), 'application/pdf']);
  // Stored like every sign-url upload: downloaded rather than rendered from the bucket's origin.
  expect(stored.headers['content-disposition']).toBe('attachment');
  expect(stack.sts!.assumeRoleCalls()).toBe(stsCalls);

  // A completed key is final: never completed again, its part URLs dead, and nothing can start over it.
  const again = await signUrl({
    method: 'COMPLETE',
    key: started.key,
    uploadId: started.uploadId,
    parts: [{ partNumber: 1, etag: etags[0] }],
  });
  expect([again.status, (again.answer['error'] as { code: string }).code]).toEqual([404, 'NoSuchUpload']);
  const late = await fetch(started.parts[0]!.url, { method: 'PUT', body: new Uint8Array(started.partSize) });
  expect(late.status).toBe(404);
  expect(md5(stack.oss!.getObject(started.key)!.body)).toBe(md5(source));
});

test('an upload declared as 1 byte parks no more: its part URL refuses 5 MiB, PARTS signs no part 2', async () => {
  const { answer } = await signUrl({ method: 'MULTIPART', filename: 'tiny.png', contentType: 'image/png', size: 1 });
  const started = answer as unknown as MultipartStarted;
  expect([started.partCount, started.parts.map((part) => part.partNumber)]).toEqual([1, [1]]);
  const refused = await fetch(started.parts[0]!.url, { method: 'PUT', body: new Uint8Array(randomBytes(5 * 1024 * 1024)) });
  expect([refused.status, /<Code>(\w+)<\/Code>/.exec(await refused.text())?.[1]]).toEqual([403, 'SignatureDoesNotMatch']);
  const more = await signUrl({ method: 'PARTS', key: started.key, uploadId: started.uploadId, partNumbers: [2, 3, 32] });
  expect([more.status, (more.answer['error'] as { code: string }).code]).toEqual([400, 'InvalidPartNumber']);
  expect(stack.oss!.listUploads().find((upload) => started.uploadId.startsWith(`${upload.uploadId}.`))?.partNumbers).toEqual([]);
  // The one byte it declared goes up, and completes.
  const etag = await putPart(started.parts[0]!.url, Buffer.from([0x89]));
  const completed = await signUrl({ method: 'COMPLETE', key: started.key, uploadId: started.uploadId, parts: [{ partNumber: 1, etag }] });
  expect(completed.status).toBe(200);
});
