/**
 * Node's HTTP server in front of an FC 3.0 handler: each request becomes the same event Buffer FC's HTTP
 * trigger delivers (and a context with `credentials`), each FC response goes back as it is.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { buildHttpEvent } from '../shared/edge/fc-event';

export interface FcContextCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
}

export type FcHandlerLike = (
  event: Buffer,
  context: unknown,
) => Promise<{ statusCode: number; headers: Record<string, string>; body: string; isBase64Encoded: boolean }>;

/** FC's own limit on a synchronous request body. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

export async function readBody(request: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function toFcEvent(request: IncomingMessage, body: Buffer, path: string): Buffer {
  const url = new URL(request.url ?? '/', 'http://local');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return buildHttpEvent({
    method: request.method ?? 'GET',
    path,
    headers,
    query: Object.fromEntries(url.searchParams),
    body,
    domainName: request.headers.host ?? 'localhost',
    sourceIp: request.socket.remoteAddress ?? '',
  });
}

export async function serveWithFcHandler(
  handler: FcHandlerLike,
  request: IncomingMessage,
  response: ServerResponse,
  options: { functionName: string; credentials: () => Promise<FcContextCredentials | undefined> },
): Promise<void> {
  const body = await readBody(request);
  if (body === undefined) {
    response
      .writeHead(413, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: { code: 'PayloadTooLarge', message: 'request body over 32 MB' } }));
    return;
  }
  const event = toFcEvent(request, body, new URL(request.url ?? '/', 'http://local').pathname);
  const credentials = await options.credentials();
  const context = {
    requestId: randomUUID(),
    ...(credentials === undefined ? {} : { credentials }),
    function: { name: options.functionName, handler: 'index.handler', memory: 128, timeout: 10 },
    region: 'local',
    accountId: 'local',
  };
  const result = await handler(event, context);
  response.writeHead(result.statusCode, result.headers);
  response.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
}
