/**
 * A proxy in front of the OSS emulator that can fail one kind of OSS call the way a sick OSS does: answer 500,
 * throttle (429), answer something that is not XML, or never answer. Everything else passes through untouched.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type OssCall =
  'ListMultipartUploads' | 'InitiateMultipartUpload' | 'ListParts' | 'CompleteMultipartUpload' | 'AbortMultipartUpload' | 'other';
export type Fault = 'status500' | 'status429' | 'garbage' | 'hang';

export interface FaultyOss {
  url: string;
  /** The calls that reached the proxy, in order. */
  calls: OssCall[];
  /** TCP connections opened to the proxy so far. */
  connections(): number;
  fail(call: OssCall | undefined, fault?: Fault): void;
  close(): Promise<void>;
}

export function ossCallOf(method: string, url: string): OssCall {
  const query = new URL(url, 'http://x').searchParams;
  if (method === 'GET' && query.has('uploads')) return 'ListMultipartUploads';
  if (method === 'POST' && query.has('uploads')) return 'InitiateMultipartUpload';
  if (method === 'GET' && query.has('uploadId')) return 'ListParts';
  if (method === 'POST' && query.has('uploadId')) return 'CompleteMultipartUpload';
  if (method === 'DELETE' && query.has('uploadId')) return 'AbortMultipartUpload';
  return 'other';
}

export async function startFaultyOss(target: string): Promise<FaultyOss> {
  let failing: { call: OssCall; fault: Fault } | undefined;
  const calls: OssCall[] = [];
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const call = ossCallOf(req.method ?? 'GET', req.url ?? '/');
    calls.push(call);
    if (failing?.call === call) {
      req.resume();
      if (failing.fault === 'hang') return void hanging.add(res);
      if (failing.fault === 'garbage') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>proxy error');
      const [status, code] = failing.fault === 'status429' ? [429, 'Throttling'] : [500, 'InternalError'];
      return void res
        .writeHead(status, { 'content-type': 'application/xml' })
        .end(`<?xml version="1.0"?><Error><Code>${code}</Code><Message>Something went wrong.</Message></Error>`);
    }
    const upstream = request(`${target}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  let connections = 0;
  server.on('connection', () => void (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    connections: () => connections,
    fail: (call, fault = 'status500') => {
      failing = call === undefined ? undefined : { call, fault };
    },
    close: () =>
      new Promise((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
