/**
 * `npm run bench [-- --quick] [-- --only=cold,warm,burst,load,verdict,quota]`: cold start (against the empty handler
 * and against a vendor-sample-style peer), warm cost per request, STS calls under a burst, bundle sizes, local-server
 * throughput, a mixed load, how soon the uploader learns the verdict (Chromium, the packaged client, the local
 * stack), and what a profile's quota costs a grant, each beside its floor or target measured in the same run on this
 * machine. Writes bench/results.json and
 * prints a table. `--quick` runs every measurement briefly (npm test runs it); `--only` runs some sections (the
 * table then lacks the others).
 */
import autocannon from 'autocannon';
import { execFileSync, spawn } from 'node:child_process';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { jwtVerify } from 'jose';
import { FUNCTIONS } from '../functions/registry';
import { startDevStack } from '../local/dev-stack';
import { signUrlManifest } from '../functions/sign-url/manifest';
import { signUrlFunction } from '../functions/sign-url/sign-upload';
import { samplePdf } from '../local/sample-files';
import { createFcHandler } from '../shared/edge/handler';
import { MAX_COUNTED_OBJECTS } from '../shared/upload/quota';
import { serialiseUsageRecord, usageRecordKey } from '../shared/upload/usage-record';
import { CHROMIUM_PATH, launchChromium } from './chromium';
import { caller, invocationContext, JWT_SECRET, startFunctionFixtures } from './function-fixtures';

const quick = process.argv.includes('--quick');
const SECTIONS = ['cold', 'warm', 'burst', 'load', 'verdict', 'quota'] as const;
const only = process.argv
  .find((arg) => arg.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
if (only?.some((name) => !(SECTIONS as readonly string[]).includes(name))) throw new Error(`--only takes ${SECTIONS.join(',')}`);
const wanted = (section: (typeof SECTIONS)[number]): boolean => only === undefined || only.includes(section);
const root = resolve(__dirname, '..', '..');

interface Row {
  measure: string;
  /** A measure, or why there is none (`peer not installed`). */
  value: number | string;
  floor: number;
  unit: string;
  ratio: number | null;
  /** `≤`: the ratio must not exceed the target; `≥`: it must reach it; `=`: the value must equal it. */
  comparison: '≤' | '≥' | '=';
  target: number | null;
  ok: boolean | null;
}
const rows: Row[] = [];
const extras: Record<string, unknown> = {};

/** A ratio to its floor, at most `target` (none: shown without a target). */
function record(measure: string, value: number, floor: number, unit: string, target: number | null): void {
  const ratio = floor === 0 ? 0 : value / floor;
  rows.push({
    measure,
    value: round(value),
    floor: round(floor),
    unit,
    ratio: roundRatio(ratio),
    comparison: '≤',
    target,
    ok: target === null ? null : ratio <= target,
  });
}
const round = (n: number): number => Math.round(n * 100) / 100;
/** Three decimals, so that a ratio just over its target never shows as equal to it. */
const roundRatio = (n: number): number => Math.round(n * 1000) / 1000;
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Cold-start targets, as ratios to the empty handler; every function of the registry must have one. */
const COLD_START_TARGETS: Readonly<Record<string, number | null>> = {
  'sign-url': 1.5,
  // Includes one AssumeRole round trip to the local STS emulator, which the empty handler does not make.
  'sts-token': 2.1,
  // Shown, not targeted: node:http(s) and one InitiateMultipartUpload round trip to OSS.
  'sign-url MULTIPART': null,
  // Shown, not targeted: docs/deploy.md's deployment verifies the identity provider's tokens, with one fetch of its key set.
  'sign-url with AUTH_JWKS_URL': null,
  // Includes a ranged GET of the object from the OSS emulator and a webhook delivery.
  'upload-completed': 2.0,
  // Shown, not targeted: the same request with upload-profiles.example.json bundled, checked against its schema at cold start.
  'sign-url with upload profiles': null,
};

type Handler = (event: Buffer, context: unknown) => Promise<{ statusCode: number }>;

/** sign-url's multipart start: a 100 MiB upload (InitiateMultipartUpload and 20 part URLs). */
const MULTIPART_REQUEST = { method: 'MULTIPART', filename: 'film.png', contentType: 'image/png', size: 100 * 1024 * 1024 };

/** A warm measurement counts only requests that were granted: anything else stops the bench. */
async function answered200(handler: Handler, event: Buffer, context: unknown): Promise<void> {
  const { statusCode } = await handler(event, context);
  if (statusCode !== 200) throw new Error(`a warm request answered ${statusCode}`);
}

/** sign-url bundled as `npm run build` bundles it, but with `profilesFile` in it: into a folder of its own. */
async function bundleWithProfiles(profilesFile: string): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the build's own bundle options and esbuild, as tools/build.mjs uses them
  const { functionBundleOptions } = require('./bundle-options.cjs') as { functionBundleOptions(input: object): object };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as { build(options: object): Promise<unknown> };
  const folder = mkdtempSync(join(tmpdir(), 'bench-profiles-'));
  await esbuild.build(functionBundleOptions({ root, name: 'sign-url', outfile: join(folder, 'index.js'), profilesFile }));
  return join(folder, 'index.js');
}

/**
 * A profile's quota at grant: sign-url reads the user's usage record (what upload-completed last counted) and signs
 * when it says there is room; without one (or when it says there is none) it lists the user's folder of the profile,
 * 1000 keys a page. The same PUT grant with a quota and without, with 0, 1,000 and 10,000 objects in the folder,
 * first with no record, then with the record upload-completed would have written; at 10,000 (the most a quota counts)
 * the user is at the limit, so the grant is refused, after the whole listing even with a record.
 */
async function quotaCost(fixtures: Awaited<ReturnType<typeof startFunctionFixtures>>, iterations: number): Promise<void> {
  const document = {
    counted: {
      contentTypes: ['application/pdf'],
      maxBytes: 1_000_000,
      maxObjectsPerUser: MAX_COUNTED_OBJECTS,
      maxBytesPerUser: 1_073_741_824_000,
    },
    uncounted: { contentTypes: ['application/pdf'], maxBytes: 1_000_000 },
  };
  const handler = createFcHandler(signUrlFunction, {
    env: fixtures.env,
    profilesFile: { name: 'bench-profiles.json', document },
    log: () => undefined,
  });
  const context = fixtures.context('quota');
  const body = samplePdf(300);
  for (const count of [0, 1000, MAX_COUNTED_OBJECTS]) {
    const user = `quota-${count}`;
    for (let i = 0; i < count; i += 1) {
      fixtures.oss.seedObject({
        key: `users/${user}/counted/2026/01/${String(i).padStart(22, '0')}.pdf`,
        body,
        contentType: 'application/pdf',
      });
    }
    const token = await fixtures.tokenFor(user);
    const grant = (profile: string): Buffer =>
      fixtures.httpEvent(token, { profile, filename: 'a.pdf', contentType: 'application/pdf', size: 1000 });
    const [counted, uncounted] = [grant('counted'), grant('uncounted')];
    const expected = count < MAX_COUNTED_OBJECTS ? 200 : 409;
    const floor = await microseconds(() => handler(uncounted, context), iterations);
    const pages = Math.max(1, Math.ceil(count / 1000));
    const at = `${count.toLocaleString('en')} objects in the user's folder`;
    const refused = expected === 409 ? '; at the limit: 409' : '';
    for (const withRecord of [false, true]) {
      if (withRecord) {
        const usage = serialiseUsageRecord({ objects: count, bytes: count * body.length }, new Date());
        fixtures.oss.seedObject({
          key: usageRecordKey({ before: 'users/' }, user, 'counted'),
          body: usage,
          contentType: 'application/json',
        });
      }
      const status = (await handler(counted, context)).statusCode;
      if (status !== expected) throw new Error(`the quota grant with ${count} objects answered ${status}, not ${expected}`);
      const how = withRecord
        ? `the usage record read (1 GetObject${expected === 409 ? `, then ${pages} ListObjects pages to confirm the refusal` : ''})`
        : `no usage record: ${pages} ListObjects page${pages === 1 ? '' : 's'}`;
      record(
        `grant with a quota, sign-url PUT, ${at}, ${how}${refused} (local OSS emulator); floor: no quota`,
        await microseconds(
          () => handler(counted, context),
          Math.max(10, Math.floor(iterations / (withRecord && expected === 200 ? 1 : pages))),
        ),
        floor,
        'µs/request',
        null,
      );
    }
  }
}

/** A fresh copy of a bundle's module state, as a new FC instance would have. */
function loadFresh(path: string): Handler {
  delete require.cache[require.resolve(path)];
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh instance needs the require cache
  return (require(path) as { handler: Handler }).handler;
}

/**
 * The peer: handlers written the way Alibaba Cloud's samples are (the full ali-oss client, the current STS SDK on
 * openapi-core, jsonwebtoken; unbundled, node_modules beside them), doing the same job on the same event. Their
 * sources and pinned versions (with a lockfile) are in tools/bench-peer/; the bench installs them into bench/peer/
 * (ignored by git) and reuses that install while the pins are unchanged.
 */
const PEER_SOURCE = join(root, 'tools', 'bench-peer');
const PEER_DIR = join(root, 'bench', 'peer');
/** How many times faster than its peer a function's cold start must be. */
const PEER_TARGETS: Readonly<Record<string, number>> = { 'sign-url': 3.5, 'sts-token': 2.5 };

function peerStamp(): string {
  return createHash('sha256')
    .update(readFileSync(join(PEER_SOURCE, 'package.json')))
    .update(readFileSync(join(PEER_SOURCE, 'package-lock.json')))
    .digest('hex');
}

/** The peer's folder, installed now if needed and allowed; undefined when it is not installed. */
function preparePeer(install: boolean): string | undefined {
  const stampFile = join(PEER_DIR, '.installed');
  const installed = existsSync(stampFile) && readFileSync(stampFile, 'utf8') === peerStamp();
  if (!installed) {
    if (!install) return undefined;
    rmSync(PEER_DIR, { recursive: true, force: true });
    mkdirSync(PEER_DIR, { recursive: true });
    for (const file of ['package.json', 'package-lock.json']) cpSync(join(PEER_SOURCE, file), join(PEER_DIR, file));
    console.error('bench: installing the vendor-style peer into bench/peer/ (once; reused while its pins are unchanged)');
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], { cwd: PEER_DIR, stdio: 'inherit' });
    writeFileSync(stampFile, peerStamp());
  }
  for (const name of Object.keys(PEER_TARGETS)) cpSync(join(PEER_SOURCE, `${name}.cjs`), join(PEER_DIR, `${name}.cjs`));
  return PEER_DIR;
}

/**
 * What a cold-started child sees: PATH and the functions' variables, nothing of this shell. In particular no
 * NODE_EXTRA_CA_CERTS (FC does not set it, and loading it adds ~85 ms to every node start, flattering every ratio)
 * and no NODE_OPTIONS.
 */
function childEnv(env: Record<string, string>): Record<string, string> {
  const result = { PATH: process.env['PATH'] ?? '', ...env };
  const inherited = Object.keys(result).filter((name) => name.startsWith('NODE_'));
  if (inherited.length > 0) throw new Error(`cold starts must not see ${inherited.join(', ')}`);
  return result;
}

/** A copy of a handler where no node_modules can be found; of a bundle, its whole folder. */
function bareCopy(modulePath: string, what: 'file' | 'folder'): string {
  const folder = mkdtempSync(join(tmpdir(), 'bench-cold-'));
  cpSync(what === 'folder' ? dirname(modulePath) : modulePath, what === 'folder' ? folder : join(folder, basename(modulePath)), {
    recursive: true,
  });
  return join(folder, basename(modulePath));
}

interface ColdRun {
  wallMs: number;
  /** Inside the child: requiring the bundle (its top level), then answering the one event. */
  loadMs: number;
  answerMs: number;
  maxRssKb: number;
  status: number;
}

/** What one cold-start row measures: a bundle answering one event in a fresh node, beside the empty handler. */
interface ColdStartCase {
  /** The row's name; COLD_START_TARGETS holds its target. */
  name: string;
  /** The bundle's index.js; its whole folder is copied where no node_modules can be found. */
  bundle: string;
  event: Buffer;
  env: Record<string, string>;
  runs: number;
  /** The vendor-style peer doing the same job, when this row is compared with one. */
  peer?: { dir: string | undefined; target: number };
}

/** One fresh node loading `path` and handling the event, as FC's runtime would (cold-start-harness.cjs). */
function coldRun(path: string, input: { event: Buffer; env: Record<string, string> }): Promise<ColdRun> {
  const context = Buffer.from(JSON.stringify(invocationContext('cold'))).toString('base64');
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [join(root, 'tools', 'cold-start-harness.cjs'), path, input.event.toString('base64'), context], {
      env: childEnv(input.env),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => void (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', () => {
      try {
        const result = JSON.parse(output) as { loadMs: number; answerMs: number; maxRssKb: number; status: number };
        resolvePromise({
          wallMs: performance.now() - started,
          loadMs: result.loadMs,
          answerMs: result.answerMs,
          maxRssKb: result.maxRssKb,
          status: result.status,
        });
      } catch {
        reject(new Error(`${path} did not answer: ${output.slice(0, 500)}`));
      }
    });
  });
}

/** The empty handler, the bundle and the peer, run in turn `runs` times, so drift in the machine's load touches all alike. */
async function interleavedColdRuns(
  paths: { floor: string; target: string; peer: string | undefined },
  input: ColdStartCase,
): Promise<{ floor: ColdRun[]; target: ColdRun[]; peer: ColdRun[] }> {
  const runs = { floor: [] as ColdRun[], target: [] as ColdRun[], peer: [] as ColdRun[] };
  for (let i = 0; i < input.runs; i += 1) {
    runs.floor.push(await coldRun(paths.floor, input));
    runs.target.push(await coldRun(paths.target, input));
    if (paths.peer !== undefined) runs.peer.push(await coldRun(paths.peer, input));
  }
  for (const run of [...runs.target, ...runs.peer])
    if (run.status !== 200) throw new Error(`${input.name} cold start answered ${run.status}`);
  return runs;
}

const medianWallMs = (list: readonly ColdRun[]): number => median(list.map((run) => run.wallMs));
const medianRssMiB = (list: readonly ColdRun[]): number => median(list.map((run) => run.maxRssKb)) / 1024;

async function coldStart(input: ColdStartCase): Promise<void> {
  const targetRatio = COLD_START_TARGETS[input.name];
  if (targetRatio === undefined) throw new Error(`no cold-start target for ${input.name}: add it to COLD_START_TARGETS`);
  const floorPath = bareCopy(join(root, 'tools', 'empty-handler.cjs'), 'file');
  const targetPath = bareCopy(input.bundle, 'folder');
  const peerPath = input.peer?.dir === undefined ? undefined : join(input.peer.dir, `${input.name}.cjs`);
  let runs: { floor: ColdRun[]; target: ColdRun[]; peer: ColdRun[] };
  try {
    runs = await interleavedColdRuns({ floor: floorPath, target: targetPath, peer: peerPath }, input);
  } finally {
    for (const path of [floorPath, targetPath]) rmSync(dirname(path), { recursive: true, force: true });
  }
  record(`cold start ${input.name} (wall, fresh node)`, medianWallMs(runs.target), medianWallMs(runs.floor), 'ms', targetRatio);
  record(`cold start ${input.name} (peak RSS)`, medianRssMiB(runs.target), medianRssMiB(runs.floor), 'MiB', 1.3);
  // Where the time above the floor goes: the bundle's top level, or the first event.
  extras[`cold start ${input.name}: median ms to load the bundle, then to answer`] = {
    load: round(median(runs.target.map((run) => run.loadMs))),
    answer: round(median(runs.target.map((run) => run.answerMs))),
    floorLoad: round(median(runs.floor.map((run) => run.loadMs))),
    floorAnswer: round(median(runs.floor.map((run) => run.answerMs))),
  };
  if (input.peer !== undefined) recordPeer(input.name, { ours: runs.target, peer: runs.peer, target: input.peer.target });
}

/** How many times faster than the peer; said in the table when the peer is not installed, never silently left out. */
function recordPeer(name: string, measured: { ours: ColdRun[]; peer: ColdRun[]; target: number }): void {
  const measure = `cold start ${name}: vendor-style peer / ours (times faster)`;
  const ours = medianWallMs(measured.ours);
  if (measured.peer.length === 0) {
    // A quick run does not install the peer: `npm run bench` does.
    rows.push({
      measure,
      value: 'peer not installed',
      floor: round(ours),
      unit: 'ms',
      ratio: null,
      comparison: '≥',
      target: measured.target,
      ok: null,
    });
    return;
  }
  const ratio = medianWallMs(measured.peer) / ours;
  rows.push({
    measure,
    value: round(medianWallMs(measured.peer)),
    floor: round(ours),
    unit: 'ms',
    ratio: roundRatio(ratio),
    comparison: '≥',
    target: measured.target,
    ok: ratio >= measured.target,
  });
  extras[`peer ${name} peak RSS MiB`] = round(medianRssMiB(measured.peer));
}

/** Median µs per call of 10 timed batches, after an untimed fifth as many calls (warm means compiled and optimised). */
function microseconds(run: () => Promise<unknown> | unknown, iterations: number): Promise<number> {
  return (async () => {
    for (let i = 0; i < Math.ceil(iterations / 5); i += 1) await run();
    const batches: number[] = [];
    const perBatch = Math.max(1, Math.floor(iterations / 10));
    for (let batch = 0; batch < 10; batch += 1) {
      const started = performance.now();
      for (let i = 0; i < perBatch; i += 1) await run();
      batches.push(((performance.now() - started) * 1000) / perBatch);
    }
    return median(batches);
  })();
}

/**
 * The floor of a sign-url request: what every one must do with the parts the project requires, and nothing else:
 * jose verifying the HS256 token (every JWT is verified by jose), and the V4 HMAC chain with node:crypto.
 */
async function cryptoFloor(token: string, key: CryptoKey): Promise<void> {
  await jwtVerify(token, key, { algorithms: ['HS256'] });
  const day = '20261128';
  let signingKey: Buffer = createHmac('sha256', `aliyun_v4${caller.accessKeySecret}`).update(day).digest();
  for (const part of ['cn-hangzhou', 'oss', 'aliyun_v4_request']) signingKey = createHmac('sha256', signingKey).update(part).digest();
  const hash = createHash('sha256').update('canonical request').digest('hex');
  createHmac('sha256', signingKey)
    .update(`OSS4-HMAC-SHA256\n${day}T000000Z\n${day}/cn-hangzhou/oss/aliyun_v4_request\n${hash}`)
    .digest('hex');
}

/** HS256 verification by hand with node:crypto: shown beside jose's, for what the library costs. */
function handHmacVerify(token: string): void {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const expected = createHmac('sha256', JWT_SECRET).update(`${header}.${payload}`).digest();
  if (!timingSafeEqual(expected, Buffer.from(signature, 'base64url'))) throw new Error('bad token');
  JSON.parse(Buffer.from(payload, 'base64url').toString());
}

async function throughput(seconds: number): Promise<void> {
  const bare = createServer((_req, res) => res.writeHead(200).end('ok'));
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  const server = spawn(process.execPath, [join(root, 'dist', 'local', 'server.js')], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', OSS_EMULATOR_PORT: '0', STS_EMULATOR_PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  server.stdout.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  try {
    while (!output.includes('Ctrl-C')) await new Promise((r) => setTimeout(r, 50));
    const url = /demo page\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(output)![1]!;
    const token = ((await (await fetch(`${url}/api/dev-token?user=bench`)).json()) as { token: string }).token;
    const signBody = JSON.stringify({ filename: 'a.png', contentType: 'image/png', size: 1000 });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const run = (options: autocannon.Options): Promise<autocannon.Result> => autocannon({ connections: 50, duration: seconds, ...options });
    const floor = await run({ url: `http://127.0.0.1:${(bare.address() as AddressInfo).port}/` });
    const sign = await run({ url: `${url}/api/sign-url`, method: 'POST', headers, body: signBody });
    if (sign.non2xx > 0 || sign.errors > 0) throw new Error(`sign-url throughput run had ${sign.non2xx} non-2xx and ${sign.errors} errors`);
    record('local server sign-url throughput (req/s; ratio = floor/value)', sign.requests.average, floor.requests.average, 'req/s', null);
    rows.at(-1)!.ratio = round(floor.requests.average / Math.max(sign.requests.average, 1));

    // The mixed load of the reliability issue: sign-url and sts-token, 100 connections, memory watched.
    const loadSeconds = quick ? 2 : 20;
    const samples: Array<{ at: number; rssKb: number }> = [];
    const started = performance.now();
    const sampler = setInterval(() => {
      const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
      samples.push({ at: (performance.now() - started) / 1000, rssKb: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) });
    }, 250);
    const load = await autocannon({
      url: `${url}`,
      connections: 100,
      duration: loadSeconds,
      requests: [
        { method: 'POST', path: '/api/sign-url', headers, body: signBody },
        { method: 'POST', path: '/api/sts-token', headers, body: '{}' },
      ],
    });
    clearInterval(sampler);
    const window = quick ? 0.5 : 5;
    const first = samples.filter((s) => s.at <= window).map((s) => s.rssKb);
    const last = samples.filter((s) => s.at >= loadSeconds - window).map((s) => s.rssKb);
    const growth = first.length && last.length ? median(last) / median(first) - 1 : 0;
    const status5xx = load['5xx'];
    extras['load'] = {
      seconds: loadSeconds,
      connections: 100,
      requests: load.requests.total,
      errors: load.errors,
      timeouts: load.timeouts,
      non2xx: load.non2xx,
      status5xx,
      rssFirstMiB: round(median(first) / 1024),
      rssLastMiB: round(median(last) / 1024),
      memoryGrowth: round(growth),
    };
    rows.push({
      measure: `mixed load, 100 connections, ${loadSeconds} s: failed requests`,
      value: load.errors + load.timeouts + load.non2xx,
      floor: 0,
      unit: 'requests',
      ratio: null,
      comparison: '=',
      target: 0,
      ok: load.errors + load.timeouts + load.non2xx === 0,
    });
    rows.push({
      measure: 'mixed load: memory growth first → last window',
      value: round(growth * 100),
      floor: 0,
      unit: '%',
      ratio: null,
      comparison: '≤',
      target: 10,
      ok: growth < 0.1,
    });
  } finally {
    server.kill('SIGINT');
    bare.close();
  }
}

/** The most the median may be, from an upload's last byte to upload() resolving with the verdict. */
const VERDICT_TARGET_MS = 1500;

/**
 * The page: the packaged client (dist/web/upload-client.js) uploads `count` PNGs one after another (a real header, a
 * distinct payload each), and times each from its last byte (the first progress report of every byte sent) to
 * upload() resolving with the verdict.
 */
const VERDICT_PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
  import { upload } from '/assets/upload-client.js';
  const png = (size, seed) => {
    const out = new Uint8Array(size);
    out.set([0x89,0x50,0x4e,0x47,0x0d,0x0a,0x1a,0x0a,0,0,0,13,0x49,0x48,0x44,0x52,0,0,0,1,0,0,0,1,8,6,0,0,0,0,0,0,0]);
    const length = size - 57;
    new DataView(out.buffer).setUint32(33, length);
    out.set([0x72,0x6e,0x44,0x6d], 37);
    for (let i = 0; i < length; i += 1) out[41 + i] = (i * 7 + seed) % 251;
    out.set([0,0,0,0,0x49,0x45,0x4e,0x44,0xae,0x42,0x60,0x82], size - 12);
    return out;
  };
  window.measure = async (count, mode) => {
    const token = (await (await fetch('/api/dev-token?user=bench-verdict')).json()).token;
    const latencies = [];
    for (let i = 0; i < count; i += 1) {
      const file = new File([png(64 * 1024, i)], 'bench.png', { type: 'image/png' });
      let lastByte;
      const onProgress = (loaded, total) => { if (loaded === total && lastByte === undefined) lastByte = performance.now(); };
      const result = await upload(file, { endpoint: '/api/sign-url', mode, getToken: () => token, onProgress });
      if (result.verdict !== 'accepted') throw new Error('no verdict');
      latencies.push(performance.now() - lastByte);
    }
    return latencies;
  };
  window.ready = true;
</script>`;

/**
 * From the last byte to the verdict, as the uploader sees it: Chromium runs the packaged client against the local
 * stack (upload-completed on every new object through the async invoker, as \`npm start\` runs it), `uploads` PUTs
 * one after another; the median against VERDICT_TARGET_MS.
 */
async function verdictLatency(uploads: number): Promise<void> {
  const measure = `verdict latency: last byte → upload() resolves with the verdict (median of ${uploads} PUTs, Chromium, local stack)`;
  if (!existsSync(CHROMIUM_PATH)) {
    rows.push({
      measure,
      value: `no Chromium at ${CHROMIUM_PATH}`,
      floor: 0,
      unit: 'ms',
      ratio: null,
      comparison: '≤',
      target: VERDICT_TARGET_MS,
      ok: null,
    });
    return;
  }
  const webDir = mkdtempSync(join(tmpdir(), 'bench-verdict-'));
  writeFileSync(join(webDir, 'index.html'), VERDICT_PAGE);
  // The embedded stack of npm start, whatever this process's environment holds (the fixtures' variables).
  const stack = await startDevStack({ port: 0, ossPort: 0, stsPort: 0, env: {}, webDir, assetsDir: join(root, 'dist', 'web') });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${stack.url}/`);
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    const run = (count: number): Promise<number[]> =>
      page.evaluate(
        ([n]) => (window as unknown as { measure: (n: number, mode: string) => Promise<number[]> }).measure(n!, 'put'),
        [count],
      );
    await run(2); // warm: the functions' first requests, the sniffer's load
    const latencies = await run(uploads);
    const value = median(latencies);
    const sorted = [...latencies].sort((a, b) => a - b);
    extras['verdict latency ms'] = {
      uploads,
      median: round(value),
      p90: round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.9))]!),
      min: round(sorted[0]!),
      max: round(sorted.at(-1)!),
    };
    rows.push({
      measure,
      value: round(value),
      floor: 0,
      unit: 'ms',
      ratio: null,
      comparison: '≤',
      target: VERDICT_TARGET_MS,
      ok: value <= VERDICT_TARGET_MS,
    });
  } finally {
    await browser.close();
    await stack.close();
    rmSync(webDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const fixtures = await startFunctionFixtures();
  const { sts, env, tokenFor } = fixtures;
  const fcEvent = fixtures.httpEvent;
  Object.assign(process.env, env);
  // The handlers log one line per request; a benchmark of thousands of requests keeps them off the terminal.
  const write = process.stdout.write.bind(process.stdout);
  const quiet = <T>(run: () => Promise<T>): Promise<T> => {
    process.stdout.write = () => true;
    return run().finally(() => (process.stdout.write = write));
  };
  try {
    const token = await tokenFor('alice');
    const putEvent = fcEvent(token, signUrlManifest.exampleRequest);
    const multipartEvent = fcEvent(token, MULTIPART_REQUEST);
    const postEvent = fcEvent(token, { filename: 'cat.png', contentType: 'image/png', method: 'POST' });
    const stsEvent = fcEvent(token, {});
    extras['cold-start child environment'] = Object.keys(childEnv(env));
    const runs = quick ? 3 : 21;
    if (wanted('cold')) {
      // A full run installs the peer when its install is missing; a quick run uses it only when already installed.
      const peerDir = preparePeer(!quick);
      const peerOf = (name: string): { dir: string | undefined; target: number } | undefined =>
        PEER_TARGETS[name] === undefined ? undefined : { dir: peerDir, target: PEER_TARGETS[name] };
      for (const fn of FUNCTIONS) {
        const event = await fixtures.exampleEvent(fn);
        const peer = peerOf(fn.name);
        await coldStart({
          name: fn.name,
          bundle: join(root, 'dist', fn.name, 'index.js'),
          event,
          env,
          runs,
          ...(peer === undefined ? {} : { peer }),
        });
      }

      // A multipart start: one InitiateMultipartUpload, 20 part URLs (100 MiB in 5 MiB parts).
      const signUrlBundle = join(root, 'dist', 'sign-url', 'index.js');
      await coldStart({ name: 'sign-url MULTIPART', bundle: signUrlBundle, event: multipartEvent, env, runs });

      // As docs/deploy.md deploys it: RS256 tokens of an identity provider, its key set fetched once (from a local server).
      const jwksEvent = fcEvent(await fixtures.idpTokenFor('alice'), signUrlManifest.exampleRequest);
      await coldStart({ name: 'sign-url with AUTH_JWKS_URL', bundle: signUrlBundle, event: jwksEvent, env: fixtures.jwksEnv, runs });

      // The profiles file bundled and checked against its schema at cold start (a profile without a quota: no OSS call).
      const profilesBundle = await bundleWithProfiles(join(root, 'upload-profiles.example.json'));
      try {
        const avatarEvent = fcEvent(token, { ...signUrlManifest.exampleRequest, profile: 'avatar' });
        await coldStart({ name: 'sign-url with upload profiles', bundle: profilesBundle, event: avatarEvent, env, runs });
      } finally {
        rmSync(dirname(profilesBundle), { recursive: true, force: true });
      }
    }

    const iterations = quick ? 200 : 5000;
    const context = fixtures.context('warm');
    if (wanted('warm')) {
      const signUrl = loadFresh(join(root, 'dist', 'sign-url', 'index.js'));
      const stsToken = loadFresh(join(root, 'dist', 'sts-token', 'index.js'));
      await quiet(() => stsToken(stsEvent, context)); // fills the cache
      const hmacKey = await crypto.subtle.importKey('raw', new TextEncoder().encode(JWT_SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, [
        'verify',
      ]);
      const floorUs = await microseconds(() => cryptoFloor(token, hmacKey), iterations);
      record(
        "HS256 check: jose's jwtVerify / node:crypto HMAC by hand (shown: what the library costs)",
        await microseconds(() => jwtVerify(token, hmacKey, { algorithms: ['HS256'] }), iterations),
        await microseconds(() => handHmacVerify(token), iterations),
        'µs/check',
        null,
      );
      record(
        'warm sign-url PUT, V4, with JWT verification',
        await quiet(() => microseconds(() => answered200(signUrl, putEvent, context), iterations)),
        floorUs,
        'µs/request',
        3,
      );
      record(
        'warm sign-url POST, V4, with JWT verification',
        await quiet(() => microseconds(() => answered200(signUrl, postEvent, context), iterations)),
        floorUs,
        'µs/request',
        3,
      );
      // Each start by another user, as in real traffic: one user's unfinished uploads are bounded and counted per start.
      const multipartRuns = Math.max(50, iterations / 10);
      const starters = await Promise.all(
        Array.from({ length: multipartRuns + Math.ceil(multipartRuns / 5) }, async (_, i) =>
          fcEvent(await tokenFor(`multipart-${i}`), MULTIPART_REQUEST),
        ),
      );
      let starter = 0;
      record(
        'warm sign-url MULTIPART start (initiate at the local OSS emulator, 20 part URLs)',
        await quiet(() => microseconds(() => answered200(signUrl, starters[starter++ % starters.length]!, context), multipartRuns)),
        floorUs,
        'µs/request',
        null,
      );
      record(
        'warm sts-token, cache hit',
        await quiet(() => microseconds(() => answered200(stsToken, stsEvent, context), iterations)),
        floorUs,
        'µs/request',
        3,
      );
    }

    if (wanted('burst')) {
      // sts-token paces AssumeRole (5 starts a second per instance): the second five users wait a second for theirs.
      const burstHandler = loadFresh(join(root, 'dist', 'sts-token', 'index.js'));
      const before = sts.assumeRoleCalls();
      const tokens = await Promise.all(Array.from({ length: 10 }, (_, i) => tokenFor(`burst-user-${i}`)));
      const burst = await quiet(() =>
        Promise.all(Array.from({ length: 1000 }, (_, i) => burstHandler(fcEvent(tokens[i % 10]!, {}), context))),
      );
      const calls = sts.assumeRoleCalls() - before;
      const failed = burst.filter((r) => r.statusCode !== 200).length;
      extras['burst requests not answered 200'] = failed;
      rows.push({
        measure: 'STS AssumeRole calls for 1,000 concurrent requests from 10 users (all answered 200)',
        value: calls,
        floor: 10,
        unit: 'calls',
        ratio: calls / 10,
        comparison: '=',
        target: 10,
        ok: calls === 10 && failed === 0,
      });
    }

    for (const { name } of FUNCTIONS) extras[`bundle ${name} bytes`] = statSync(join(root, 'dist', name, 'index.js')).size;
    const prodDeps =
      execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable', '--workspaces=false'], { cwd: root, encoding: 'utf8' })
        .trim()
        .split('\n').length - 1;
    extras['production dependency packages of the functions (npm ls --omit=dev --all --workspaces=false)'] = prodDeps;

    if (wanted('quota')) await quotaCost(fixtures, quick ? 20 : 200);
    if (wanted('load')) await throughput(quick ? 1 : 10);
    if (wanted('verdict')) await quiet(() => verdictLatency(quick ? 5 : 30));
  } finally {
    await fixtures.close();
  }

  const machine = {
    node: process.version,
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    quick,
    date: new Date().toISOString(),
  };
  mkdirSync(join(root, 'bench'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results.json'), `${JSON.stringify({ machine, rows, extras }, null, 2)}\n`);
  console.log(
    `\nmachine: ${machine.cpus}, ${machine.memoryGiB} GiB, Node ${machine.node}${quick ? ' (quick run: figures are not stable)' : ''}\n`,
  );
  console.log('| measure | value | floor | unit | ratio | target | ok |\n|---|---|---|---|---|---|---|');
  for (const row of rows)
    console.log(
      `| ${row.measure} | ${row.value} | ${row.floor} | ${row.unit} | ${row.ratio ?? '-'} | ${row.target === null ? '-' : `${row.comparison} ${row.target}`} | ${row.ok === null ? '-' : row.ok ? 'yes' : 'NO'} |`,
    );
  for (const [name, value] of Object.entries(extras)) console.log(`${name}: ${JSON.stringify(value)}`);
  const missed = rows.filter((row) => row.ok === false);
  // Quick runs only prove the harness works: their figures are too noisy to judge targets.
  if (!quick && missed.length > 0) console.log(`\ntargets missed: ${missed.map((row) => row.measure).join('; ')}`);
  if (
    rows.some((row) => row.measure.startsWith('STS AssumeRole') && row.ok === false) ||
    rows.some((row) => row.measure.startsWith('mixed load: failed') && row.ok === false)
  )
    process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
