/**
 * The profiles file in the bundle: the build (tools/build.mjs, tools/bundle-options.cjs) replaces this
 * module with upload-profiles.json, or the file UPLOAD_PROFILES_FILE names, when there is one. Run from the sources
 * (the tests), there is none unless a caller passes one (`loadConfig`'s `profilesFile`).
 */
import type { ProfilesFile } from './profiles';

export const BUNDLED_PROFILES_FILE: ProfilesFile | undefined = undefined;
