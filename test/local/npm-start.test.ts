/** `npm start` as a user runs it: a child process that prints its URLs, answers /healthz and stops on Ctrl-C. */
import { samplePng } from '../../local/sample-files';
import { npmStart } from '../support/npm-start';
import { tempFolder } from '../support/temp-folder';

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

test('with a data folder, uploaded objects survive a restart of npm start', async () => {
  const data = tempFolder('oss-data-');
  const first = await npmStart({ OSS_EMULATOR_DATA: data });
  let key = '';
  const kept = samplePng(300);
  try {
    expect(first.output()).toContain(`stored in ${data}`);
    const { token } = (await (await fetch(`${first.url}/api/dev-token?user=keeper`)).json()) as { token: string };
    const signed = (await (
      await fetch(`${first.url}/api/sign-url`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ filename: 'kept.html', contentType: 'image/png', size: kept.length }),
      })
    ).json()) as { url: string; headers: Record<string, string>; key: string };
    // The built stack derives the extension from the type and binds the URL to the declared length.
    expect(signed.key).toMatch(/^users\/keeper\/\d{4}\/\d{2}\/[A-Za-z0-9_-]{22}\.png$/);
    const longer = await fetch(signed.url, {
      method: 'PUT',
      headers: signed.headers,
      body: new Uint8Array(Buffer.concat([kept, Buffer.from('more')])),
    });
    expect([longer.status, /<Code>(\w+)<\/Code>/.exec(await longer.text())?.[1]]).toEqual([403, 'SignatureDoesNotMatch']);
    // A real PNG: upload-completed removes what is not what its type says.
    expect((await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: new Uint8Array(kept) })).status).toBe(200);
    key = signed.key;
  } finally {
    await first.stop();
  }
  const second = await npmStart({ OSS_EMULATOR_DATA: data });
  try {
    const listing = (await (await fetch(`${second.url}/api/dev-objects?prefix=users/keeper/`)).json()) as {
      objects: Array<{ key: string; size: number }>;
    };
    expect(listing.objects).toEqual([expect.objectContaining({ key, size: kept.length })]);
  } finally {
    await second.stop();
  }
}, 90_000);
