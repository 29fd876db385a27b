// jest `globalSetup`: each run starts with an empty capture, and gets a temporary folder of its own (TMPDIR, which
// os.tmpdir(), the test workers and Chromium read), so that global-teardown.cjs can tell what a test left behind.
'use strict';
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

module.exports = async () => {
  rmSync(join(__dirname, '..', '..', '.test-logs'), { recursive: true, force: true, maxRetries: 5 });
  process.env['TEST_RUN_TMPDIR'] = mkdtempSync(join(tmpdir(), 'oss-direct-upload-tests-'));
  process.env['TMPDIR'] = process.env['TEST_RUN_TMPDIR'];
};
