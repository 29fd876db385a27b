/**
 * Turns a raw HTTP request into the parameters an STS call carries. The official SDK (sts20150401 1.1.4)
 * sends everything in the query string of a POST with an empty body; other clients send a form or JSON
 * body, so both are read. Raw pieces (path, query, headers, body bytes) are kept for signature checks.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { stsErrors } from './errors';

export interface StsHttpRequest {
  method: string;
  /** The path exactly as sent, still percent-encoded, without the query. */
  rawPath: string;
  /** Decoded query pairs in the order sent. */
  query: Array<[string, string]>;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Decoded body parameters (form or flat JSON object); empty when there is no body. */
  bodyParams: Array<[string, string]>;
  /** Query and body parameters together; a name may appear once only. */
  params: ReadonlyMap<string, string>;
}

export function parseStsRequest(method: string, url: string, headers: IncomingHttpHeaders, body: Buffer): StsHttpRequest {
  const questionMark = url.indexOf('?');
  const rawPath = questionMark < 0 ? url : url.slice(0, questionMark);
  const query = questionMark < 0 ? [] : decodeFormPairs(url.slice(questionMark + 1));
  const bodyParams = parseBody(headers['content-type'], body);
  const params = new Map<string, string>();
  for (const [name, value] of [...query, ...bodyParams]) {
    // Two values for one name would let the signed value and the used value differ: refuse outright.
    if (params.has(name)) throw stsErrors.invalidParameter(`The parameter ${name} appears more than once.`);
    params.set(name, value);
  }
  return { method, rawPath, query, headers, body, bodyParams, params };
}

/** `a=1&b=x%20y`; `+` is a space as in HTML forms; a bare `k` has the value "". */
export function decodeFormPairs(raw: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const piece of raw.split('&')) {
    if (piece === '') continue;
    const equals = piece.indexOf('=');
    const name = equals < 0 ? piece : piece.slice(0, equals);
    const value = equals < 0 ? '' : piece.slice(equals + 1);
    pairs.push([decodeComponent(name), decodeComponent(value)]);
  }
  return pairs;
}

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw stsErrors.invalidParameter('The request contains a malformed percent-encoding.');
  }
}

function parseBody(contentTypeHeader: string | undefined, body: Buffer): Array<[string, string]> {
  if (body.length === 0) return [];
  const contentType = (contentTypeHeader ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (contentType === 'application/x-www-form-urlencoded') return decodeFormPairs(body.toString('utf8'));
  if (contentType === 'application/json') return parseJsonBody(body);
  throw stsErrors.contentType();
}

function parseJsonBody(body: Buffer): Array<[string, string]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw stsErrors.invalidParameter('The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw stsErrors.invalidParameter('The JSON request body must be an object.');
  }
  return Object.entries(parsed).map(([name, value]) => {
    if (typeof value === 'string') return [name, value];
    if (typeof value === 'number' || typeof value === 'boolean') return [name, String(value)];
    throw stsErrors.invalidParameter(`The parameter ${name} must be a string or a number.`);
  });
}

/** Node joins repeated headers; an array only happens for `set-cookie`, which STS never reads. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}
