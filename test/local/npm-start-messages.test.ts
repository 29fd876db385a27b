/**
 * `npm start` says what to do: which mode it runs in and why, a variable that is probably misspelt, a port another
 * program holds (naming the variable that moves it), and, at a wrong path, the routes there are.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { npmStart, npmStartRefusing, type StartedStack } from '../support/npm-start';

describe('a running stack', () => {
  let stack: StartedStack;
  beforeAll(async () => {
    stack = await npmStart({ ALLOWED_ORIGIN: 'http://localhost:5173', AUTH_JWKS: 'https://login.example.com/jwks.json' });
  }, 90_000);
  afterAll(() => stack.stop());

  test('says its mode with the reason, and warns of variables it probably was meant to read', () => {
    expect(stack.output()).toMatch(/mode\s+local: OSS and STS emulators on loopback \(OSS_BUCKET is not set\)/);
    expect(stack.output()).toMatch(/warning\s+ALLOWED_ORIGIN is not a variable npm start reads; did you mean ALLOWED_ORIGINS\?/);
    expect(stack.output()).toMatch(/warning\s+AUTH_JWKS is not a variable npm start reads; did you mean AUTH_JWKS_URL\?/);
  });

  test.each([
    ['POST', '/sign-url', 'did you mean /api/sign-url?'],
    ['POST', '/api/sign-url/', 'did you mean /api/sign-url?'],
    ['POST', '/api/sts-token/', 'did you mean /api/sts-token?'],
    ['GET', '/api/nothing-here', 'the routes are POST /api/sign-url, POST /api/sts-token'],
    ['POST', '/', 'the routes are POST /api/sign-url, POST /api/sts-token'],
  ])('%s %s answers 404 naming the routes', async (method, path, said) => {
    const response = await fetch(`${stack.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: method === 'GET' ? null : '{}',
    });
    expect(response.status).toBe(404);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('NotFound');
    expect(error.message).toContain(`no route ${method} ${path}`);
    expect(error.message).toContain(said);
  });

  test('the functions and the demo page still answer at their own paths', async () => {
    expect((await fetch(`${stack.url}/api/sign-url`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${stack.url}/`)).status).toBe(200);
    expect((await fetch(`${stack.url}/no-such-file.js`)).status).toBe(404);
  });
});

test('a port in use stops npm start with the variable that moves it', async () => {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const port = String((holder.address() as AddressInfo).port);
  try {
    const { exitCode, output } = await npmStartRefusing({ OSS_EMULATOR_PORT: port });
    expect(exitCode).toBe(1);
    expect(output).toContain(`could not start: port ${port} is in use: set OSS_EMULATOR_PORT to another port (0 picks a free one)`);
  } finally {
    holder.close();
  }
}, 90_000);
