// Bundles each function into one self-contained dist/<function>/index.js exporting `handler(event, context)` (CommonJS
// for FC's nodejs20 runtime, `handler: index.handler` in s.yaml; no node_modules needed beside it). The local dev
// server, the command-line tools and the browser client are bundled too, so `npm start` needs no TS loader. Bundling is
// all this does: it runs no function and starts no server.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const functionNames = readdirSync(join(root, 'functions'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(root, 'functions', entry.name, 'index.ts')))
  .map((entry) => entry.name);

// Outputs are written beside dist/ and renamed into place, so a running test or server never reads half a file.
const staging = join(root, `.dist-staging-${process.pid}`);
rmSync(staging, { recursive: true, force: true });
process.on('exit', () => rmSync(staging, { recursive: true, force: true })); // also when a build fails

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  legalComments: 'none',
  logLevel: 'warning',
};

await Promise.all(
  functionNames.map((name) =>
    build({
      ...common,
      entryPoints: [join(root, 'functions', name, 'index.ts')],
      outfile: join(staging, name, 'index.js'),
      // Stand-ins for third-party internals, each kept for a measured cold-start saving of 2 ms or more (README
      // "Dependencies"): ali-oss's signing helpers need only a flat qs.stringify and two type checks (their
      // signatures are recomputed from the specification by the tests); openapi-client needs only static credentials
      // from @alicloud/credentials and never XML for our JSON calls. debug is kept off for safety, not speed: httpx,
      // under the STS SDK, would print signed AssumeRole requests with DEBUG=httpx:*. The STS substitutes are tested
      // in the built bundle against the STS emulator.
      alias: {
        qs: join(root, 'shared', 'alicloud', 'vendor', 'qs-flat.ts'),
        'is-type-of': join(root, 'shared', 'alicloud', 'vendor', 'is-type-of-signutils.ts'),
        '@alicloud/credentials': join(root, 'shared', 'alicloud', 'vendor', 'alicloud-static-credentials.ts'),
        '@alicloud/tea-xml': join(root, 'shared', 'alicloud', 'vendor', 'tea-xml-unused.ts'),
        debug: join(root, 'shared', 'alicloud', 'vendor', 'debug-off.ts'),
      },
      minify: true,
      sourcemap: false,
    }),
  ),
);

const localEntries = ['server'].filter((name) => existsSync(join(root, 'local', `${name}.ts`)));
await Promise.all(
  localEntries.map((name) =>
    build({
      ...common,
      entryPoints: [join(root, 'local', `${name}.ts`)],
      outfile: join(staging, 'local', `${name}.js`),
      sourcemap: 'inline',
    }),
  ),
);

// Command-line tools run by npm scripts.
const scriptEntries = ['policies', 'smoke', 'bench', 'type-extensions'].filter((name) => existsSync(join(root, 'tools', `${name}.ts`)));
await Promise.all(
  // They run inside the repository, so node_modules stay where they are (ali-oss's full client does not bundle).
  scriptEntries.map((name) =>
    build({
      ...common,
      packages: 'external',
      entryPoints: [join(root, 'tools', `${name}.ts`)],
      outfile: join(staging, 'tools', `${name}.js`),
      sourcemap: 'inline',
    }),
  ),
);

// The deployment's tools: the offline check (also the stack's pre-deploy action) and the two Serverless Devs plugins
// s.yaml runs after the stack and after the whole deploy. Each exports its plugin function as `default`, which is
// what `s` calls when it requires a local plugin.
const deployEntries = ['check', 'bucket-settings-plugin', 'endpoints-plugin'];
await Promise.all(
  deployEntries.map((name) =>
    build({
      ...common,
      packages: 'external',
      entryPoints: [join(root, 'deploy', 'entries', `${name}.ts`)],
      outfile: join(staging, 'deploy', `${name}.js`),
      sourcemap: 'inline',
    }),
  ),
);

// The browser client and the demo page: ES modules for current browsers, with ali-oss's browser build beside them.
const webEntries = ['demo', 'upload-client'];
await Promise.all(
  webEntries.map((name) =>
    build({
      ...common,
      platform: 'browser',
      format: 'esm',
      target: 'es2020',
      entryPoints: [join(root, 'web', `${name}.ts`)],
      outfile: join(staging, 'web', `${name}.js`),
      sourcemap: 'linked',
      minify: false,
    }),
  ),
);
mkdirSync(join(staging, 'web', 'vendor'), { recursive: true });
copyFileSync(
  join(root, 'node_modules', 'ali-oss', 'dist', 'aliyun-oss-sdk.min.js'),
  join(staging, 'web', 'vendor', 'aliyun-oss-sdk.min.js'),
);

const outputs = [
  ...webEntries.flatMap((name) => [join('web', `${name}.js`), join('web', `${name}.js.map`)]),
  join('web', 'vendor', 'aliyun-oss-sdk.min.js'),
  ...scriptEntries.map((name) => join('tools', `${name}.js`)),
  ...deployEntries.map((name) => join('deploy', `${name}.js`)),
  ...functionNames.map((name) => join(name, 'index.js')),
  ...localEntries.map((name) => join('local', `${name}.js`)),
];
for (const output of outputs) {
  mkdirSync(dirname(join(root, 'dist', output)), { recursive: true });
  renameSync(join(staging, output), join(root, 'dist', output));
}
// A function's folder is what gets deployed: nothing an earlier build left there (say, the files of an older layout)
// may linger in it.
for (const name of functionNames) {
  for (const file of readdirSync(join(root, 'dist', name))) {
    if (!outputs.includes(join(name, file))) rmSync(join(root, 'dist', name, file), { recursive: true, force: true });
  }
}
rmSync(staging, { recursive: true, force: true });
// Bundles of functions that no longer exist must not linger and get deployed.
for (const entry of readdirSync(join(root, 'dist'), { withFileTypes: true })) {
  if (entry.isDirectory() && !['local', 'web', 'tools', 'deploy'].includes(entry.name) && !functionNames.includes(entry.name))
    rmSync(join(root, 'dist', entry.name), { recursive: true, force: true });
}

console.error(
  `built ${outputs
    .filter((output) => !output.endsWith('.map'))
    .map((output) => `dist/${output}`)
    .join(', ')}`,
);
