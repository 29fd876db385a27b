/**
 * The official OSS Go SDK against the local stack (`npm start`'s dev stack: the functions behind the FC adapter,
 * the OSS and STS emulators granting what `npm run policies` prints). The SDK is Debian's
 * golang-github-aliyun-aliyun-oss-go-sdk-dev (1.5, V1 signatures), built offline with Debian's Go in GOPATH mode;
 * `npm test` installs both (tools/ensure-test-tools.sh). The probe (test/sdk/go-sdk-probe/main.go, ours) is built
 * into a temporary folder here, fetches its credentials from sts-token by GET in the app-server format, and drives
 * the SDK; what was stored is then read back from the emulator with its MD5.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevStack, type DevStack } from '../../local/dev-stack';
import { LOCAL_BUCKET } from '../../local/local-account';
import { captureOutput } from '../support/log-capture';
import { callFunction, devToken, md5Hex, monthFolder, storedObjects } from '../support/local-stack-client';

/** Debian's tree of Go sources, where golang-github-aliyun-aliyun-oss-go-sdk-dev puts the SDK. */
const DEBIAN_GOPATH = '/usr/share/gocode';
const SDK_PACKAGE = join(DEBIAN_GOPATH, 'src', 'github.com', 'aliyun', 'aliyun-oss-go-sdk', 'oss');

let stack: DevStack;
let buildDir: string;
let probe: string;

beforeAll(async () => {
  // Missing tools fail the suite with the fix, never skip it.
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.status !== 0 || !existsSync(SDK_PACKAGE)) {
    throw new Error(
      'the Go SDK test needs Debian packages golang-go and golang-github-aliyun-aliyun-oss-go-sdk-dev: run tools/ensure-test-tools.sh as root',
    );
  }
  buildDir = mkdtempSync(join(tmpdir(), 'go-sdk-probe-'));
  probe = join(buildDir, 'probe');
  execFileSync('go', ['build', '-o', probe, '.'], {
    cwd: join(__dirname, 'go-sdk-probe'),
    // GOPATH mode against Debian's tree: no module download, nothing fetched.
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: buildDir,
      GOPATH: DEBIAN_GOPATH,
      GO111MODULE: 'off',
      GOCACHE: join(buildDir, 'cache'),
      GOFLAGS: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  stack = await startDevStack({
    port: 0,
    ossPort: 0,
    stsPort: 0,
    // These uploads carry placeholder bytes to test the SDK's transport and our grants; upload-completed would judge
    // (and remove) them, racing the overwrite checks. Its verdicts are tested on their own.
    uploadTriggers: false,
  });
}, 120_000);
afterAll(async () => {
  await stack?.close();
  if (buildDir !== undefined) rmSync(buildDir, { recursive: true, force: true });
});

interface StepResult {
  op: string;
  key?: string;
  ok: boolean;
  status?: number;
  code?: string;
  body?: string;
}

interface ProbeOutput {
  credentials: { ok: boolean; status: number; statusCode: number; expiration: string; stsKey: boolean };
  steps: StepResult[];
}

/**
 * Runs the probe with a scenario on stdin (the bearer token never on the command line); its output goes to the log
 * capture. Asynchronously: the stack serves the probe from this very process.
 */
async function runProbe(bearer: string, steps: object[]): Promise<ProbeOutput> {
  const scenario = { stsTokenUrl: `${stack.url}/api/sts-token`, bearer, endpoint: stack.oss!.url, bucket: LOCAL_BUCKET, steps };
  const child = spawn(probe, [], { env: { PATH: process.env['PATH'] ?? '' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  child.stdin.end(JSON.stringify(scenario));
  const status = await exited;
  clearTimeout(timer);
  captureOutput(stdout + stderr);
  if (status !== 0) throw new Error(`the Go probe failed (${status}): ${stderr}`);
  const [credentials, ...rest] = stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { credentials: credentials as unknown as ProbeOutput['credentials'], steps: rest as unknown as StepResult[] };
}

const b64 = (bytes: Buffer): string => bytes.toString('base64');

test('STS credentials (GET ?format=app-server): PutObject, multipart and UploadFile store their bytes; outside the STS folder, another user’s folder, a read and an overwrite are refused', async () => {
  const user = 'gopher';
  const token = await devToken(stack, user);
  const folder = monthFolder(`users/${user}/sts/`);
  const small = randomBytes(2000);
  const parts = randomBytes(250 * 1024);
  const file = randomBytes(350 * 1024);
  const signUrlShaped = `${monthFolder(`users/${user}/`)}AAAAAAAAAAAAAAAAAAAAAA.png`;

  const { credentials, steps } = await runProbe(token, [
    { op: 'put', key: `${folder}go-put.png`, contentType: 'image/png', body: b64(small) },
    { op: 'multipart', key: `${folder}go-multipart.bin`, body: b64(parts), partSize: 100 * 1024 },
    { op: 'uploadFile', key: `${folder}go-uploadfile.bin`, body: b64(file), partSize: 100 * 1024 },
    { op: 'put', key: signUrlShaped, contentType: 'image/png', body: b64(small) },
    { op: 'multipart', key: `users/${user}/outside.bin`, body: b64(parts), partSize: 100 * 1024 },
    { op: 'put', key: `${monthFolder('users/mallory/sts/')}x.png`, contentType: 'image/png', body: b64(small) },
    { op: 'get', key: `${folder}go-put.png` },
    { op: 'put', key: `${folder}go-put.png`, contentType: 'text/html', body: b64(Buffer.from('<script>alert(1)</script>')) },
  ]);

  expect(credentials).toEqual({
    op: 'credentials',
    ok: true,
    status: 200,
    statusCode: 200,
    expiration: expect.stringMatching(/Z$/),
    stsKey: true,
  });
  expect(steps.map((step) => [step.op, step.ok, step.status, step.code ?? ''])).toEqual([
    ['put', true, 200, ''],
    ['multipart', true, 200, ''],
    ['uploadFile', true, 200, ''],
    ['put', false, 403, 'AccessDenied'],
    ['multipart', false, 403, 'AccessDenied'],
    ['put', false, 403, 'AccessDenied'],
    ['get', false, 403, 'AccessDenied'],
    ['put', false, 409, 'FileAlreadyExists'],
  ]);
  expect(steps[6]!.body ?? '').toBe('');

  expect(await storedObjects(stack, `users/${user}/`)).toEqual([
    { key: `${folder}go-multipart.bin`, size: parts.length, contentType: 'application/octet-stream', md5: md5Hex(parts) },
    { key: `${folder}go-put.png`, size: small.length, contentType: 'image/png', md5: md5Hex(small) },
    { key: `${folder}go-uploadfile.bin`, size: file.length, contentType: 'application/octet-stream', md5: md5Hex(file) },
  ]);
  expect(await storedObjects(stack, 'users/mallory/')).toEqual([]);
  // Nothing left half-done: every multipart upload completed or was refused before it began.
  expect(stack.oss!.listUploads().filter((upload) => upload.key.startsWith(`users/${user}/`))).toEqual([]);
});

test('a signed PUT URL from sign-url, sent with net/http and exactly its headers: stored byte for byte; another size, another type or a second use refused', async () => {
  const user = 'gopher-put';
  const token = await devToken(stack, user);
  const bytes = randomBytes(5000);
  const signed = await callFunction(stack, 'sign-url', token, { filename: 'photo.png', contentType: 'image/png', size: bytes.length });
  expect(signed.status).toBe(200);
  const { url, headers, key } = signed.answer as { url: string; headers: Record<string, string>; key: string };
  const put = { op: 'signedPut', url, headers, body: b64(bytes) };

  const { steps } = await runProbe(token, [
    { ...put, contentLength: bytes.length + 1 },
    { ...put, contentLength: bytes.length - 1 },
    { ...put, headers: { ...headers, 'Content-Type': 'text/html' } },
    { ...put, headers: Object.fromEntries(Object.entries(headers).filter(([name]) => name !== 'Content-Disposition')) },
    put,
    put,
  ]);
  expect(steps.map((step) => [step.ok, step.status, step.code ?? ''])).toEqual([
    [false, 403, 'SignatureDoesNotMatch'],
    [false, 403, 'SignatureDoesNotMatch'],
    [false, 403, 'SignatureDoesNotMatch'],
    [false, 403, 'SignatureDoesNotMatch'],
    [true, 200, ''],
    [false, 409, 'FileAlreadyExists'],
  ]);
  expect(await storedObjects(stack, `users/${user}/`)).toEqual([{ key, size: bytes.length, contentType: 'image/png', md5: md5Hex(bytes) }]);
});

test('a signed PUT URL from a file: net/http sends an *os.File chunked (refused: the size is signed) unless given its ContentLength', async () => {
  const user = 'gopher-file';
  const token = await devToken(stack, user);
  const bytes = randomBytes(3000);
  const signed = await callFunction(stack, 'sign-url', token, { filename: 'scan.pdf', contentType: 'application/pdf', size: bytes.length });
  const { url, headers, key } = signed.answer as { url: string; headers: Record<string, string>; key: string };
  const { steps } = await runProbe(token, [
    { op: 'signedPutFile', url, headers, body: b64(bytes) },
    { op: 'signedPutFile', url, headers, body: b64(bytes), setLength: true },
  ]);
  expect(steps.map((step) => [step.ok, step.status, step.code ?? ''])).toEqual([
    [false, 403, 'SignatureDoesNotMatch'],
    [true, 200, ''],
  ]);
  expect(await storedObjects(stack, `users/${user}/`)).toEqual([
    { key, size: bytes.length, contentType: 'application/pdf', md5: md5Hex(bytes) },
  ]);
});

test('credentials refused by sts-token reach the Go client in the app-server error shape: no token, no credentials, no request to OSS', async () => {
  const { credentials, steps } = await runProbe('not-a-token', [{ op: 'put', key: 'users/nobody/sts/x.png', body: b64(Buffer.from('x')) }]);
  expect(credentials).toEqual({ op: 'credentials', ok: false, status: 401, statusCode: 401, expiration: '', stsKey: false });
  expect(steps).toEqual([]);
  expect(await storedObjects(stack, 'users/nobody/')).toEqual([]);
});
