/** The browser client's messages: OSS's XML and the functions' JSON become sentences a person can act on. */
import { blockedMessage, formatBytes, fromFunctionError, fromOssCode, parseOssError } from '../../web/errors';

test('OSS XML errors are read, never shown raw', () => {
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time and the current time is too large.</Message><RequestId>1</RequestId></Error>';
  expect(parseOssError(xml)).toEqual({
    code: 'RequestTimeTooSkewed',
    message: 'The difference between the request time and the current time is too large.',
  });
  expect(parseOssError('<html>proxy error</html>')).toBeUndefined();
});

test.each([
  ['RequestTimeTooSkewed', 'ClockSkew', /clock is more than 15 minutes off/],
  ['SecurityTokenExpired', 'CredentialsExpired', /permission expired/],
  ['InvalidAccessKeyId', 'CredentialsExpired', /permission expired/],
  ['EntityTooLarge', 'TooLarge', /too large: the limit is 600 KiB/],
  ['FileAlreadyExists', 'AlreadyExists', /cannot be overwritten/],
  ['SignatureDoesNotMatch', 'Refused', /exactly the headers and fields/],
  ['AccessDenied', 'Refused', /key, type or size/],
  ['SomethingNew', 'Failed', /\(SomethingNew\)/],
])('OSS %s → %s with an actionable message', (ossCode, code, message) => {
  const error = fromOssCode(ossCode, { maxBytes: 600 * 1024 });
  expect(error.code).toBe(code);
  expect(error.serviceCode).toBe(ossCode);
  expect(error.message).toMatch(message);
  expect(error.message).not.toContain('<');
});

test.each([
  [401, { error: { code: 'Unauthorized', message: 'token has expired' } }, 'Unauthorized', /Sign in again: token has expired/],
  [400, { error: { code: 'InvalidContentType', message: 'contentType text/html is not allowed' } }, 'TypeNotAllowed', /cannot be uploaded/],
  [413, { error: { code: 'EntityTooLarge', message: 'size 2 is over the limit of 1 bytes' } }, 'TooLarge', /too large/],
  [503, { error: { code: 'UpstreamUnavailable', message: 'x' } }, 'Unavailable', /busy/],
  [429, { error: { code: 'TooManyRequests', message: 'x' } }, 'Unavailable', /busy/],
  [500, { error: { code: 'InternalError', message: 'internal error' } }, 'Failed', /failed/],
  [502, 'not json', 'Failed', /failed/],
  [409, { error: { code: 'FileAlreadyExists', message: 'an object with this key already exists' } }, 'AlreadyExists', /already exists/],
  [404, { error: { code: 'NoSuchUpload', message: 'the upload does not exist' } }, 'Refused', /does not exist/],
])('function %i → %s', (status, body, code, message) => {
  const error = fromFunctionError(status, body);
  expect(error.code).toBe(code);
  expect(error.message).toMatch(message);
});

test('a blocked request points at CORS', () => {
  expect(blockedMessage).toMatch(/CORS rule/);
  expect(formatBytes(1536)).toBe('1.5 KiB');
  expect(formatBytes(104_857_600)).toBe('100 MiB');
});
