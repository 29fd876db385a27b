/**
 * The layering the project keeps, read from the import statements themselves: the library never reaches up,
 * functions never import each other, a function's folder (its manifest too) imports nothing of the tooling, nothing
 * deployed imports the local stack, the browser imports only the dependency-free contract and key layout.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(__dirname, '..');

function sourceFiles(folder: string): string[] {
  return readdirSync(join(root, folder), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.ts$/.test(entry.name))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

/** The relative specifiers a file imports, as written (packages and node: modules left out). */
function relativeSpecifiers(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/(?:from|import|require\()\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((match) => match[1]!);
}

/** Repository-relative paths of the project modules a file imports, without extension (`./x.js` names x.ts). */
function projectImports(file: string): string[] {
  return relativeSpecifiers(file).map((specifier) => relative(root, resolve(root, dirname(file), specifier.replace(/\.js$/, ''))));
}

const violations = (files: string[], forbidden: (imported: string, file: string) => boolean): string[] =>
  files.flatMap((file) =>
    projectImports(file)
      .filter((imported) => forbidden(imported, file))
      .map((imported) => `${file} → ${imported}`),
  );

test('the layer rule is read from real imports (the reader finds them)', () => {
  expect(projectImports('functions/sign-url/index.ts')).toEqual(['shared/edge/handler', 'functions/sign-url/sign-upload']);
});

/** The schema of upload-profiles.json lives beside that file, at the root, where editors look for it. */
const PROFILES_SCHEMA = 'upload-profiles.schema.json';

test('shared/ imports nothing above it (but the profiles schema beside the profiles file)', () => {
  expect(violations(sourceFiles('shared'), (imported) => !imported.startsWith('shared/') && imported !== PROFILES_SCHEMA)).toEqual([]);
  expect(projectImports('shared/upload/profiles.ts')).toContain(PROFILES_SCHEMA);
});

test('a function imports no other function, and its entry not even its own manifest', () => {
  const files = sourceFiles('functions').filter((file) => file.split('/').length > 2);
  expect(
    violations(
      files,
      (imported, file) =>
        imported.split('/').length > 2 && imported.startsWith('functions/') && imported.split('/')[1] !== file.split('/')[1],
    ),
  ).toEqual([]);
  const entries = files.filter((file) => file.endsWith('/index.ts'));
  expect(entries.length).toBeGreaterThan(0);
  expect(violations(entries, (imported) => imported.endsWith('/manifest'))).toEqual([]);
});

test('a function and its manifest import only functions/ and shared/: never deploy/, local/, the tools or test helpers', () => {
  // Manifests state their needs as data; deploy/, local/ and tools/ read them through functions/registry.ts.
  const files = sourceFiles('functions');
  expect(files).toEqual(expect.arrayContaining(['functions/registry.ts', 'functions/manifest.ts', 'functions/sign-url/manifest.ts']));
  expect(violations(files, (imported) => !imported.startsWith('functions/') && !imported.startsWith('shared/'))).toEqual([]);
});

test('nothing deployed, and no deployment tool, imports the local stack', () => {
  const files = [...sourceFiles('shared'), ...sourceFiles('functions'), ...sourceFiles('deploy')];
  expect(violations(files, (imported) => imported.startsWith('local/'))).toEqual([]);
  // `npm run policies` reads the local account's names and what `npm start` takes from the environment, never the
  // dev server or the emulators; neither of those two modules imports anything else of local/.
  const accountOnly = ['local/local-account', 'local/embedded-env'];
  const reachesFurther = (imported: string): boolean => imported.startsWith('local/') && !accountOnly.includes(imported);
  expect(violations(['tools/policies.ts', ...accountOnly.map((name) => `${name}.ts`)], reachesFurther)).toEqual([]);
});

/**
 * What the browser client takes from shared/: the key layout, the part plan, URL lifetimes, ETags, XML escaping, sizes in
 * messages and the rejection messages, one copy each for the server and the browser.
 */
const BROWSER_SHARED = [
  'shared/contract',
  'shared/upload/keys',
  'shared/upload/parts',
  'shared/upload/url-expiry',
  'shared/upload/etag',
  'shared/upload/xml-escape',
  'shared/upload/byte-size',
  'shared/upload/verdict-messages',
];

test('the browser client imports only web/, the wire contract and the dependency-free upload helpers', () => {
  const allowed = new Set(BROWSER_SHARED);
  expect(violations(sourceFiles('web'), (imported) => !imported.startsWith('web/') && !allowed.has(imported))).toEqual([]);
  // Each imports nothing but the others of this list (the rejection messages: the contract and sizes).
  for (const module of allowed) expect(projectImports(`${module}.ts`).filter((imported) => !allowed.has(imported))).toEqual([]);
});

test("the browser client's modules name each relative import with its .js extension", () => {
  // Their declarations (dist/web/types/) keep the specifiers as written, and the package is ES modules: an app compiling
  // with moduleResolution node16 or nodenext refuses `./x` there (TS2834). test/web/package.test.ts checks such an app.
  const files = [...sourceFiles('web'), ...BROWSER_SHARED.map((module) => `${module}.ts`)];
  const extensionless = files.flatMap((file) =>
    relativeSpecifiers(file)
      .filter((specifier) => !specifier.endsWith('.js'))
      .map((specifier) => `${file} → ${specifier}`),
  );
  expect(extensionless).toEqual([]);
  expect(relativeSpecifiers('web/upload-client.ts')).toContain('./errors.js'); // the reader sees them
});

/** The parts of the repository, each with its own package.json, and which parts each may import. */
const PARTS: Record<string, readonly string[]> = {
  shared: ['shared'],
  functions: ['functions', 'shared'],
  web: ['web', 'shared'],
  deploy: ['deploy', 'functions', 'shared'],
  local: ['local', 'deploy', 'functions', 'shared'],
  tools: ['tools', 'local', 'deploy', 'functions', 'shared'],
};

test.each(Object.entries(PARTS))('%s/ imports only %j', (part, allowed) => {
  const files = sourceFiles(part);
  expect(files.length).toBeGreaterThan(0);
  expect(violations(files, (imported) => imported !== PROFILES_SCHEMA && !allowed.includes(imported.split('/')[0]!))).toEqual([]);
});

/** The workspaces beside the root package (the product), by folder. */
const WORKSPACES: Record<string, string> = {
  web: '@oss-direct-upload/client',
  local: '@oss-direct-upload/local-stack',
  deploy: '@oss-direct-upload/deploy',
  tools: '@oss-direct-upload/tools',
};

test('the product (functions/ and shared/) is the root package; every other part is a workspace of its own', () => {
  const manifest = (folder: string): { name: string; workspaces?: string[]; dependencies?: Record<string, string> } =>
    JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8')) as { name: string };
  expect(Object.keys(PARTS).sort()).toEqual(['functions', 'shared', ...Object.keys(WORKSPACES)].sort());
  expect(manifest('.').workspaces?.sort()).toEqual(Object.keys(WORKSPACES).sort());
  for (const [folder, name] of Object.entries(WORKSPACES)) expect(manifest(folder).name).toBe(name);
  // The browser client ships with no runtime dependency; the functions' own are what FC runs.
  expect(manifest('web').dependencies).toBeUndefined();
  expect(Object.keys(manifest('.').dependencies ?? {}).sort()).toEqual(
    ['@alicloud/openapi-client', '@alicloud/sts20150401', 'ali-oss', 'file-type', 'jose', 'sax'].sort(),
  );
});
