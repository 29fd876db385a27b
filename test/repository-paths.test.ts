/**
 * Everything a test or a script needs lives in the repository: no source, script or test names a path outside it
 * (a user's clone has nothing beside it). Relative paths are resolved from the file that names them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(__dirname, '..');
const FOLDERS = ['shared', 'functions', 'deploy', 'local', 'web', 'tools', 'test', '.ci'];
const ROOT_FILES = ['package.json', 'jest.config.js', 'eslint.config.mjs', 'tsconfig.json', 's.yaml'];

function files(): string[] {
  const found = FOLDERS.flatMap((folder) =>
    readdirSync(join(root, folder), { withFileTypes: true, recursive: true })
      .filter((entry) => entry.isFile() && /\.(ts|mjs|cjs|js|json|sh|yaml|html)$|^run$/.test(entry.name))
      .map((entry) => relative(root, join(entry.parentPath, entry.name))),
  );
  // This file's own examples of what the scan must find are left out.
  return [...found.filter((file) => file !== relative(root, __filename)), ...ROOT_FILES];
}

const outside = (path: string): boolean => path !== root && !path.startsWith(root + sep);

/** Paths a file names: `'../x'` strings, `join(__dirname, '..', …)` chains, and absolute paths into /work or a home. */
export function pathsOutside(file: string, text: string): string[] {
  // Command-line scripts run as bundles from dist/tools/, one folder deeper than their source.
  const base = /^tools\/[^/]+\.ts$/.test(file) ? join(root, 'dist', 'tools') : dirname(join(root, file));
  const found: string[] = [];
  for (const match of text.matchAll(/['"`]((?:\.\.\/)+[^'"`\s]*)['"`]/g)) {
    if (outside(resolve(base, match[1]!))) found.push(match[1]!);
  }
  for (const match of text.matchAll(/(?:join|resolve)\(\s*(__dirname|root|process\.cwd\(\))((?:\s*,\s*'\.\.')+)/g)) {
    const ups = (match[2]!.match(/'\.\.'/g) ?? []).length;
    const from = match[1] === '__dirname' ? base : root;
    if (outside(resolve(from, ...Array<string>(ups).fill('..')))) found.push(`${match[1]} + ${ups} × '..'`);
  }
  for (const match of text.matchAll(/['"`](\/(?:work|home|root)\/[^'"`\s]*)['"`]/g)) found.push(match[1]!);
  return found;
}

test('the scan finds a path outside the repository when there is one', () => {
  expect(pathsOutside('test/deploy/x.test.ts', "join(__dirname, '..', '..', '..', 'shared')")).toHaveLength(1);
  expect(pathsOutside('test/deploy/x.test.ts', "readFileSync('../../../shared/schemas/x.json')")).toEqual([
    '../../../shared/schemas/x.json',
  ]);
  expect(pathsOutside('test/deploy/x.test.ts', "join(__dirname, '..', '..', 'dist')")).toEqual([]);
});

test('no source, script, test or configuration file names a path outside the repository', () => {
  const found = files().flatMap((file) => pathsOutside(file, readFileSync(join(root, file), 'utf8')).map((path) => `${file}: ${path}`));
  expect(found).toEqual([]);
});
