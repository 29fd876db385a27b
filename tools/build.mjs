// Bundles each function into one self-contained dist/<function>/index.js exporting `handler(event, context)` (CommonJS
// for FC's nodejs20 runtime, `handler: index.handler` in s.yaml; no node_modules needed beside it). The local dev
// server, the command-line tools and the browser client are bundled too, so `npm start` needs no TS loader. Bundling is
// all this does: it runs no function and starts no server.
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import bundleOptions from './bundle-options.cjs';

const root = new URL('..', import.meta.url).pathname;
const functionNames = readdirSync(join(root, 'functions'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(root, 'functions', entry.name, 'index.ts')))
  .map((entry) => entry.name);

// Outputs are written beside dist/ and renamed into place, so a running test or server never reads half a file.
const staging = join(root, `.dist-staging-${process.pid}`);
rmSync(staging, { recursive: true, force: true });
process.on('exit', () => rmSync(staging, { recursive: true, force: true })); // also when a build fails

// The profiles file goes into every bundle that reads the configuration: the functions, the dev server, the tools.
// A named file that does not exist, or one that is not JSON, stops the build in one line, as npm start refuses a bad
// variable (npm start, deploy:check and s deploy build first); its schema is checked where the configuration is.
const { profilesFileFor, readProfilesFile, commonOptions, functionBundleOptions } = bundleOptions;
let profilesFile;
try {
  profilesFile = profilesFileFor(root);
  if (profilesFile !== undefined) readProfilesFile(root, profilesFile);
} catch (error) {
  console.error(`could not build: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
const common = commonOptions({ root, profilesFile });

await Promise.all(
  functionNames.map((name) => build(functionBundleOptions({ root, name, outfile: join(staging, name, 'index.js'), profilesFile }))),
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

// The browser client, a package of its own in dist/web/ (web/package.json): upload-client.js, one ES module with no
// imports, and the Uppy adapter uppy.js, which imports it; their type declarations from tsc; and the demo page.
const webEntries = ['demo', 'upload-client', 'uppy'];
const clientImport = {
  name: 'client-import',
  setup(builder) {
    // The adapter uses the client's own module rather than a second copy of it.
    builder.onResolve({ filter: /^\.\/upload-client\.js$/ }, () => ({ path: './upload-client.js', external: true }));
  },
};
const clientTypes = new Promise((resolve, reject) => {
  const tsc = spawn(
    process.execPath,
    [
      join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      join(root, 'web', 'tsconfig.types.json'),
      '--outDir',
      join(staging, 'web', 'types'),
    ],
    { stdio: 'inherit' },
  );
  tsc.on('error', reject);
  tsc.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`tsc (the client's type declarations) exited with ${code}`))));
});
await Promise.all([
  clientTypes,
  ...webEntries.map((name) =>
    build({
      ...common,
      platform: 'browser',
      format: 'esm',
      target: 'es2020',
      entryPoints: [join(root, 'web', `${name}.ts`)],
      outfile: join(staging, 'web', `${name}.js`),
      sourcemap: 'linked',
      minify: false,
      plugins: name === 'uppy' ? [clientImport] : [],
    }),
  ),
]);
const client = JSON.parse(readFileSync(join(root, 'web', 'package.json'), 'utf8'));
const typesOf = (name) => `./types/web/${name}.d.ts`;
writeFileSync(
  join(staging, 'web', 'package.json'),
  `${JSON.stringify(
    {
      name: client.name,
      version: client.version,
      description: client.description,
      license: client.license,
      type: 'module',
      main: './upload-client.js',
      types: typesOf('upload-client'),
      exports: {
        '.': { types: typesOf('upload-client'), default: './upload-client.js' },
        './uppy': { types: typesOf('uppy'), default: './uppy.js' },
      },
      files: ['upload-client.js', 'uppy.js', '*.js.map', 'types/', 'vendor/'],
      peerDependencies: client.peerDependencies,
      peerDependenciesMeta: client.peerDependenciesMeta,
    },
    null,
    2,
  )}\n`,
);
mkdirSync(join(staging, 'web', 'vendor'), { recursive: true });
copyFileSync(
  join(root, 'node_modules', 'ali-oss', 'dist', 'aliyun-oss-sdk.min.js'),
  join(staging, 'web', 'vendor', 'aliyun-oss-sdk.min.js'),
);

const outputs = [
  ...webEntries.flatMap((name) => [join('web', `${name}.js`), join('web', `${name}.js.map`)]),
  join('web', 'package.json'),
  join('web', 'types'),
  join('web', 'vendor', 'aliyun-oss-sdk.min.js'),
  ...scriptEntries.map((name) => join('tools', `${name}.js`)),
  ...deployEntries.map((name) => join('deploy', `${name}.js`)),
  ...functionNames.map((name) => join(name, 'index.js')),
  ...localEntries.map((name) => join('local', `${name}.js`)),
];
for (const output of outputs) {
  mkdirSync(dirname(join(root, 'dist', output)), { recursive: true });
  // A file is replaced in one step; a folder (the client's types) only once the old one is gone.
  if (statSync(join(staging, output)).isDirectory()) rmSync(join(root, 'dist', output), { recursive: true, force: true });
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
    .join(', ')}${profilesFile === undefined ? '' : ` with the upload profiles of ${relative(root, profilesFile)}`}`,
);
