/**
 * A built function as FC receives it: the whole of dist/<name> (the entry `index.js`, the bundle `function.js`, its
 * code cache, the modules it requires lazily) copied to a bare temporary folder where no node_modules can be found.
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DIST = join(__dirname, '..', '..', 'dist');

/** The folder's path; `without` names lazily required modules to leave out (say, to prove a request never loads them). */
export function copyBuiltFunction(name: string, options: { without?: string[] } = {}): string {
  const source = join(DIST, name);
  if (!existsSync(join(source, 'index.js'))) throw new Error(`dist/${name} is not built: run npm run build`);
  const folder = mkdtempSync(join(tmpdir(), `${name}-built-`));
  cpSync(source, folder, { recursive: true });
  for (const file of options.without ?? []) rmSync(join(folder, file));
  return folder;
}
