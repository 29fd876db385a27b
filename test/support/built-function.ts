/**
 * A built function as FC receives it: the whole of dist/<name> (its one bundle, `index.js`) copied to a bare temporary
 * folder where no node_modules can be found.
 */
import { cpSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DIST = join(__dirname, '..', '..', 'dist');

/** The folder's path. */
export function copyBuiltFunction(name: string): string {
  const source = join(DIST, name);
  if (!existsSync(join(source, 'index.js'))) throw new Error(`dist/${name} is not built: run npm run build`);
  const folder = mkdtempSync(join(tmpdir(), `${name}-built-`));
  cpSync(source, folder, { recursive: true });
  return folder;
}
