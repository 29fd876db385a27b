// Bundles each function into dist/<function>/index.js: one CommonJS file for FC's nodejs20 runtime
// that needs no node_modules beside it. The local dev server is bundled too, so `npm start` needs no TS loader.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const functionNames = readdirSync(join(root, 'functions'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(root, 'functions', entry.name, 'index.ts')))
  .map((entry) => entry.name);

// Outputs are written beside dist/ and renamed into place, so a running test or server never reads half a file.
const staging = join(root, `.dist-staging-${process.pid}`);
rmSync(staging, { recursive: true, force: true });

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
      minify: true,
      sourcemap: false,
    }),
  ),
);

const localEntries = ['server'].filter((name) => existsSync(join(root, 'local', `${name}.ts`)));
await Promise.all(
  localEntries.map((name) =>
    build({ ...common, entryPoints: [join(root, 'local', `${name}.ts`)], outfile: join(staging, 'local', `${name}.js`), sourcemap: 'inline' }),
  ),
);

const outputs = [...functionNames.map((name) => join(name, 'index.js')), ...localEntries.map((name) => join('local', `${name}.js`))];
for (const output of outputs) {
  mkdirSync(dirname(join(root, 'dist', output)), { recursive: true });
  renameSync(join(staging, output), join(root, 'dist', output));
}
rmSync(staging, { recursive: true, force: true });
// Bundles of functions that no longer exist must not linger and get deployed.
for (const entry of readdirSync(join(root, 'dist'), { withFileTypes: true })) {
  if (entry.isDirectory() && entry.name !== 'local' && !functionNames.includes(entry.name)) rmSync(join(root, 'dist', entry.name), { recursive: true, force: true });
}

console.log(`built ${functionNames.map((name) => `dist/${name}/index.js`).concat(localEntries.map((name) => `dist/local/${name}.js`)).join(', ')}`);
