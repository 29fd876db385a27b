/** upload-completed's configuration: the webhook (URL and Standard Webhooks secret), the quarantine, the endpoint. */
import { completionSection, composeSections, uploadSection } from '../../../shared/config/sections';
import { configFrom, problemsFrom } from '../../support/env';

const section = composeSections(uploadSection, completionSection);
const SECRET = `whsec_${Buffer.alloc(24, 5).toString('base64')}`;

test('defaults: no webhook, no quarantine, the region internal endpoint', () => {
  expect(configFrom(section)).toMatchObject({
    webhook: undefined,
    quarantinePrefix: undefined,
    objectEndpoint: 'https://uploads-bucket.oss-cn-hangzhou-internal.aliyuncs.com',
  });
});

test('every variable is read, with its value', () => {
  const config = configFrom(section, {
    UPLOAD_WEBHOOK_URL: 'https://app.example.com/hooks/uploads?token=abc',
    UPLOAD_WEBHOOK_SECRET: SECRET,
    QUARANTINE_PREFIX: 'quarantine/uploads/',
    OSS_ENDPOINT: 'http://127.0.0.1:9100',
  });
  expect(config.webhook?.url.href).toBe('https://app.example.com/hooks/uploads?token=abc');
  expect(Buffer.from(config.webhook!.secret).equals(Buffer.alloc(24, 5))).toBe(true);
  expect(config.quarantinePrefix).toBe('quarantine/uploads/');
  expect(config.objectEndpoint).toBe('http://127.0.0.1:9100');
});

test('the secret must carry whsec_: the same base64 without it is refused, not taken as a key', () => {
  expect(configFrom(section, { UPLOAD_WEBHOOK_URL: 'https://a.example/h', UPLOAD_WEBHOOK_SECRET: SECRET }).webhook!.secret).toEqual(
    new Uint8Array(Buffer.alloc(24, 5)),
  );
  expect(
    problemsFrom(section, { UPLOAD_WEBHOOK_URL: 'https://a.example/h', UPLOAD_WEBHOOK_SECRET: SECRET.slice('whsec_'.length) }),
  ).toEqual(['UPLOAD_WEBHOOK_SECRET must be whsec_ followed by the padded base64 of 24 to 64 random bytes (Standard Webhooks)']);
});

test.each([
  [
    { UPLOAD_WEBHOOK_URL: 'http://app.example.com/hook', UPLOAD_WEBHOOK_SECRET: SECRET },
    'UPLOAD_WEBHOOK_URL must use https (http only on loopback)',
  ],
  [
    { UPLOAD_WEBHOOK_URL: 'not a url', UPLOAD_WEBHOOK_SECRET: SECRET },
    'UPLOAD_WEBHOOK_URL must be a URL like https://app.example.com/hooks/uploads',
  ],
  [
    { UPLOAD_WEBHOOK_URL: 'https://app.example.com/hook' },
    'UPLOAD_WEBHOOK_URL needs UPLOAD_WEBHOOK_SECRET: receivers verify every delivery with it',
  ],
  [{ UPLOAD_WEBHOOK_SECRET: SECRET }, 'UPLOAD_WEBHOOK_SECRET is set without UPLOAD_WEBHOOK_URL'],
  [
    { UPLOAD_WEBHOOK_URL: 'https://a.example/h', UPLOAD_WEBHOOK_SECRET: 'whsec_c2hvcnQ=' },
    'UPLOAD_WEBHOOK_SECRET must be whsec_ followed by the padded base64 of 24 to 64 random bytes (Standard Webhooks)',
  ],
  [
    { UPLOAD_WEBHOOK_URL: 'https://a.example/h', UPLOAD_WEBHOOK_SECRET: `whsec_${Buffer.alloc(23).toString('base64')}` },
    'UPLOAD_WEBHOOK_SECRET must be whsec_ followed by the padded base64 of 24 to 64 random bytes (Standard Webhooks)',
  ],
  [
    { UPLOAD_WEBHOOK_URL: 'https://a.example/h', UPLOAD_WEBHOOK_SECRET: `whsec_${Buffer.alloc(65).toString('base64')}` },
    'UPLOAD_WEBHOOK_SECRET must be whsec_ followed by the padded base64 of 24 to 64 random bytes (Standard Webhooks)',
  ],
  [{ QUARANTINE_PREFIX: 'users/quarantine/' }, "QUARANTINE_PREFIX must lie outside UPLOAD_PREFIX's folder users/, and not contain it"],
  [
    { QUARANTINE_PREFIX: 'u/', UPLOAD_PREFIX: 'u/x/{user}/' },
    "QUARANTINE_PREFIX must lie outside UPLOAD_PREFIX's folder u/x/, and not contain it",
  ],
  [
    { QUARANTINE_PREFIX: 'users.usage/quarantine/' },
    'QUARANTINE_PREFIX must lie outside users.usage/, where the usage records of profile quotas are kept, and not contain it',
  ],
  [
    { QUARANTINE_PREFIX: 'quarantine' },
    'QUARANTINE_PREFIX must be a folder like quarantine/: letters, digits and !_.()=,;:@+- between single slashes, ending in /',
  ],
  [
    { QUARANTINE_PREFIX: '../q/' },
    'QUARANTINE_PREFIX must be a folder like quarantine/: letters, digits and !_.()=,;:@+- between single slashes, ending in /',
  ],
  [
    { QUARANTINE_PREFIX: 'q*/' },
    'QUARANTINE_PREFIX must be a folder like quarantine/: letters, digits and !_.()=,;:@+- between single slashes, ending in /',
  ],
])('%j → %s', (env, problem) => {
  expect(problemsFrom(section, env)).toEqual([problem]);
});

test('a problem never repeats the secret or the URL', () => {
  const secret = 'whsec_' + 'A'.repeat(10);
  const problems = problemsFrom(section, {
    // Built at run time, so the repository's secret scan stays clean.
    UPLOAD_WEBHOOK_URL: ['http://user', 'pass@app.example.com/hook?token=supersecret'].join(':'),
    UPLOAD_WEBHOOK_SECRET: secret,
  });
  expect(problems.join(' ')).not.toContain('supersecret');
  expect(problems.join(' ')).not.toContain(secret);
});
