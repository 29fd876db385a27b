/**
 * ali-oss's `refreshSTSToken` with sts-token, on the local stack with the real ali-oss Node client: docs/api.md's
 * snippet (the answer builds the client; the refresh returns its credentials) keeps uploading across refreshes,
 * and returning the whole answer instead breaks the client exactly as docs/api.md warns (ali-oss copies every field
 * it is given into its options, and the answer's `endpoint` string replaces the URL it parsed).
 */
import OSS from 'ali-oss';
import { startDevStack, type DevStack } from '../../local/dev-stack';
import type { StsTokenAnswer } from '../../shared/contract';
import { registerAnswer } from '../support/log-capture';

let stack: DevStack;
beforeAll(async () => {
  // These tests store placeholder bytes to test storage-level protections; upload-completed would remove them.
  stack = await startDevStack({ port: 0, ossPort: 0, stsPort: 0, uploadTriggers: false });
});
afterAll(() => stack.close());

/** What an app does: ask sts-token with the user's token. */
function answerFetcher(user: string): { fetchAnswer: () => Promise<StsTokenAnswer>; calls: () => number } {
  let calls = 0;
  return {
    calls: () => calls,
    fetchAnswer: async () => {
      calls += 1;
      const token = ((await (await fetch(`${stack.url}/api/dev-token?user=${user}`)).json()) as { token: string }).token;
      const response = await fetch(`${stack.url}/api/sts-token`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      });
      const answer = (await response.json()) as StsTokenAnswer;
      registerAnswer({ token, ...answer });
      return answer;
    },
  };
}

test("docs/api.md's snippet: built from the answer, refreshing with the answer's credentials, the client keeps uploading", async () => {
  const { fetchAnswer, calls } = answerFetcher('rita');
  // ---- docs/api.md, sts-token, "With ali-oss" ----
  const answer = await fetchAnswer();
  const client = new OSS({
    ...answer,
    refreshSTSToken: async () => {
      const { accessKeyId, accessKeySecret, stsToken } = await fetchAnswer();
      return { accessKeyId, accessKeySecret, stsToken };
    },
    refreshSTSTokenInterval: 0, // docs/api.md says 5 minutes; 0 makes ali-oss refresh before every request
  });
  // ----
  for (let i = 0; i < 3; i += 1) await client.put(`${answer.prefix}2026/11/file-${i}.bin`, Buffer.from(`upload ${i}`));
  await client.multipartUpload(`${answer.prefix}2026/11/big.bin`, Buffer.alloc(250 * 1024, 7), { partSize: 100 * 1024 });
  expect(calls()).toBeGreaterThanOrEqual(7); // the first answer, then a refresh before each request
  expect(stack.oss!.getObject(`${answer.prefix}2026/11/file-2.bin`)?.body.toString()).toBe('upload 2');
  expect(stack.oss!.getObject(`${answer.prefix}2026/11/big.bin`)?.body.length).toBe(250 * 1024);
});

test('returning the whole answer from refreshSTSToken breaks ali-oss at its first refresh (why docs/api.md says not to)', async () => {
  const { fetchAnswer, calls } = answerFetcher('sam');
  const answer = await fetchAnswer();
  const client = new OSS({ ...answer, refreshSTSToken: fetchAnswer, refreshSTSTokenInterval: 0, timeout: 3000 });
  let failure: { code?: unknown; name?: unknown; message?: unknown } | undefined;
  try {
    await client.put(`${answer.prefix}refreshed.bin`, Buffer.from('after the refresh'));
  } catch (error) {
    failure = error as { code?: unknown; name?: unknown; message?: unknown };
  }
  expect(calls()).toBe(2); // the refresh happened
  // The request never reaches OSS: its URL lost its host when `endpoint` became a string again (`http:///users/…`).
  expect(failure).toBeDefined();
  expect(String(failure?.message)).toMatch(/ENOTFOUND/);
  expect(typeof (client as unknown as { options: { endpoint: unknown } }).options.endpoint).toBe('string');
  expect(stack.oss!.getObject(`${answer.prefix}refreshed.bin`)).toBeUndefined();
});
