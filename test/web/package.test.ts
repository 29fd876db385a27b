/**
 * The browser client as a package (dist/web/, written by `npm run build`): its package.json, one ES module with no
 * imports, the Uppy adapter as a second entry importing it, and type declarations an app's TypeScript checks against.
 * (test/browser/local-stack.test.ts uploads from a page that loads nothing but dist/web/upload-client.js.)
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tempFolder } from '../support/temp-folder';

const root = join(__dirname, '..', '..');
const DIST_WEB = join(root, 'dist', 'web');
const read = (file: string): string => readFileSync(join(DIST_WEB, file), 'utf8');

interface Manifest {
  name: string;
  type: string;
  dependencies?: unknown;
  exports: Record<string, { types: string; default: string }>;
}

test('package.json: an ES module package with two entries, their types, and no dependencies', () => {
  const manifest = JSON.parse(read('package.json')) as Manifest;
  expect(manifest).toMatchObject({ name: '@oss-direct-upload/client', type: 'module' });
  expect(manifest.dependencies).toBeUndefined();
  expect(Object.keys(manifest.exports)).toEqual(['.', './uppy']);
  for (const entry of Object.values(manifest.exports)) {
    expect(existsSync(join(DIST_WEB, entry.default))).toBe(true);
    expect(existsSync(join(DIST_WEB, entry.types))).toBe(true);
  }
});

test('upload-client.js imports nothing; uppy.js imports only it', () => {
  const importsOf = (file: string): string[] =>
    [...read(file).matchAll(/^\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
  expect(importsOf('upload-client.js')).toEqual([]);
  expect(importsOf('uppy.js')).toEqual(['./upload-client.js']);
});

/** How an app's TypeScript may resolve packages: each is checked, the declarations included (no skipLibCheck). */
const RESOLUTIONS = { bundler: 'ESNext', node16: 'Node16', nodenext: 'NodeNext' } as const;

/** tsc's exit code and output, whether it passed or not. */
async function tsc(args: string[]): Promise<{ code: number; output: string }> {
  const bin = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args, '--pretty', 'false']);
    return { code: 0, output: `${stdout}${stderr}` };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, output: `${stdout}${stderr}` };
  }
}

test("an app's TypeScript resolves both entries and checks its calls against the declarations, whatever its moduleResolution", async () => {
  const app = tempFolder('client-app-');
  mkdirSync(join(app, 'node_modules', '@oss-direct-upload'), { recursive: true });
  // What `npm install <path to dist/web>` makes: a link to the folder.
  symlinkSync(DIST_WEB, join(app, 'node_modules', '@oss-direct-upload', 'client'));
  // An ES module app, as the package is (node16 and nodenext read that from here).
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  for (const [resolution, module] of Object.entries(RESOLUTIONS)) {
    writeFileSync(
      join(app, `tsconfig.${resolution}.json`),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          skipLibCheck: false,
          noEmit: true,
          module,
          moduleResolution: resolution,
          target: 'ES2022',
          lib: ['ES2023', 'DOM'],
          types: [],
        },
        files: ['app.ts'],
      }),
    );
  }
  writeFileSync(
    join(app, 'app.ts'),
    [
      "import { upload, UploadError, type UploadResult } from '@oss-direct-upload/client';",
      "import { signUrlForUppy } from '@oss-direct-upload/client/uppy';",
      'export async function send(file: File): Promise<string> {',
      "  const result: UploadResult = await upload(file, { endpoint: 'https://fn.example.com', getToken: async () => 't', mode: 'put' });",
      '  return result.key;',
      '}',
      'export const isUploadError = (error: unknown): boolean => error instanceof UploadError;',
      'export const adapter = signUrlForUppy;',
      '// @ts-expect-error: an unknown mode is refused by the declarations',
      "export const wrong = (file: File) => upload(file, { endpoint: 'https://fn.example.com', getToken: async () => 't', mode: 'ftp' });",
      '',
    ].join('\n'),
  );
  // One tsc checks the app once per resolution (build mode takes several projects; --verbose names each before its errors).
  const configs = Object.keys(RESOLUTIONS).map((resolution) => join(app, `tsconfig.${resolution}.json`));
  const { code, output } = await tsc(['--build', '--verbose', ...configs]);
  const errors: Record<string, string[]> = {};
  let project = 'tsc'; // errors before any project (a config tsc cannot read) are tsc's own
  for (const line of output.split('\n')) {
    const building = /Building project '[^']*tsconfig\.(\w+)\.json'/.exec(line);
    if (building !== null) errors[(project = building[1]!)] = [];
    else if (/error TS\d+/.test(line)) (errors[project] ??= []).push(line.trim());
  }
  expect({ code, errors }).toEqual({ code: 0, errors: { bundler: [], node16: [], nodenext: [] } });
  // The same check fails where the app gets the call wrong: the declarations are what is checked, not any.
  writeFileSync(join(app, 'app.ts'), "import { upload } from '@oss-direct-upload/client';\nexport const bad = upload('not a file', {});\n");
  expect(await tsc(['-p', join(app, 'tsconfig.nodenext.json')])).toMatchObject({
    code: 2,
    output: expect.stringContaining('error TS2345'),
  });
}, 120_000);
