/**
 * FC 3.0 HTTP-trigger events in, FC responses out, and the one builder of such events (the local adapter, the
 * tests and the bench send what FC sends). Nothing here decides anything.
 */
import { randomUUID } from 'node:crypto';
import { HttpError } from './errors';
import { formatBytes } from '../upload/byte-size';

/** What a function reads of a request. */
export interface PlainRequest {
  method: string;
  /** Lower-cased names; FC joins repeated headers with `,`. */
  headers: Readonly<Record<string, string>>;
  /** Query parameters as FC delivers them (repeated ones joined with `,`); a function sees only those it declares. */
  query: Readonly<Record<string, string>>;
  body: Buffer;
  requestId: string;
  /** The body was over the limit: it was left undecoded (and `body` is empty) for the handler to answer 413. */
  bodyTooLarge?: true;
}

/** The HTTP-trigger event, as FC delivers it (JSON in a Buffer). */
export interface FcHttpEvent {
  version: 'v1';
  rawPath: string;
  body: string;
  isBase64Encoded: boolean;
  headers: Record<string, string>;
  queryParameters: Record<string, string>;
  requestContext: {
    accountId: string;
    domainName: string;
    requestId: string;
    time: string;
    timeEpoch: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
  };
}

export interface HttpEventInput {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  /** A Buffer travels base64-encoded, as FC sends binary bodies; a string as it is. */
  body?: string | Buffer;
  isBase64Encoded?: boolean;
  requestId?: string;
  sourceIp?: string;
  domainName?: string;
  now?: Date;
}

/** The Buffer FC hands a handler for one HTTP request. */
export function buildHttpEvent(input: HttpEventInput = {}): Buffer {
  const now = input.now ?? new Date();
  const path = input.path ?? '/';
  const binary = Buffer.isBuffer(input.body);
  const event: FcHttpEvent = {
    version: 'v1',
    rawPath: path,
    body: Buffer.isBuffer(input.body) ? input.body.toString('base64') : (input.body ?? ''),
    isBase64Encoded: binary || (input.isBase64Encoded ?? false),
    headers: input.headers ?? {},
    queryParameters: input.query ?? {},
    requestContext: {
      accountId: '1234567890123456',
      domainName: input.domainName ?? 'localhost',
      requestId: input.requestId ?? randomUUID(),
      time: now.toUTCString(),
      timeEpoch: String(now.getTime()),
      http: {
        method: input.method ?? 'POST',
        path,
        protocol: 'HTTP/1.1',
        sourceIp: input.sourceIp ?? '127.0.0.1',
        userAgent: input.headers?.['user-agent'] ?? '',
      },
    },
  };
  return Buffer.from(JSON.stringify(event));
}

export interface PlainResponse {
  status: number;
  headers: Record<string, string>;
  /** Serialised as JSON; undefined means an empty body. */
  body: unknown;
}

export interface FcHttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
}

/** FC's own bounds on what surrounds the body (docs/oss-facts.md): headers 8 KB, path and query 4 KB. */
const FC_HEADER_BYTES = 8 * 1024;
const FC_PATH_AND_QUERY_BYTES = 4 * 1024;

/**
 * The largest event that can carry a body of `maxBodyBytes`: every byte as a JSON `\u00XX` escape (6 bytes; base64
 * is only 4/3), headers twice (the user agent is repeated), the path three times (rawPath, http.path, the query), and
 * 8 KiB for the fixed fields. For a 16 KiB body that is 272 KiB, against the 32 MB FC accepts.
 */
export function maxEventBytesFor(maxBodyBytes: number): number {
  return 6 * (maxBodyBytes + 2 * FC_HEADER_BYTES + 3 * FC_PATH_AND_QUERY_BYTES) + 8 * 1024;
}

/** The one answer for what is too large to be read, event or body. */
export const tooLarge = (what: 'request' | 'body', limit: number): HttpError =>
  new HttpError(413, 'PayloadTooLarge', `${what} is larger than ${formatBytes(limit)}`, { sizes: { maxBytes: limit } });

/**
 * Accepts the Buffer FC passes, or the same JSON as a string or object (local server, tests). Sizes are checked
 * before anything is parsed or decoded: an event too large for any acceptable body is refused before it is parsed
 * (FC allows 32 MB bodies); a body over the limit is never decoded, only flagged, so that the 413 still carries the
 * request's id and CORS headers.
 */
export function parseFcEvent(event: unknown, fallbackRequestId: string, limits: { maxBodyBytes: number }): PlainRequest {
  let parsed: unknown = event;
  if (Buffer.isBuffer(event) || typeof event === 'string') {
    const maxEventBytes = maxEventBytesFor(limits.maxBodyBytes);
    if (event.length > maxEventBytes) throw tooLarge('request', maxEventBytes);
    try {
      parsed = JSON.parse(event.toString());
    } catch {
      throw new HttpError(400, 'BadRequest', 'event is not an HTTP trigger event');
    }
  }
  if (typeof parsed !== 'object' || parsed === null) throw new HttpError(400, 'BadRequest', 'event is not an HTTP trigger event');
  const raw = parsed as Record<string, unknown>;
  const requestContext = asRecord(raw['requestContext']);
  const http = asRecord(requestContext['http']);
  const method = typeof http['method'] === 'string' ? http['method'].toUpperCase() : '';
  if (!/^[A-Z]{1,16}$/.test(method)) throw new HttpError(400, 'BadRequest', 'event has no HTTP method');

  const headers = stringRecord(raw['headers'], (name) => name.toLowerCase());

  const query = stringRecord(raw['queryParameters'], (name) => name);

  const requestId = (
    typeof requestContext['requestId'] === 'string' && requestContext['requestId'] !== '' ? requestContext['requestId'] : fallbackRequestId
  ).slice(0, 128);

  const rawBody = raw['body'];
  let body = Buffer.alloc(0);
  if (typeof rawBody === 'string' && rawBody !== '') {
    const base64 = raw['isBase64Encoded'] === true;
    // The decoded length follows from the text's: checked before a byte is decoded.
    const length = base64 ? decodedBase64Length(rawBody) : Buffer.byteLength(rawBody, 'utf8');
    if (length > limits.maxBodyBytes) return { method, headers, query, body, requestId, bodyTooLarge: true };
    if (base64 && (!/^[A-Za-z0-9+/]*={0,2}$/.test(rawBody) || rawBody.length % 4 === 1))
      throw new HttpError(400, 'BadRequest', 'body is not valid base64');
    body = Buffer.from(rawBody, base64 ? 'base64' : 'utf8');
  }
  return { method, headers, query, body, requestId };
}

/** Headers or query parameters: string values kept (arrays joined with `,`, as FC joins them), anything else dropped. */
function stringRecord(value: unknown, nameOf: (name: string) => string): Record<string, string> {
  const record: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, item] of Object.entries(asRecord(value))) {
    const text = Array.isArray(item) ? item.filter((v) => typeof v === 'string').join(',') : item;
    if (typeof text === 'string') record[nameOf(name)] = text;
  }
  return record;
}

/** What `Buffer.from(text, 'base64')` would yield, without decoding: 3 bytes per 4 characters, less the padding. */
function decodedBase64Length(text: string): number {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return Math.floor(((text.length - padding) * 3) / 4);
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function toFcResponse(response: PlainResponse): FcHttpResponse {
  const headers = { ...response.headers };
  let body = '';
  if (response.body !== undefined) {
    body = JSON.stringify(response.body);
    headers['Content-Type'] = 'application/json; charset=utf-8';
  }
  return { statusCode: response.status, headers, body, isBase64Encoded: false };
}
