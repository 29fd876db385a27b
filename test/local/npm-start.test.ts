/** `npm start` as a user runs it: a child process that prints its URLs, answers /healthz and stops on Ctrl-C. */
import { npmStart } from '../support/npm-start';

test('npm start serves the stack and stops cleanly on SIGINT', async () => {
  const stack = await npmStart();
  try {
    expect(stack.output()).toMatch(/curl -s -X POST http:\/\/127\.0\.0\.1:\d+\/api\/sign-url/);
    expect(await (await fetch(`${stack.url}/healthz`)).json()).toEqual({ status: 'ok', mode: 'embedded' });
    const page = await fetch(`${stack.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<h1>Direct-to-OSS uploads</h1>');
    expect((await fetch(`${stack.url}/assets/vendor/aliyun-oss-sdk.min.js`)).status).toBe(200);
  } finally {
    const outcome = await stack.stop();
    // npm itself ends by the signal it forwarded (as in a terminal); the server says it stopped, and nothing failed.
    expect(['0', 'SIGINT']).toContain(outcome);
  }
  expect(stack.output()).toContain('SIGINT: stopping');
  expect(stack.output()).not.toMatch(/could not start|Error|ERR!/);
  await expect(fetch(`${stack.url}/healthz`)).rejects.toThrow();
}, 60_000);
