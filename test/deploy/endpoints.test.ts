/** What `s deploy` prints last, from the fc3 outputs, through the plugin s.yaml names (built as s loads it). */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { endpointLines, systemUrl } from '../../deploy/endpoints';

const signUrl = 'https://oss-upload-sign-url-abcdefghij.cn-hangzhou.fcapp.run';
const stsToken = 'https://oss-upload-sts-token-abcdefghij.cn-hangzhou.fcapp.run';

test('the URLs and the lines a frontend and an app set', () => {
  const lines = endpointLines({ signUrl, stsToken, bucket: 'my-uploads', region: 'cn-hangzhou' });
  expect(lines).toEqual(
    expect.arrayContaining([
      `  sign-url   ${signUrl}`,
      `  const SIGN_URL_FUNCTION_URL = '${signUrl}';`,
      `  const STS_TOKEN_FUNCTION_URL = '${stsToken}';`,
      `  stsTokenUrl = "${stsToken}"`,
      '  endpoint = "https://oss-cn-hangzhou.aliyuncs.com", bucket = "my-uploads"',
      expect.stringContaining(`npm run smoke -- ${signUrl} ${stsToken}`),
    ]),
  );
  expect(systemUrl({ url: { system_url: signUrl } })).toBe(signUrl);
  expect(systemUrl({ url: {} })).toBeUndefined();
  expect(endpointLines({ signUrl: undefined, stsToken, bucket: 'b', region: 'r' })[1]).toBe(
    '  sign-url   <not found: run `s sign-url info`>',
  );
});

test('the built plugin, loaded as s loads a local plugin, prints them from the steps of the deploy', async () => {
  const script = `
    const loaded = require(${JSON.stringify(join(__dirname, '..', '..', 'dist', 'deploy', 'endpoints-plugin.js'))});
    const plugin = loaded.default || loaded;
    let constructed = true;
    try { new plugin({}); } catch { constructed = false; }
    const inputs = { steps: [{ projectName: 'sign-url', output: { url: { system_url: '${signUrl}' } } }, { projectName: 'sts-token', output: { url: { system_url: '${stsToken}' } } }] };
    plugin(inputs).then((answer) => { if (answer !== inputs || constructed) process.exitCode = 3; });`;
  const out = execFileSync(process.execPath, ['-e', script], {
    env: { PATH: process.env['PATH'] ?? '', OSS_BUCKET: 'my-uploads', OSS_REGION: 'cn-hangzhou' },
    encoding: 'utf8',
  });
  expect(out).toContain(`  sts-token  ${stsToken}`);
  expect(out).toContain('bucket = "my-uploads"');
});
