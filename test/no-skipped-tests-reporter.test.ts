/** The reporter that makes a skipped or todo test fail the run (jest.config.js lists it). */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the reporter is the CommonJS file jest loads
const Reporter = require('./support/no-skipped-tests-reporter.cjs') as new () => {
  onRunComplete(contexts: unknown, results: unknown): void;
  getLastError(): Error | undefined;
};

const results = (...statuses: string[]): unknown => ({
  testResults: [{ testFilePath: '/repo/test/a.test.ts', testResults: statuses.map((status, i) => ({ status, fullName: `case ${i}` })) }],
});

test('a run where every test ran has no error', () => {
  const reporter = new Reporter();
  reporter.onRunComplete(new Set(), results('passed', 'failed'));
  expect(reporter.getLastError()).toBeUndefined();
});

test.each(['pending', 'skipped', 'todo', 'disabled'])('a %s test makes the run fail, naming it', (status) => {
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const reporter = new Reporter();
  reporter.onRunComplete(new Set(), results('passed', status));
  stderr.mockRestore();
  expect(reporter.getLastError()?.message).toContain(`case 1 (${status})`);
});
