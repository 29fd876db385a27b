/**
 * The one HTTP(S) client of the deployed code (OSS calls, webhook deliveries, the identity provider's key set): one
 * request with a deadline and a bounded answer, over kept-alive connections, to exactly the path given. On
 * `node:http`/`node:https`, not `fetch`: Node 20 loads its fetch implementation on first use (~25 ms measured,
 * against ~6 ms for `node:http`), which an event function would pay at every cold start. Nothing is decoded: the
 * bytes are the server's. Nothing is retried here: a caller knows whether its request may be sent twice.
 */
import type { Agent as HttpAgent, IncomingHttpHeaders } from 'node:http';

export interface HttpRequest {
  method: string;
  /** Where to connect; also the path and query sent, unless `path` is given. */
  url: URL;
  /**
   * The request target (path and query) sent byte for byte instead of `url`'s. A URL object resolves `.` and `..`
   * segments, which in an OSS key are plain characters: another path would address another object.
   */
  path?: string;
  headers: Record<string, string>;
  body?: Buffer | string;
  /** The whole exchange, connection included. */
  timeoutMs: number;
  /** Bytes of the answer's body kept; once more arrive, the answer is cut there and the connection closed. */
  maxBodyBytes: number;
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** False when the body went on past `maxBodyBytes`: `body` is its start, the rest was never read. */
  complete: boolean;
}

/** Why a request got no answer, in words fit for a log line (never the URL, which may carry a token). */
export class HttpRequestFailure extends Error {
  readonly kind: 'timeout' | 'network';
  /** Node's code for a network failure (`ECONNREFUSED`, `ECONNRESET`, …), when it gave one. */
  readonly code: string | undefined;
  /** The request went out on a kept-alive connection, which the server may have closed while it sat idle. */
  readonly reusedConnection: boolean;

  constructor(kind: 'timeout' | 'network', message: string, details: { code?: string; reusedConnection: boolean }) {
    super(message);
    this.name = 'HttpRequestFailure';
    this.kind = kind;
    this.code = details.code;
    this.reusedConnection = details.reusedConnection;
  }
}

// Required on first use: the module that is not needed costs nothing. Not `import()`: in a CommonJS bundle that
// starts Node's ESM loader, which cost upload-completed ~2 ms at cold start (measured).
/* eslint-disable @typescript-eslint/no-require-imports */
const loadHttp = (): typeof import('node:http') => require('node:http') as typeof import('node:http');
const loadHttps = (): typeof import('node:https') => require('node:https') as typeof import('node:https');
/* eslint-enable @typescript-eslint/no-require-imports */

// One pool per protocol and instance: a warm invocation reuses the connection the last one opened. `lifo` hands out
// the socket used most recently, the one least likely to have been closed by the server meanwhile.
const agents: { 'http:'?: HttpAgent; 'https:'?: HttpAgent } = {};
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 16, scheduling: 'lifo' } as const;

function transportFor(url: URL): { request: typeof import('node:http').request; agent: HttpAgent } {
  if (url.protocol === 'https:') {
    const https = loadHttps();
    return { request: https.request, agent: (agents['https:'] ??= new https.Agent(AGENT_OPTIONS)) };
  }
  const http = loadHttp();
  return { request: http.request, agent: (agents['http:'] ??= new http.Agent(AGENT_OPTIONS)) };
}

export async function httpRequest(request: HttpRequest): Promise<HttpAnswer> {
  const transport = transportFor(request.url);
  return new Promise<HttpAnswer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    // The options' `path` takes the place of the URL's own (Node merges them, options first), unchanged.
    const outgoing = transport.request(
      request.url,
      {
        method: request.method,
        headers: request.headers,
        agent: transport.agent,
        signal: AbortSignal.timeout(request.timeoutMs),
        ...(request.path === undefined ? {} : { path: request.path }),
      },
      (incoming) => {
        const answer = (complete: boolean): HttpAnswer => ({
          status: incoming.statusCode ?? 0,
          headers: incoming.headers,
          body: Buffer.concat(chunks),
          complete,
        });
        incoming.on('data', (chunk: Buffer) => {
          const room = request.maxBodyBytes - kept;
          if (chunk.length <= room) {
            kept += chunk.length;
            chunks.push(chunk);
            return;
          }
          // Enough: an object whose range was ignored, or a receiver that never stops talking, is not read to its end
          // (nor waited on until the deadline). Settled first, so the error the closing raises changes nothing.
          chunks.push(chunk.subarray(0, room));
          resolve(answer(false));
          incoming.destroy();
        });
        incoming.on('end', () => resolve(answer(true)));
        incoming.on('error', (error) => reject(describe(error, outgoing.reusedSocket)));
      },
    );
    outgoing.on('error', (error) => reject(describe(error, outgoing.reusedSocket)));
    outgoing.end(request.body);
  });
}

function describe(error: Error, reusedConnection: boolean): HttpRequestFailure {
  if (error.name === 'AbortError' || error.name === 'TimeoutError')
    return new HttpRequestFailure('timeout', 'no answer within the deadline', { reusedConnection });
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string'
    ? new HttpRequestFailure('network', code, { code, reusedConnection })
    : new HttpRequestFailure('network', error.name, { reusedConnection });
}
