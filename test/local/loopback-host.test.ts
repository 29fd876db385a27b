/**
 * The DNS-rebinding guard (issue 13, item 11): the dev server and both emulators answer only requests whose Host
 * is a loopback name. A page that points its own name at 127.0.0.1 still sends its own name as Host, and gets a
 * 403 from every route. (test/browser/local-stack.test.ts plays the same attack in Chromium against npm start.)
 */
import { request as httpRequest } from 'node:http';
import { startDevStack, type DevStack } from '../../local/dev-stack';
import { hostnameOf, isLoopbackHostHeader } from '../../local/loopback-host';

describe('isLoopbackHostHeader', () => {
  it.each([
    '127.0.0.1:9000',
    '127.0.0.1',
    'localhost:9000',
    'LocalHost:9000',
    '[::1]:9000',
    '[0:0:0:0:0:0:0:1]:9000',
    'app.localhost:5173',
    '127.1:9000',
    '127.0.0.2:9000',
  ])('accepts %s', (host) => {
    expect(isLoopbackHostHeader(host)).toBe(true);
  });

  it.each([
    'evil.example:9000',
    'evil.example',
    '127.0.0.1.nip.io:9000',
    'localhost.evil.example:9000',
    'localhost.:9000',
    '0.0.0.0:9000',
    '10.0.0.1:9000',
    '[::ffff:127.0.0.1]:9000',
    'user@127.0.0.1:9000',
    '127.0.0.1:9000/path',
    'local host:9000',
    '',
    undefined,
  ])('refuses %s', (host) => {
    expect(isLoopbackHostHeader(host)).toBe(false);
  });

  it('normalises as browsers do', () => {
    expect(hostnameOf('LOCALHOST:80')).toBe('localhost');
    expect(hostnameOf('0x7f.1:9000')).toBe('127.0.0.1');
  });
});

/** One HTTP exchange with a chosen Host header (fetch cannot set Host). */
function exchange(
  port: number,
  method: string,
  path: string,
  host: string,
  headers: Record<string, string> = {},
  body = '',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { host, ...headers } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the local servers refuse a rebound Host on every route', () => {
  let stack: DevStack;
  beforeAll(async () => {
    stack = await startDevStack({ port: 0, ossPort: 0, stsPort: 0, env: {} });
  });
  afterAll(() => stack.close());

  const port = (): number => Number(new URL(stack.url).port);
  const json = { 'content-type': 'application/json', authorization: 'Bearer x' };
  // Full rows: jest would take a missing trailing argument for its `done` callback.
  const routes: Array<[string, string, Record<string, string>, string]> = [
    ['GET', '/', {}, ''],
    ['GET', '/index.html', {}, ''],
    ['GET', '/assets/upload-client.js', {}, ''],
    ['GET', '/healthz', {}, ''],
    ['GET', '/api/config', {}, ''],
    ['GET', '/api/dev-token?user=alice', {}, ''],
    ['GET', '/api/dev-objects?prefix=', {}, ''],
    ['POST', '/api/sign-url', json, '{"filename":"a.png","contentType":"image/png","size":1}'],
    ['POST', '/api/sts-token', json, '{}'],
    ['OPTIONS', '/api/sign-url', { origin: 'http://evil.example:9000', 'access-control-request-method': 'POST' }, ''],
  ];

  it.each(routes)('dev server %s %s: 403 naming the reason, nothing of the route', async (method, path, headers, body) => {
    const answer = await exchange(port(), method, path, `evil.example:${port()}`, headers, body);
    expect(answer.status).toBe(403);
    const error = (JSON.parse(answer.body) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('Forbidden');
    expect(error.message).toMatch(/127\.0\.0\.1, localhost or \[::1\].*DNS-rebinding/);
  });

  it.each(['127.0.0.1', 'localhost', '[::1]', 'demo.localhost'])('dev server with Host %s:<port> answers as usual', async (name) => {
    const health = await exchange(port(), 'GET', '/healthz', `${name}:${port()}`);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: 'ok', mode: 'embedded' });
    expect((await exchange(port(), 'GET', '/api/dev-token?user=alice', `${name}:${port()}`)).status).toBe(200);
  });

  it('OSS emulator: a rebound Host is refused before anything else; loopback and the SDK name are served', async () => {
    const oss = stack.oss!;
    const refused = await exchange(oss.port, 'GET', '/users/alice/a.png', `evil.example:${oss.port}`);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatch(/<Code>AccessDenied<\/Code><Message>[^<]*DNS-rebinding/);
    const preflight = { origin: stack.url, 'access-control-request-method': 'PUT' };
    expect((await exchange(oss.port, 'OPTIONS', '/users/alice/a.png', `evil.example:${oss.port}`, preflight)).status).toBe(403);
    expect((await exchange(oss.port, 'OPTIONS', '/users/alice/a.png', `127.0.0.1:${oss.port}`, preflight)).status).toBe(200);
    const sdkHost = await exchange(oss.port, 'GET', '/users/alice/a.png', `${oss.bucket}.oss-${oss.region}.aliyuncs.com`);
    expect(sdkHost.body).not.toMatch(/DNS-rebinding/);
    // The SDK name is the bucket's own: another bucket's name under aliyuncs.com is not.
    expect((await exchange(oss.port, 'GET', '/users/alice/a.png', `other-bucket.oss-${oss.region}.aliyuncs.com`)).body).toMatch(
      /DNS-rebinding/,
    );
  });

  it('STS emulator: a rebound Host is refused (Forbidden.Host)', async () => {
    const sts = stack.sts!;
    const refused = await exchange(sts.port, 'POST', '/?Action=AssumeRole', `evil.example:${sts.port}`);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ Code: 'Forbidden.Host', Message: expect.stringMatching(/DNS-rebinding/) });
    const served = await exchange(sts.port, 'POST', '/?Action=AssumeRole', sts.endpoint);
    expect(served.body).not.toMatch(/DNS-rebinding/);
  });
});
