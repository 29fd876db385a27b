// How the profiles file reaches the bundles: an esbuild plugin that resolves shared/upload/bundled-profiles.ts to
// the file's JSON (upload-profiles.json at the repository root, or the file UPLOAD_PROFILES_FILE names). It reads a
// file, as esbuild reads every source: nothing is checked or run here; the functions check the profiles at cold
// start, `npm start` and `npm run deploy:check` before anything starts.
const { existsSync, readFileSync } = require('node:fs');
const { basename, isAbsolute, join, relative, resolve } = require('node:path');

const PROFILES_FILE_NAME = 'upload-profiles.json';

/** The profiles file a build bundles: its absolute path, or undefined when there is none. Throws for a named file that is missing. */
function profilesFileFor(root, env = process.env) {
  const named = (env.UPLOAD_PROFILES_FILE ?? '').trim();
  if (named === '') {
    const fallback = join(root, PROFILES_FILE_NAME);
    return existsSync(fallback) ? fallback : undefined;
  }
  const path = resolve(root, named);
  if (!existsSync(path)) throw new Error(`UPLOAD_PROFILES_FILE names ${named}, which does not exist (paths are relative to ${root})`);
  return path;
}

/** Replaces the bundled-profiles module with `file`'s content; leaves it (no profiles) when `file` is undefined. */
function uploadProfilesPlugin({ root, file }) {
  const module = join(root, 'shared', 'upload', 'bundled-profiles.ts');
  // Named as the repository names it; a file outside the repository by its name alone (no local path in a log).
  const inside = file === undefined ? undefined : relative(root, file);
  const name =
    file === undefined ? undefined : inside !== undefined && !inside.startsWith('..') && !isAbsolute(inside) ? inside : basename(file);
  return {
    name: 'upload-profiles',
    setup(build) {
      build.onResolve({ filter: /bundled-profiles$/ }, (args) =>
        file !== undefined && `${resolve(args.resolveDir, args.path)}.ts` === module
          ? { path: file, namespace: 'upload-profiles' }
          : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'upload-profiles' }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        let document;
        try {
          document = JSON.parse(text);
        } catch (error) {
          return { errors: [{ text: `${name} is not JSON: ${error instanceof Error ? error.message : String(error)}` }] };
        }
        return {
          contents: `export const BUNDLED_PROFILES_FILE = ${JSON.stringify({ name, document })};`,
          loader: 'js',
          watchFiles: [args.path],
        };
      });
    },
  };
}

module.exports = { PROFILES_FILE_NAME, profilesFileFor, uploadProfilesPlugin };
