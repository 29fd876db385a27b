/**
 * Bundled in place of `is-type-of` in the function bundles (tools/build.mjs). ali-oss's signing helpers
 * (`lib/common/signUtils`) ask it two questions, `is.string` and `is.array`; the real package brings core-util-is,
 * isstream, is-class-hotfix and `stream` to answer them (~0.2 ms of sign-url's module load, docs/internals.md, "Dependencies").
 * Same verdicts (test/shared/alicloud/vendor-shims.test.ts); any other question is absent and fails at once.
 */

export function string(value: unknown): value is string {
  return typeof value === 'string';
}

export function array(value: unknown): value is unknown[] {
  return Array.isArray(value);
}
