// Bundles each function into dist/<function>/index.js: one CommonJS file for FC's nodejs20 runtime
// that needs no node_modules beside it. The local dev server is bundled too, so `npm start` needs no TS loader.
import { build } from 'esbuild';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const functionNames = readdirSync(join(root, 'functions'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(root, 'functions', entry.name, 'index.ts')))
  .map((entry) => entry.name);

rmSync(join(root, 'dist'), { recursive: true, force: true });

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
      outfile: join(root, 'dist', name, 'index.js'),
      minify: true,
      sourcemap: false,
    }),
  ),
);

const localEntries = ['server'].filter((name) => existsSync(join(root, 'local', `${name}.ts`)));
await Promise.all(
  localEntries.map((name) =>
    build({ ...common, entryPoints: [join(root, 'local', `${name}.ts`)], outfile: join(root, 'dist', 'local', `${name}.js`), sourcemap: 'inline' }),
  ),
);

console.log(`built ${functionNames.map((name) => `dist/${name}/index.js`).concat(localEntries.map((name) => `dist/local/${name}.js`)).join(', ')}`);
