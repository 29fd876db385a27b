// How a function is bundled, in one place for the build (tools/build.mjs) and for the bench and tests that bundle a
// function with a profiles file of their own. The profiles file reaches the bundles through an esbuild plugin that
// resolves shared/upload/bundled-profiles.ts to the file's JSON (upload-profiles.json at the repository root, or the
// file UPLOAD_PROFILES_FILE names). It reads a file, as esbuild reads every source: nothing is checked or run here;
// the functions check the profiles at cold start, `npm start` and `npm run deploy:check` before anything starts.
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

/** A profiles file as the bundles name it: as the repository names it; a file outside it by its name alone (no local path in a log). */
function profilesFileName(root, file) {
  const inside = relative(root, file);
  return !inside.startsWith('..') && !isAbsolute(inside) ? inside : basename(file);
}

/** The profiles file's JSON, named; throws with one line naming the file when it is not JSON (its schema is checked at cold start). */
function readProfilesFile(root, file) {
  const name = profilesFileName(root, file);
  try {
    return { name, document: JSON.parse(readFileSync(file, 'utf8')) };
  } catch (error) {
    throw new Error(`${name} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Replaces the bundled-profiles module with `file`'s content; leaves it (no profiles) when `file` is undefined. */
function uploadProfilesPlugin({ root, file }) {
  const module = join(root, 'shared', 'upload', 'bundled-profiles.ts');
  return {
    name: 'upload-profiles',
    setup(build) {
      build.onResolve({ filter: /bundled-profiles$/ }, (args) =>
        file !== undefined && `${resolve(args.resolveDir, args.path)}.ts` === module
          ? { path: file, namespace: 'upload-profiles' }
          : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'upload-profiles' }, (args) => {
        let profiles;
        try {
          profiles = readProfilesFile(root, args.path);
        } catch (error) {
          return { errors: [{ text: error instanceof Error ? error.message : String(error) }] };
        }
        return {
          contents: `export const BUNDLED_PROFILES_FILE = ${JSON.stringify(profiles)};`,
          loader: 'js',
          watchFiles: [args.path],
        };
      });
    },
  };
}

/** What every bundle of the build shares. */
function commonOptions({ root, profilesFile }) {
  return {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [uploadProfilesPlugin({ root, file: profilesFile })],
  };
}

/** esbuild's options for one function's bundle, `functions/<name>/index.ts` into `outfile`. */
function functionBundleOptions({ root, name, outfile, profilesFile }) {
  return {
    ...commonOptions({ root, profilesFile }),
    entryPoints: [join(root, 'functions', name, 'index.ts')],
    outfile,
    // Stand-ins for third-party internals, each kept for a measured cold-start saving of 2 ms or more (docs/internals.md,
    // "Dependencies"): ali-oss's signing helpers need only a flat qs.stringify and two type checks (their
    // signatures are recomputed from the specification by the tests); openapi-client needs only static credentials
    // from @alicloud/credentials and never XML for our JSON calls. debug is kept off for safety, not speed: httpx,
    // under the STS SDK, would print signed AssumeRole requests with DEBUG=httpx:*. The STS substitutes are tested
    // in the built bundle against the STS emulator.
    alias: {
      qs: join(root, 'shared', 'alicloud', 'vendor', 'qs-flat.ts'),
      'is-type-of': join(root, 'shared', 'alicloud', 'vendor', 'is-type-of-signutils.ts'),
      '@alicloud/credentials': join(root, 'shared', 'alicloud', 'vendor', 'alicloud-static-credentials.ts'),
      '@alicloud/tea-xml': join(root, 'shared', 'alicloud', 'vendor', 'tea-xml-unused.ts'),
      debug: join(root, 'shared', 'alicloud', 'vendor', 'debug-off.ts'),
    },
    minify: true,
    sourcemap: false,
  };
}

module.exports = { PROFILES_FILE_NAME, profilesFileFor, readProfilesFile, uploadProfilesPlugin, commonOptions, functionBundleOptions };
