// The floor of the cold-start benchmark: a handler that does nothing, loaded by the same harness.
'use strict';
exports.handler = async () => ({ statusCode: 200, headers: {}, body: '', isBase64Encoded: false });
