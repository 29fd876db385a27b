/**
 * `npm start` with a profiles file: `npm run build` bundles it (UPLOAD_PROFILES_FILE, else upload-profiles.json), then
 * the dev server runs. Building dist/ with another file here would change it under every other test, so the dev
 * server is bundled into a folder of its own with the build's own plugin and run as `npm start` runs it, from the
 * repository. It serves the file's profiles, and refuses to start with a file its schema refuses. A named file that
 * does not exist, or is not JSON, stops the build `npm start` runs (before it writes anything), in one line.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureOutput } from '../support/log-capture';
import { npmStartRefusing } from '../support/npm-start';
import { tempFolder } from '../support/temp-folder';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the build's own bundle options, a CommonJS module of tools/
const bundling = require('../../tools/bundle-options.cjs') as { commonOptions(input: { root: string; profilesFile: string }): object };
// eslint-disable-next-line @typescript-eslint/no-require-imports -- esbuild's API, as tools/build.mjs calls it
const esbuild = require('esbuild') as { build(options: object): Promise<unknown> };

const root = join(__dirname, '..', '..');

/** local/server.ts bundled as the build bundles it, with `file` as its profiles file. */
async function serverWith(file: string): Promise<string> {
  const outfile = join(tempFolder('npm-start-profiles-'), 'server.js');
  await esbuild.build({
    ...bundling.commonOptions({ root, profilesFile: file }),
    logLevel: 'silent',
    entryPoints: [join(root, 'local', 'server.ts')],
    outfile,
  });
  return outfile;
}

/** Runs the server until it prints its banner or exits; `stop()` ends it. */
async function start(server: string): Promise<{ output: () => string; exitCode: () => number | null; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [server], {
    cwd: root,
    env: { ...process.env, PORT: '0', OSS_EMULATOR_PORT: '0', STS_EMULATOR_PORT: '0', OSS_BUCKET: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output += chunk.toString();
    captureOutput(chunk.toString());
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  // 'close', not 'exit': after 'exit' the last of what the server wrote may still be unread.
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const started = Date.now();
  while (!output.includes('Ctrl-C stops everything') && child.exitCode === null && Date.now() - started < 30_000) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 100))]);
  return {
    output: () => output,
    exitCode: () => child.exitCode,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGINT');
      await exited;
    },
  };
}

test('with upload-profiles.example.json bundled, the dev server serves its two profiles', async () => {
  const server = await start(await serverWith(join(root, 'upload-profiles.example.json')));
  try {
    const output = server.output();
    expect(output).toMatch(/profiles\s+from upload-profiles\.example\.json/);
    expect(output).toMatch(/avatar: PUT, POST; fixed key; up to 2 MiB/);
    expect(output).toMatch(/documents: PUT, POST, MULTIPART, STS; random key; up to 50 MiB; per user 20 objects, 200 MiB/);
    // The try-it line asks for the first profile.
    expect(output).toContain(`-d '{"profile":"avatar","method":"PUT","filename":"example","contentType":"image/jpeg","size":12345}'`);
    const url = /demo page\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(output)![1]!;
    const config = (await (await fetch(`${url}/api/config`)).json()) as { profiles: Array<{ name: string; key: string }> };
    expect(config.profiles.map(({ name, key }) => `${name} ${key}`)).toEqual(['avatar fixed', 'documents random']);
  } finally {
    await server.stop();
  }
}, 60_000);

test('with a profiles file its schema refuses, it refuses to start, naming the file and the field', async () => {
  const file = join(tempFolder('bad-profiles-'), 'upload-profiles.json');
  writeFileSync(file, JSON.stringify({ avatar: { contentTypes: ['image/png'], maxBytes: 1000, key: 'stable' } }));
  const server = await start(await serverWith(file));
  await server.stop();
  expect(server.exitCode()).toBe(1);
  expect(server.output()).toContain('could not start: upload profiles: upload-profiles.json: avatar.key must be one of "random", "fixed"');
  expect(server.output()).not.toContain('Ctrl-C stops everything');
}, 60_000);

test.each([
  [
    'a file that does not exist (a misspelling)',
    (): string => 'upload-profile.example.json',
    `could not build: UPLOAD_PROFILES_FILE names upload-profile.example.json, which does not exist (paths are relative to ${root}/)`,
  ],
  [
    'a file that is not JSON',
    (): string => {
      const file = join(tempFolder('not-json-profiles-'), 'profiles.json');
      writeFileSync(file, '{ "avatar": ');
      return file;
    },
    'could not build: profiles.json is not JSON: Unexpected end of JSON input',
  ],
])(
  'UPLOAD_PROFILES_FILE naming %s: npm start prints one line naming it, no stack trace, and exits non-zero',
  async (_name, file, line) => {
    const { exitCode, output } = await npmStartRefusing({ UPLOAD_PROFILES_FILE: file() });
    expect(exitCode).not.toBe(0);
    expect(output.split('\n').filter((text) => text.trim() !== '')).toEqual([line]);
  },
  60_000,
);
