/**
 * One HTTP(S) request with a deadline and a bounded answer, on `node:http`/`node:https`. Not `fetch`: Node 20
 * loads its fetch implementation on first use (~25 ms measured, against ~6 ms for `node:http`), which an
 * event function would pay at every cold start. Nothing is decoded: the bytes are the server's.
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface HttpRequest {
  method: string;
  url: URL;
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

  constructor(kind: 'timeout' | 'network', message: string) {
    super(message);
    this.name = 'HttpRequestFailure';
    this.kind = kind;
  }
}

// Required on first use: the module that is not needed costs nothing. Not `import()`: in a CommonJS bundle that
// starts Node's ESM loader, which cost upload-completed ~2 ms at cold start (measured).
/* eslint-disable @typescript-eslint/no-require-imports */
const loadHttp = (): typeof import('node:http') => require('node:http') as typeof import('node:http');
const loadHttps = (): typeof import('node:https') => require('node:https') as typeof import('node:https');
/* eslint-enable @typescript-eslint/no-require-imports */

export async function httpRequest(request: HttpRequest): Promise<HttpAnswer> {
  const transport = request.url.protocol === 'https:' ? loadHttps() : loadHttp();
  return new Promise<HttpAnswer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    const outgoing = transport.request(
      request.url,
      { method: request.method, headers: request.headers, signal: AbortSignal.timeout(request.timeoutMs) },
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
        incoming.on('error', (error) => reject(describe(error)));
      },
    );
    outgoing.on('error', (error) => reject(describe(error)));
    outgoing.end(request.body);
  });
}

function describe(error: Error): HttpRequestFailure {
  if (error.name === 'AbortError' || error.name === 'TimeoutError')
    return new HttpRequestFailure('timeout', 'no answer within the deadline');
  const code = (error as { code?: unknown }).code;
  return new HttpRequestFailure('network', typeof code === 'string' ? code : error.name);
}
