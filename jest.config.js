/** Tests are type-checked by `npm run typecheck`; jest only transpiles, which keeps the suite fast. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.[tj]s$': [
      'ts-jest',
      { tsconfig: { isolatedModules: true, allowJs: true, module: 'commonjs', moduleResolution: 'node10', verbatimModuleSyntax: false } },
    ],
  },
  // The browser client's modules write relative imports as `./x.js`, as its ES module declarations must
  // (dist/web/types/): here they name the TypeScript file beside them (`./x`, which finds x.js first where one exists).
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // jose 6 and file-type (with its tokenizer packages) ship ES modules only: ts-jest turns them into CommonJS.
  transformIgnorePatterns: ['/node_modules/(?!(jose|file-type|strtok3|token-types|uint8array-extras|@tokenizer|@borewit)/)'],
  testTimeout: 20000,
  reporters: ['default', '<rootDir>/test/support/no-skipped-tests-reporter.cjs'],
  globalSetup: '<rootDir>/test/support/global-setup.cjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.cjs',
  setupFiles: ['<rootDir>/test/support/setup-capture.ts', '<rootDir>/test/support/fuzz-seed.ts'],
};
