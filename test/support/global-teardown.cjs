// jest `globalTeardown`: every test removes what it made in the temporary folder; the run's folder is removed, and
// anything left in it fails the run, named.
'use strict';
const { readdirSync, rmSync } = require('node:fs');

module.exports = async () => {
  const folder = process.env['TEST_RUN_TMPDIR'];
  if (folder === undefined) return;
  const left = readdirSync(folder).sort();
  rmSync(folder, { recursive: true, force: true, maxRetries: 5 });
  if (left.length > 0) throw new Error(`tests left ${left.length} entries in the temporary folder: ${left.slice(0, 20).join(', ')}`);
};
