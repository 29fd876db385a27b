/**
 * httpRequest against real local servers: the path given is the path sent, byte for byte; connections are kept
 * alive between requests; a bounded answer is read no further than its bound (the connection is closed instead of
 * draining, or waiting on, the rest); and what fails says why without the URL, and whether a kept-alive connection
 * carried it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpRequest, HttpRequestFailure } from '../../../shared/net/http-request';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<URL> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.on('connection', (socket) => socket.on('error', () => undefined));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/x`);
}

/** Writes `total` bytes of `a` in 16 KiB chunks (endless when Infinity), as fast as the client reads; counts them. */
function stream(res: ServerResponse, total: number, written: { bytes: number; closed: boolean }): void {
  res.on('close', () => (written.closed = true));
  const chunk = Buffer.alloc(16 * 1024, 'a');
  const pump = (): void => {
    while (written.bytes < total && !written.closed) {
      written.bytes += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    if (!written.closed) res.end();
  };
  pump();
}

const get = (url: URL, maxBodyBytes: number, timeoutMs = 10_000) =>
  httpRequest({ method: 'GET', url, headers: {}, timeoutMs, maxBodyBytes });

test('a body within the bound is read whole: complete', async () => {
  const url = await serve((_req, res) => res.writeHead(200, { 'x-one': '1' }).end('hello'));
  const answer = await get(url, 5);
  expect([answer.status, answer.headers['x-one'], answer.body.toString(), answer.complete]).toEqual([200, '1', 'hello', true]);
});

test('a long body (an object whose range was ignored): its start, then the connection is closed, not drained', async () => {
  const written = { bytes: 0, closed: false };
  const total = 64 * 1024 * 1024;
  const url = await serve((_req, res) => {
    res.writeHead(200, { 'content-length': String(total) });
    stream(res, total, written);
  });
  const answer = await get(url, 8192);
  expect([answer.body.length, answer.body.toString('latin1', 0, 4), answer.complete]).toEqual([8192, 'aaaa', false]);
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(written.closed).toBe(true);
  expect(written.bytes).toBeLessThan(total / 4);
});

test('a body that never ends does not hold the request until its deadline', async () => {
  const written = { bytes: 0, closed: false };
  const url = await serve((_req, res) => {
    res.writeHead(200);
    stream(res, Infinity, written);
  });
  // The deadline is far beyond this test's own timeout: only cutting the answer short lets it pass.
  const answer = await get(url, 100, 60_000);
  expect([answer.status, answer.body.length, answer.complete]).toEqual([200, 100, false]);
});

test('no body wanted (a webhook receiver): the status, even from a receiver that keeps talking', async () => {
  const written = { bytes: 0, closed: false };
  const url = await serve((_req, res) => {
    res.writeHead(200);
    stream(res, Infinity, written);
  });
  const answer = await httpRequest({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json' },
    body: '{}',
    timeoutMs: 60_000,
    maxBodyBytes: 0,
  });
  expect([answer.status, answer.body.length, answer.complete]).toEqual([200, 0, false]);
});

test('a body of exactly the bound is complete', async () => {
  const url = await serve((_req, res) => res.end('x'.repeat(64)));
  const answer = await get(url, 64);
  expect([answer.body.length, answer.complete]).toEqual([64, true]);
});

test('no answer within the deadline: a timeout; nobody listening: a network failure naming the code, never the URL', async () => {
  const url = await serve(() => undefined); // takes the request, never answers
  await expect(get(url, 10, 200)).rejects.toMatchObject({ name: 'HttpRequestFailure', kind: 'timeout' });
  const closed = await serve(() => undefined);
  await new Promise((resolve) => servers.pop()!.close(resolve));
  const failure = await get(closed, 10).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(HttpRequestFailure);
  expect(failure).toMatchObject({ kind: 'network', message: 'ECONNREFUSED', code: 'ECONNREFUSED', reusedConnection: false });
  expect((failure as Error).message).not.toContain('127.0.0.1');
});

test('the path given is sent byte for byte: dot segments, percent escapes and plus signs are not resolved', async () => {
  const seen: string[] = [];
  const url = await serve((req, res) => {
    seen.push(req.url ?? '');
    res.end();
  });
  const paths = ['/a/../b', '/./x/.', '/users/alice/%2E%2E/x?uploads', '/a%2Fb/%25/+/%20?x=1&y', '/..', '//double//slash'];
  for (const path of paths) await httpRequest({ method: 'GET', url, path, headers: {}, timeoutMs: 5000, maxBodyBytes: 0 });
  expect(seen).toEqual(paths);
  // Without `path`, the URL's own (which a URL object has already resolved).
  await get(new URL(`${url.origin}/a/../b`), 0);
  expect(seen.at(-1)).toBe('/b');
});

test('connections are kept alive: sequential requests to one server share one', async () => {
  let connections = 0;
  const url = await serve((_req, res) => res.end('ok'));
  servers.at(-1)!.on('connection', () => void (connections += 1));
  for (let i = 0; i < 5; i += 1) expect((await get(url, 10)).body.toString()).toBe('ok');
  expect(connections).toBe(1);
});

test('a kept-alive connection the server drops: a network failure that says the connection was reused', async () => {
  let requests = 0;
  const url = await serve((req, res) => {
    requests += 1;
    // The first request is answered and its connection kept; the next one on it finds the connection gone.
    if (requests === 1) res.end('first');
    else req.socket.destroy();
  });
  expect((await get(url, 10)).body.toString()).toBe('first');
  const failure = await get(url, 10).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(HttpRequestFailure);
  expect(failure).toMatchObject({ kind: 'network', code: 'ECONNRESET', reusedConnection: true });
});
