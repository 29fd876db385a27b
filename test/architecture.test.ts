/**
 * The layering DESIGN.md promises, read from the import statements themselves: the library never reaches up,
 * functions never import each other, nothing deployed imports the local stack, the browser imports only the
 * dependency-free contract and key layout.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(__dirname, '..');

function sourceFiles(folder: string): string[] {
  return readdirSync(join(root, folder), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.ts$/.test(entry.name))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

/** Repository-relative paths of the project modules a file imports (packages and node: modules left out). */
function projectImports(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import|require\()\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((match) => match[1]!);
  return specifiers.map((specifier) => relative(root, resolve(root, dirname(file), specifier)));
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

test('shared/ imports nothing above it', () => {
  expect(violations(sourceFiles('shared'), (imported) => !imported.startsWith('shared/'))).toEqual([]);
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
  expect(violations(entries, (imported) => imported.endsWith('/manifest') || imported.startsWith('deploy/'))).toEqual([]);
});

test('nothing deployed, and no deployment tool, imports the local stack', () => {
  const files = [...sourceFiles('shared'), ...sourceFiles('functions'), ...sourceFiles('deploy')];
  expect(violations(files, (imported) => imported.startsWith('local/'))).toEqual([]);
  // `npm run policies` reads the local account's names and what `npm start` takes from the environment, never the
  // dev server or the emulators; neither of those two modules imports anything else of local/.
  const accountOnly = ['local/local-account', 'local/embedded-env'];
  const reachesFurther = (imported: string): boolean => imported.startsWith('local/') && !accountOnly.includes(imported);
  expect(violations(['scripts/policies.ts', ...accountOnly.map((name) => `${name}.ts`)], reachesFurther)).toEqual([]);
});

test('the browser client imports only web/, the wire contract and the dependency-free upload helpers', () => {
  // The key layout, the part plan, URL lifetimes, ETags and XML escaping: one copy each for the server and the browser.
  const allowed = new Set([
    'shared/contract',
    'shared/upload/keys',
    'shared/upload/parts',
    'shared/upload/url-expiry',
    'shared/upload/etag',
    'shared/upload/xml-escape',
  ]);
  expect(violations(sourceFiles('web'), (imported) => !imported.startsWith('web/') && !allowed.has(imported))).toEqual([]);
  for (const module of allowed) expect(projectImports(`${module}.ts`)).toEqual([]);
});
