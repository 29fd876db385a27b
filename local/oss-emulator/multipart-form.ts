/**
 * A `multipart/form-data` reader for PostObject bodies, enough for what browsers and `FormData` send: the body is
 * already buffered (a few MB at most in local use), parts are found with `Buffer.indexOf`, so binary file content
 * is never decoded as text. Like OSS, it stops at the `file` part: fields after it are ignored.
 */
import { OssError } from './errors';

export interface FormField {
  /** The name as sent; look-ups are case-insensitive, as OSS treats form field names. */
  name: string;
  value: string;
}

export interface FormFile {
  filename: string;
  contentType: string | undefined;
  data: Buffer;
}

export interface ParsedForm {
  /** Keyed by lower-cased field name; a repeated field keeps its first value. */
  fields: ReadonlyMap<string, FormField>;
  file: FormFile | undefined;
}

export const malformedPost = (detail: string): OssError =>
  new OssError(400, 'MalformedPOSTRequest', `The body of your POST request is not well-formed multipart/form-data: ${detail}`);

export function boundaryOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined || !/^multipart\/form-data\s*(;|$)/i.test(contentType.trim())) return undefined;
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

interface PartHeaders {
  name: string;
  filename: string | undefined;
  contentType: string | undefined;
}

/** `Content-Disposition: form-data; name="x"; filename="y"` (quoted strings may escape `"` with `\`). */
function parseDisposition(value: string): { name: string | undefined; filename: string | undefined } {
  const params = new Map<string, string>();
  const pattern = /;\s*([A-Za-z0-9_*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  for (let match = pattern.exec(value); match; match = pattern.exec(value)) {
    const quoted = match[2];
    params.set((match[1] ?? '').toLowerCase(), quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : (match[3] ?? '').trim());
  }
  return { name: params.get('name'), filename: params.get('filename') };
}

function parsePartHeaders(block: string): PartHeaders {
  let disposition: string | undefined;
  let contentType: string | undefined;
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-disposition') disposition = value;
    else if (name === 'content-type') contentType = value;
  }
  if (disposition === undefined || !/^form-data\b/i.test(disposition)) throw malformedPost('a part has no Content-Disposition: form-data.');
  const { name, filename } = parseDisposition(disposition);
  if (name === undefined) throw malformedPost('a part has no name.');
  return { name, filename, contentType };
}

export function parseMultipartForm(body: Buffer, contentType: string | undefined): ParsedForm {
  const boundary = boundaryOf(contentType);
  if (boundary === undefined) throw malformedPost('the Content-Type is not multipart/form-data with a boundary.');
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const nextDelimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
  const fields = new Map<string, FormField>();

  let position = body.indexOf(delimiter);
  if (position < 0) throw malformedPost('the boundary never appears in the body.');
  position += delimiter.length;
  for (;;) {
    // After a delimiter: `--` closes the body, CRLF opens a part.
    if (body.subarray(position, position + 2).toString('latin1') === '--') break;
    if (body.subarray(position, position + 2).toString('latin1') !== '\r\n') throw malformedPost('a boundary is not followed by CRLF.');
    position += 2;
    const headersEnd = body.indexOf('\r\n\r\n', position, 'latin1');
    if (headersEnd < 0) throw malformedPost('a part has no end of headers.');
    const headers = parsePartHeaders(body.subarray(position, headersEnd).toString('utf8'));
    const dataStart = headersEnd + 4;
    const dataEnd = body.indexOf(nextDelimiter, dataStart);
    if (dataEnd < 0) throw malformedPost('the closing boundary is missing.');
    const data = body.subarray(dataStart, dataEnd);
    if (headers.name.toLowerCase() === 'file') {
      return { fields, file: { filename: headers.filename ?? '', contentType: headers.contentType, data } };
    }
    const key = headers.name.toLowerCase();
    if (!fields.has(key)) fields.set(key, { name: headers.name, value: data.toString('utf8') });
    position = dataEnd + nextDelimiter.length;
  }
  return { fields, file: undefined };
}
