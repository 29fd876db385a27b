// jest `globalSetup`: each run starts with an empty capture.
'use strict';
const { rmSync } = require('node:fs');
const { join } = require('node:path');

module.exports = async () => {
  rmSync(join(__dirname, '..', '..', '.test-logs'), { recursive: true, force: true, maxRetries: 5 });
};
