/**
 * The built upload-completed bundle (`npm run build` first) signs its webhooks with node:crypto: the
 * `standardwebhooks` package (a devDependency, for the local receiver and the tests) is not in it, and the bundle,
 * run alone in a bare folder on one OSS event against the OSS emulator, delivers a webhook the package verifies.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { samplePng } from '../../../local/sample-files';
import type { UploadWebhook } from '../../../shared/contract';
import { buildOssEvent } from '../../../shared/edge/oss-event';
import { copyBuiltFunction } from '../../support/built-function';
import {
  BUCKET,
  ROLE_KEYS,
  WEBHOOK_SECRET,
  startReceiver,
  startStorage,
  type Receiver,
  type Storage,
} from '../../support/upload-completed';

const root = join(__dirname, '..', '..', '..');
const bundle = join(root, 'dist', 'upload-completed', 'index.js');

/** Text only the package (or the base64 module it carries) has; each is checked against the package's own files. */
const PACKAGE_MARKERS = [
  { file: 'standardwebhooks/dist/index.js', text: 'WebhookVerificationError' },
  { file: 'standardwebhooks/dist/index.js', text: 'ExtendableError' },
  { file: 'standardwebhooks/dist/index.js', text: "Secret can't be empty." },
  { file: 'standardwebhooks/dist/index.js', text: 'Expected secret to be of type string' },
  { file: '@stablelib/base64/lib/base64.js', text: 'Base64Coder: incorrect characters for decoding' },
];

test.each(PACKAGE_MARKERS)('the bundle does not carry the package: no "$text"', ({ file, text }) => {
  expect(readFileSync(require.resolve(file), 'utf8')).toContain(text);
  // The control: the dev server's bundle, whose receiver verifies with the package, keeps the text through minifying.
  expect(readFileSync(join(root, 'dist', 'local', 'server.js'), 'utf8')).toContain(text);
  expect(readFileSync(bundle, 'utf8')).not.toContain(text);
});

let storage: Storage;
let receiver: Receiver;
beforeAll(async () => {
  [storage, receiver] = await Promise.all([startStorage(), startReceiver()]);
});
afterAll(async () => {
  await Promise.all([storage.close(), receiver.close()]);
});

test('the built function alone (no node_modules) judges one event and its webhook verifies with the package', async () => {
  const key = 'users/alice/2026/11/bundle.png';
  const etag = await storage.put(key, samplePng(2000), 'image/png');
  const folder = copyBuiltFunction('upload-completed');
  const event = buildOssEvent({ bucket: BUCKET, key, size: 2000, eTag: etag });
  writeFileSync(
    join(folder, 'input.json'),
    JSON.stringify({ event: event.toString('base64'), context: { requestId: 'bundle', credentials: ROLE_KEYS } }),
  );
  writeFileSync(
    join(folder, 'run.js'),
    `const { handler } = require('./index.js');
     const input = require('./input.json');
     handler(Buffer.from(input.event, 'base64'), input.context).then((result) => require('fs').writeFileSync('result.json', JSON.stringify(result)));`,
  );
  await promisify(execFile)(process.execPath, ['run.js'], {
    cwd: folder,
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_PATH: '',
      OSS_BUCKET: BUCKET,
      OSS_REGION: 'cn-hangzhou',
      OSS_ENDPOINT: storage.oss.url,
      UPLOAD_WEBHOOK_URL: receiver.url,
      UPLOAD_WEBHOOK_SECRET: WEBHOOK_SECRET,
    },
  });
  expect(JSON.parse(readFileSync(join(folder, 'result.json'), 'utf8'))).toEqual({ handled: 1, skipped: 0 });
  expect(receiver.deliveries).toHaveLength(1);
  const [delivery] = receiver.deliveries;
  const message = new Webhook(WEBHOOK_SECRET).verify(delivery!.body, delivery!.headers as Record<string, string>) as UploadWebhook;
  expect(message).toMatchObject({ type: 'upload.completed', data: { bucket: BUCKET, key, user: 'alice', size: 2000 } });
}, 30_000);
