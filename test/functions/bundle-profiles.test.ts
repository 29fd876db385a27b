/**
 * The profiles file goes into the bundle at build (tools/bundle-options.cjs, which tools/build.mjs uses) and
 * is checked again at cold start: bundles made here the way the build makes them, with a file of our choosing, run
 * in a bare folder as FC runs them. A bad file makes every request a generic 500 and logs the field at cold start.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseEnv } from '../support/env';
import { fcEvent, type FcResponse } from '../support/fc-event';
import { tempFolder } from '../support/temp-folder';
import { hsToken } from '../support/tokens';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the build's own bundle options, a CommonJS module of tools/
const bundling = require('../../tools/bundle-options.cjs') as {
  profilesFileFor(root: string, env: Record<string, string | undefined>): string | undefined;
  functionBundleOptions(input: { root: string; name: string; outfile: string; profilesFile: string }): object;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports -- esbuild's API, as tools/build.mjs calls it
const esbuild = require('esbuild') as { build(options: object): Promise<unknown> };

const root = join(__dirname, '..', '..');

/** sign-url bundled as the build bundles it, with `profiles` as its profiles file (written as given). */
async function bundleWith(profiles: string): Promise<string> {
  const folder = tempFolder('profiles-bundle-');
  const file = join(folder, 'upload-profiles.json');
  writeFileSync(file, profiles);
  await esbuild.build({
    ...bundling.functionBundleOptions({ root, name: 'sign-url', outfile: join(folder, 'fn', 'index.js'), profilesFile: file }),
    logLevel: 'silent',
  });
  return join(folder, 'fn');
}

/** Each body POSTed to the bundle in a fresh node, as a new FC instance: the answers and the log lines. */
async function run(folder: string, bodies: unknown[]): Promise<{ responses: FcResponse[]; logs: Array<Record<string, unknown>> }> {
  const token = await hsToken({ sub: 'alice' });
  const events = bodies.map((body) =>
    fcEvent({ headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body as object }),
  );
  writeFileSync(join(folder, 'events.json'), JSON.stringify(events.map((event) => event.toString('base64'))));
  writeFileSync(
    join(folder, 'run.js'),
    `const { handler } = require('./index.js');
const events = require('./events.json').map((event) => Buffer.from(event, 'base64'));
const context = { requestId: 'r', credentials: { accessKeyId: 'STS.k', accessKeySecret: 's', securityToken: 't' } };
(async () => {
  const results = [];
  for (const event of events) results.push(await handler(event, context));
  require('node:fs').writeFileSync('results.json', JSON.stringify(results));
})();`,
  );
  const env = { PATH: process.env['PATH'] ?? '', ...baseEnv() };
  const output = execFileSync(process.execPath, ['run.js'], { cwd: folder, env: env, encoding: 'utf8' });
  const logs = output
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { responses: JSON.parse(readFileSync(join(folder, 'results.json'), 'utf8')) as FcResponse[], logs };
}

const profiles = JSON.stringify({
  avatar: { contentTypes: ['image/png'], maxBytes: 2048, key: 'fixed' },
  documents: { contentTypes: ['application/pdf'], maxBytes: 50_000 },
});
const request = { profile: 'documents', filename: 'r.pdf', contentType: 'application/pdf', size: 1000 };

test('the file the build finds: upload-profiles.json at the root, or the one UPLOAD_PROFILES_FILE names (which must exist)', () => {
  const folder = tempFolder('profiles-root-');
  expect(bundling.profilesFileFor(folder, {})).toBeUndefined();
  writeFileSync(join(folder, 'upload-profiles.json'), '{}');
  expect(bundling.profilesFileFor(folder, {})).toBe(join(folder, 'upload-profiles.json'));
  writeFileSync(join(folder, 'other.json'), '{}');
  expect(bundling.profilesFileFor(folder, { UPLOAD_PROFILES_FILE: 'other.json' })).toBe(join(folder, 'other.json'));
  expect(() => bundling.profilesFileFor(folder, { UPLOAD_PROFILES_FILE: 'missing.json' })).toThrow(
    /^UPLOAD_PROFILES_FILE names missing\.json, which does not exist/,
  );
});

test('bundled, a profiles file serves its profiles: keys in the profile folder, the answer naming it', async () => {
  const { responses } = await run(await bundleWith(profiles), [request, { ...request, profile: 'avatar', contentType: 'image/png' }]);
  expect(responses.map((response) => response.statusCode)).toEqual([200, 200]);
  const [documents, avatar] = responses.map((response) => JSON.parse(response.body) as { key: string; profile: string });
  expect(documents).toMatchObject({ profile: 'documents', key: expect.stringMatching(/^users\/alice\/documents\/\d{4}\/\d{2}\//) });
  expect(avatar).toMatchObject({ profile: 'avatar', key: 'users/alice/avatar/current' });
});

test('a file the schema refuses: a generic 500 for every request, the cold-start log naming the file and the field', async () => {
  const broken = JSON.stringify({ documents: { contentTypes: ['application/pdf'], maxBytes: '50 MB' } });
  const { responses, logs } = await run(await bundleWith(broken), [request]);
  expect(responses.map((response) => [response.statusCode, JSON.parse(response.body)])).toEqual([
    [500, { error: { code: 'InternalError', message: 'internal error' } }],
  ]);
  const coldStart = logs.find((line) => line['requestId'] === 'cold-start' && line['status'] === 500);
  expect(coldStart?.['cause']).toBe(
    'configuration: upload-profiles.json: documents.maxBytes must be an integer: The largest file, in bytes (above 5 GiB only MULTIPART can upload it).',
  );
});

test('a file that is not JSON stops the build, naming it', async () => {
  await expect(bundleWith('{ "documents": ')).rejects.toThrow(/upload-profiles\.json is not JSON/);
});
