// A jest reporter that fails the run when any test was skipped or left as a todo: a test that cannot run must fail
// with a reason, never disappear from the count (issue 16).
'use strict';

class NoSkippedTestsReporter {
  constructor() {
    this.error = undefined;
  }

  onRunComplete(_contexts, results) {
    const skipped = [];
    for (const file of results.testResults) {
      for (const test of file.testResults) {
        if (test.status === 'pending' || test.status === 'skipped' || test.status === 'todo' || test.status === 'disabled') {
          skipped.push(`${file.testFilePath}: ${test.fullName} (${test.status})`);
        }
      }
    }
    if (skipped.length > 0) {
      this.error = new Error(`${skipped.length} test(s) did not run; every test must run:\n  ${skipped.join('\n  ')}`);
      process.stderr.write(`\n${this.error.message}\n`);
    }
  }

  getLastError() {
    return this.error;
  }
}

module.exports = NoSkippedTestsReporter;
