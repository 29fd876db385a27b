// Bundles each function into dist/<function>/function.js (CommonJS for FC's nodejs20 runtime, no node_modules needed
// beside it), reached through the shared entry index.js and compiled with the code caches made at the end. The local dev server is bundled too, so `npm start` needs no TS loader.
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
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

// Modules a function requires only when a request needs them (`require('./<module>')`): each is bundled on its own
// beside index.js, so the entry's cold start never even parses them. They share no state with the entry; HttpError
// is recognised across bundles by its brand.
const lazyModules = { 'sign-url': ['multipart'] };
// Modules of shared/ required only in some configurations, bundled the same way beside every function's index.js:
// jose, with the JWKS check (shared/auth/jwks.ts), only with AUTH_JWKS_URL. Measured: sign-url's module load
// -0.5 ms without jose's text in index.js (README "Performance").
const sharedLazyModules = { jwks: join(root, 'shared', 'auth', 'jwks.ts') };
const sharedExternals = Object.keys(sharedLazyModules).map((module) => `./${module}`);
const lazyEntries = functionNames.flatMap((name) => [
  ...(lazyModules[name] ?? []).map((module) => ({ name, module })),
  ...Object.entries(sharedLazyModules).map(([module, entry]) => ({ name, module, entry })),
]);

// A function's own code is bundled into function.js; FC loads index.js, the one entry of shared/edge/bundle-entry.ts,
// which compiles function.js with the V8 code cache made at the end of this build (shared/edge/code-cache.ts).
const BUNDLE_FILE = 'function.js'; // shared/edge/code-cache.ts's BUNDLE_FILE
const bundleFile = (module) => (module === 'index' ? BUNDLE_FILE : `${module}.js`);
await Promise.all(
  [...functionNames.map((name) => ({ name, module: 'index' })), ...lazyEntries].map(({ name, module, entry }) =>
    build({
      ...common,
      entryPoints: [entry ?? join(root, 'functions', name, `${module}.ts`)],
      outfile: join(staging, name, bundleFile(module)),
      external: [...(module === 'index' ? (lazyModules[name] ?? []).map((lazy) => `./${lazy}`) : []), ...sharedExternals],
      // Measured cold-start savings (README "Performance"). ali-oss's signing helpers need only a flat qs.stringify
      // and two type checks (their signatures are recomputed from the specification by the tests); openapi-client
      // needs only static credentials from @alicloud/credentials and never XML for our JSON calls; httpx, under it,
      // logs through debug, which stays off (as does file-type's, in upload-completed), and needs zlib only for answers
      // the SDK never asks to be compressed
      // (the STS substitutes are tested in the built bundle against the STS emulator).
      alias: {
        qs: join(root, 'shared', 'alicloud', 'vendor', 'qs-flat.ts'),
        'is-type-of': join(root, 'shared', 'alicloud', 'vendor', 'is-type-of-signutils.ts'),
        '@alicloud/credentials': join(root, 'shared', 'alicloud', 'vendor', 'alicloud-static-credentials.ts'),
        '@alicloud/tea-xml': join(root, 'shared', 'alicloud', 'vendor', 'tea-xml-unused.ts'),
        debug: join(root, 'shared', 'alicloud', 'vendor', 'debug-off.ts'),
        zlib: join(root, 'shared', 'alicloud', 'vendor', 'zlib-on-demand.ts'),
      },
      minify: true,
      sourcemap: false,
    }),
  ),
);

await build({
  ...common,
  entryPoints: [join(root, 'shared', 'edge', 'bundle-entry.ts')],
  outfile: join(staging, 'bundle-entry.js'),
  minify: true,
});
for (const name of functionNames) {
  copyFileSync(join(staging, 'bundle-entry.js'), join(staging, name, 'index.js'));
  // A script compiled with a code cache has no way to import(): every module must load what it needs with require.
  for (const file of readdirSync(join(staging, name)).filter((file) => file.endsWith('.js') && file !== 'index.js')) {
    if (/\bimport\(/.test(readFileSync(join(staging, name, file), 'utf8')))
      throw new Error(`dist/${name}/${file} calls import(): use a lazy require (shared/edge/code-cache.ts cannot import)`);
  }
}

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
const scriptEntries = ['policies', 'smoke', 'bench', 'type-extensions', 'train-code-cache'].filter((name) =>
  existsSync(join(root, 'scripts', `${name}.ts`)),
);
await Promise.all(
  // They run inside the repository, so node_modules stay where they are (ali-oss's full client does not bundle).
  scriptEntries.map((name) =>
    build({
      ...common,
      packages: 'external',
      entryPoints: [join(root, 'scripts', `${name}.ts`)],
      outfile: join(staging, 'scripts', `${name}.js`),
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

// A shared lazy module ships only beside an entry that requires it (upload-completed verifies no tokens: no jwks.js).
const requiredByEntry = ({ name, module, entry }) =>
  entry === undefined || readFileSync(join(staging, name, BUNDLE_FILE), 'utf8').includes(`require("./${module}")`);
for (const { name, module } of lazyEntries.filter((lazy) => !requiredByEntry(lazy))) {
  rmSync(join(staging, name, `${module}.js`), { force: true });
}

// The code caches: each function runs once on its example event against the local emulators (train-code-cache.ts).
execFileSync(process.execPath, [join(staging, 'scripts', 'train-code-cache.js'), staging], {
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { PATH: process.env.PATH ?? '' },
});
const outputs = [
  ...webEntries.flatMap((name) => [join('web', `${name}.js`), join('web', `${name}.js.map`)]),
  join('web', 'vendor', 'aliyun-oss-sdk.min.js'),
  ...scriptEntries.map((name) => join('scripts', `${name}.js`)),
  ...functionNames.flatMap((name) => [join(name, 'index.js'), join(name, BUNDLE_FILE), join(name, `${BUNDLE_FILE}.cache`)]),
  // Caches of the lazily required modules the build's run loaded (shared ones only where the entry requires them).
  ...lazyEntries
    .filter(requiredByEntry)
    .flatMap(({ name, module }) => (existsSync(join(staging, name, `${module}.js.cache`)) ? [join(name, `${module}.js.cache`)] : [])),
  ...lazyEntries.filter(requiredByEntry).map(({ name, module }) => join(name, `${module}.js`)),
  ...localEntries.map((name) => join('local', `${name}.js`)),
];
for (const output of outputs) {
  mkdirSync(dirname(join(root, 'dist', output)), { recursive: true });
  renameSync(join(staging, output), join(root, 'dist', output));
}
// A function's folder is what gets deployed: nothing an earlier build left there (a module no longer required, a cache
// this build did not make) may linger in it.
for (const name of functionNames) {
  for (const file of readdirSync(join(root, 'dist', name))) {
    if (!outputs.includes(join(name, file))) rmSync(join(root, 'dist', name, file), { recursive: true, force: true });
  }
}
rmSync(staging, { recursive: true, force: true });
// Bundles of functions that no longer exist must not linger and get deployed.
for (const entry of readdirSync(join(root, 'dist'), { withFileTypes: true })) {
  if (entry.isDirectory() && !['local', 'web', 'scripts'].includes(entry.name) && !functionNames.includes(entry.name))
    rmSync(join(root, 'dist', entry.name), { recursive: true, force: true });
}

console.error(
  `built ${outputs
    .filter((output) => !output.endsWith('.map'))
    .map((output) => `dist/${output}`)
    .join(', ')}`,
);
