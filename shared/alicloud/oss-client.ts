/**
 * The OSS calls `sign-url` makes itself for multipart uploads: InitiateMultipartUpload, ListParts (every page),
 * CompleteMultipartUpload and AbortMultipartUpload. Real HTTP over kept-alive connections, signed in headers by the
 * configured scheme (`signature-schemes.ts`), all of one function request under one deadline. OSS's XML is read
 * with sax (`oss-xml.ts`). Failures become typed HTTP errors here: no OSS message, signature or token travels
 * further than an error code in the log.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { SignatureVersion } from '../config/variables';
import { HttpError, internalError } from '../edge/errors';
import { SIGNATURE_SCHEMES, type SignedRequestInput } from '../upload/signature-schemes';
import { objectUrl } from '../upload/signed-upload';
import type { SignerCredentials } from './access-key';
import { childText, childrenNamed, parseXml, type XmlElement } from './oss-xml';

export interface OssClientOptions {
  /** Origin under which objects live (`OSS_ENDPOINT`). */
  endpoint: string;
  bucket: string;
  region: string;
  credentials: SignerCredentials;
  version: SignatureVersion;
  /** Every call of this client must be answered within this many ms of its creation (one function request). */
  timeoutMs: number;
  now: () => Date;
}

export interface ListedPart {
  partNumber: number;
  /** Quoted, as OSS lists it. */
  etag: string;
  size: number;
}

export interface OssMultipartClient {
  initiate(key: string, headers: Record<string, string>): Promise<string>;
  /** Every part OSS holds for the upload, in part-number order. */
  listParts(key: string, uploadId: string): Promise<ListedPart[]>;
  complete(key: string, uploadId: string, parts: readonly ListedPart[], headers: Record<string, string>): Promise<{ etag: string }>;
  abort(key: string, uploadId: string): Promise<void>;
}

export const OSS_RETRY_AFTER_SECONDS = '2';
/** ListParts pages: OSS's largest page; our uploads have at most 200 parts, so one page in practice. */
const LIST_PAGE_SIZE = 1000;
const MAX_LIST_PAGES = 11;
/** OSS's answers here are small; anything bigger is not OSS. */
const MAX_ANSWER_BYTES = 1024 * 1024;

// One pool per instance: warm requests reuse the connection to OSS.
const agents = {
  'http:': new HttpAgent({ keepAlive: true, maxSockets: 16 }),
  'https:': new HttpsAgent({ keepAlive: true, maxSockets: 16 }),
};

interface OssAnswer {
  status: number;
  body: Buffer;
}

function unavailable(logDetail: string): HttpError {
  return new HttpError(503, 'UpstreamUnavailable', 'the storage service is unavailable, retry shortly', {
    headers: { 'Retry-After': OSS_RETRY_AFTER_SECONDS },
    logDetail,
  });
}

/** What a client can act on keeps OSS's code; a refusal of our own signature or role is our configuration (500). */
export function ossError(operation: string, status: number, rawCode: string | undefined): HttpError {
  const code = (rawCode ?? '').slice(0, 80).replace(/[^A-Za-z0-9._-]/g, '');
  const detail = `OSS ${operation}: ${code || 'no code'} (${status})`;
  switch (code) {
    case 'NoSuchUpload':
      return new HttpError(404, 'NoSuchUpload', 'the upload does not exist: it was completed or aborted, or never started', {
        logDetail: detail,
      });
    case 'InvalidPart':
      return new HttpError(400, 'InvalidPart', 'a part is missing at OSS or its etag does not match', { logDetail: detail });
    case 'InvalidPartOrder':
      return new HttpError(400, 'InvalidPartOrder', 'parts must be in ascending order', { logDetail: detail });
    case 'EntityTooSmall':
      return new HttpError(400, 'EntityTooSmall', 'every part but the last must be the part size the upload was started with', {
        logDetail: detail,
      });
    case 'FileAlreadyExists':
      return new HttpError(409, 'FileAlreadyExists', 'an object with this key already exists and is never replaced', { logDetail: detail });
    default:
      return status >= 500 || code === '' ? unavailable(detail) : internalError(detail);
  }
}

/** The answer's root element, which must be `root`. */
function rootOf(operation: string, body: Buffer, root: string): XmlElement {
  let element: XmlElement;
  try {
    element = parseXml(body.toString('utf8'));
  } catch {
    throw unavailable(`OSS ${operation}: the answer is not XML`);
  }
  if (element.name !== root) throw unavailable(`OSS ${operation}: the answer is ${element.name.slice(0, 40)}, not ${root}`);
  return element;
}

/** OSS's error code, when the body is an OSS `<Error>`. */
function errorCodeOf(body: Buffer): string | undefined {
  try {
    const element = parseXml(body.toString('utf8'));
    return element.name === 'Error' ? childText(element, 'Code') : undefined;
  } catch {
    return undefined;
  }
}

function send(url: URL, method: string, headers: OutgoingHttpHeaders, body: Buffer | undefined, timeoutMs: number): Promise<OssAnswer> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-length': String(body.length) },
      agent: agents[url.protocol === 'https:' ? 'https:' : 'http:'],
    });
    const timer = setTimeout(() => request.destroy(new Error('deadline')), timeoutMs);
    const fail = (error: Error & { code?: string }): void => {
      clearTimeout(timer);
      // A kept-alive connection OSS (or an FC freeze) closed before our request reached it: safe to send again.
      (error as { retryable?: boolean }).retryable = request.reusedSocket && error.code === 'ECONNRESET';
      reject(error);
    };
    request.on('error', fail);
    request.on('response', (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) request.destroy(new Error('answer too large'));
        else chunks.push(chunk);
      });
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) });
      });
      response.on('error', fail);
    });
    request.end(body);
  });
}

export function createOssClient(options: OssClientOptions): OssMultipartClient {
  const deadline = performance.now() + options.timeoutMs;
  const scheme = SIGNATURE_SCHEMES[options.version];

  async function call(
    operation: string,
    request: Pick<SignedRequestInput, 'method' | 'key' | 'subResources'> & {
      query?: Record<string, string>;
      headers?: Record<string, string>;
    },
    body?: Buffer,
  ): Promise<OssAnswer> {
    const query = request.query ?? {};
    const headers = request.headers ?? {};
    const url = new URL(objectUrl(options.endpoint, request.key));
    for (const [name, value] of Object.entries({ ...request.subResources, ...query })) url.searchParams.append(name, value ?? '');
    // `?uploads`, not `?uploads=`: the form every SDK sends for a sub-resource without a value.
    url.search = url.search.replace(/=(?=&|$)/g, '');
    for (let attempt = 0; ; attempt += 1) {
      const remaining = Math.floor(deadline - performance.now());
      if (remaining <= 0) throw unavailable(`OSS ${operation}: no time left within ${options.timeoutMs} ms`);
      const signed = scheme.signRequest({
        ...request,
        query,
        headers,
        bucket: options.bucket,
        region: options.region,
        credentials: options.credentials,
        now: options.now(),
      });
      try {
        const answer = await send(url, request.method, { ...headers, ...signed }, body, remaining);
        if (answer.status >= 200 && answer.status < 300) return answer;
        throw ossError(operation, answer.status, errorCodeOf(answer.body));
      } catch (error) {
        if (error instanceof HttpError) throw error;
        if ((error as { retryable?: boolean }).retryable === true && attempt === 0) continue;
        const reason = error instanceof Error && error.message === 'deadline' ? `no answer within ${options.timeoutMs} ms` : 'unreachable';
        throw unavailable(`OSS ${operation}: ${reason} (${(error as { code?: string }).code ?? 'no code'})`);
      }
    }
  }

  return {
    async initiate(key, headers) {
      const answer = await call('InitiateMultipartUpload', { method: 'POST', key, subResources: { uploads: null }, headers });
      const uploadId = childText(rootOf('InitiateMultipartUpload', answer.body, 'InitiateMultipartUploadResult'), 'UploadId');
      if (uploadId === undefined || uploadId === '') throw unavailable('OSS InitiateMultipartUpload: no UploadId in the answer');
      return uploadId;
    },

    async listParts(key, uploadId) {
      const parts: ListedPart[] = [];
      let marker = '0';
      for (let page = 0; page < MAX_LIST_PAGES; page += 1) {
        const answer = await call('ListParts', {
          method: 'GET',
          key,
          subResources: { uploadId },
          query: { 'max-parts': String(LIST_PAGE_SIZE), 'part-number-marker': marker },
        });
        const result = rootOf('ListParts', answer.body, 'ListPartsResult');
        for (const part of childrenNamed(result, 'Part')) {
          const partNumber = Number(childText(part, 'PartNumber') ?? 'x');
          const size = Number(childText(part, 'Size') ?? 'x');
          const etag = childText(part, 'ETag');
          if (!Number.isSafeInteger(partNumber) || !Number.isSafeInteger(size) || etag === undefined || etag === '') {
            throw unavailable('OSS ListParts: a part without PartNumber, Size or ETag');
          }
          parts.push({ partNumber, etag, size });
        }
        if (childText(result, 'IsTruncated') !== 'true') return parts;
        const next = childText(result, 'NextPartNumberMarker');
        if (next === undefined || !/^\d+$/.test(next) || Number(next) <= Number(marker)) {
          throw unavailable('OSS ListParts: a truncated page without a usable NextPartNumberMarker');
        }
        marker = next;
      }
      throw unavailable(`OSS ListParts: more than ${MAX_LIST_PAGES} pages`);
    },

    async complete(key, uploadId, parts, headers) {
      const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUpload>${parts
        .map((part) => `<Part><PartNumber>${part.partNumber}</PartNumber><ETag>${escapeXml(part.etag)}</ETag></Part>`)
        .join('')}</CompleteMultipartUpload>`;
      const answer = await call(
        'CompleteMultipartUpload',
        { method: 'POST', key, subResources: { uploadId }, headers: { ...headers, 'content-type': 'application/xml' } },
        Buffer.from(xml, 'utf8'),
      );
      const etag = childText(rootOf('CompleteMultipartUpload', answer.body, 'CompleteMultipartUploadResult'), 'ETag');
      if (etag === undefined || etag === '') throw unavailable('OSS CompleteMultipartUpload: no ETag in the answer');
      return { etag };
    },

    async abort(key, uploadId) {
      await call('AbortMultipartUpload', { method: 'DELETE', key, subResources: { uploadId } });
    },
  };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
