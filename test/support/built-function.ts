/**
 * A built function as FC receives it: the whole of dist/<name> (its one bundle, `index.js`) copied to a bare temporary
 * folder where no node_modules can be found.
 */
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tempFolder } from './temp-folder';

export const DIST = join(__dirname, '..', '..', 'dist');

/** The folder's path; removed after the test file's last test. */
export function copyBuiltFunction(name: string): string {
  const source = join(DIST, name);
  if (!existsSync(join(source, 'index.js'))) throw new Error(`dist/${name} is not built: run npm run build`);
  const folder = tempFolder(`${name}-built-`);
  cpSync(source, folder, { recursive: true });
  return folder;
}
