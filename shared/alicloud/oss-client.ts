/**
 * The one OSS client of the functions: the object calls upload-completed makes (a ranged GET, HEAD, DELETE, a copy)
 * and the multipart calls sign-url makes (initiate, every page of ListParts, complete, abort). Each request is signed
 * in headers by the configured scheme (`shared/upload/signature-schemes.ts`) and sent by the one transport
 * (`shared/net/http-request.ts`) to the very path it signed. Every failure is an OssError, which says whether a
 * retry may cure it; the client sends a call again itself only where that is safe (`mayRetry`, the one place that
 * decides). OSS's XML is read with sax (`oss-xml.ts`).
 */
import type { SignatureVersion } from '../config/variables';
import { httpRequest, HttpRequestFailure, type HttpAnswer } from '../net/http-request';
import { SIGNATURE_SCHEMES, type SignedRequestInput } from '../upload/signature-schemes';
import { encodeObjectKey, encodeRfc3986 } from '../upload/signed-upload';
import { escapeXml } from '../upload/xml-escape';
import type { SignerCredentials } from './access-key';
import { childText, childrenNamed, parseXml, type XmlElement } from './oss-xml';

export interface OssClientOptions {
  /** Origin the requests go to: `<endpoint>/<key>` (a bucket endpoint, a bound domain, the local emulator). */
  endpoint: string;
  bucket: string;
  /** Bare region id, e.g. `cn-hangzhou`. */
  region: string;
  credentials: SignerCredentials;
  /** How requests are signed; `v4` when left out. */
  signatureVersion?: SignatureVersion;
  /**
   * How long OSS may take: `ms` for each call, its retry included, or for all the calls of this client together
   * (sign-url: one function request answers within OSS_TIMEOUT_MS, whatever steps it takes).
   */
  timeout: { ms: number; covers: 'each call' | 'all calls' };
  /** The signing clock; the system's when left out. */
  clock?: () => Date;
}

export type OssOperation =
  | 'ListObjects'
  | 'GetObject'
  | 'PutObject'
  | 'HeadObject'
  | 'DeleteObject'
  | 'CopyObject'
  | 'InitiateMultipartUpload'
  | 'ListParts'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'ListMultipartUploads';

/** Our codes, for failures OSS gave no code for. */
export const NO_OSS_CODE = {
  /** No answer within the time left. */
  timeout: 'Timeout',
  /** No answer: refused, reset, unresolvable. */
  network: 'NetworkError',
  /** A success status without what that success must carry (not XML, no UploadId, …): not OSS speaking. */
  malformed: 'MalformedAnswer',
  /** An error status without OSS's error document (a HEAD answer has no body). */
  unknown: 'Unknown',
} as const;

/**
 * An OSS call that failed. The message is fit for a log line (operation, code, status, OSS's request id), never
 * OSS's own message, a URL or a signature.
 */
export class OssError extends Error {
  readonly operation: OssOperation;
  /** OSS's `<Code>` (`NoSuchUpload`, `AccessDenied`, …), or one of NO_OSS_CODE. */
  readonly code: string;
  /** The answer's HTTP status; undefined when none came. */
  readonly status: number | undefined;
  /** OSS's id of the request (`x-oss-request-id`, else the XML's `<RequestId>`), what OSS support asks for. */
  readonly requestId: string | undefined;
  /** Whether the same call may succeed later: no answer, a 5xx, throttling, or an answer that is not OSS's. */
  readonly retryable: boolean;

  constructor(failure: { operation: OssOperation; code: string; status?: number; requestId?: string; retryable: boolean; detail: string }) {
    super(`OSS ${failure.operation}: ${failure.detail}`);
    this.name = 'OssError';
    this.operation = failure.operation;
    this.code = failure.code;
    this.status = failure.status;
    this.requestId = failure.requestId;
    this.retryable = failure.retryable;
  }
}

export interface ObjectHead {
  /** As stored; `application/octet-stream` when OSS has none. */
  contentType: string;
  size: number;
  /** Quoted, as OSS sends it. */
  etag: string;
  /** `Normal`, `Multipart`, `Appendable`, `Symlink`. */
  objectType: string | undefined;
  /** A stored `Content-Encoding`, when there is one. */
  contentEncoding: string | undefined;
  /** `Standard`, `IA`, `Archive`, `ColdArchive`, `DeepColdArchive` (`x-oss-storage-class`); undefined when OSS names none. */
  storageClass: string | undefined;
  /** `x-oss-meta-*` values, lower-case names without the prefix. */
  meta: Record<string, string>;
  /** `Last-Modified`, when OSS sent a readable one. */
  lastModified?: Date;
}

export interface ObjectCopy {
  /** The object copied, in this bucket. */
  sourceKey: string;
  key: string;
  /** Copy only this version of the source (its quoted ETag). */
  ifMatch: string;
  /** Replaces the copy's metadata: `content-type`, `content-disposition`, `x-oss-meta-*` (lower-case names). */
  headers: Record<string, string>;
}

/** A multipart upload: its key and OSS's id for it. */
export interface MultipartUpload {
  key: string;
  uploadId: string;
}

export interface ListedPart {
  partNumber: number;
  /** Quoted, as OSS lists it. */
  etag: string;
  size: number;
}

/** One object of a listing: its key and size, and `LastModified` when OSS listed a readable one. */
export interface ListedObject {
  key: string;
  size: number;
  lastModified?: Date;
}

/** One page of a listing: the objects, and where the next page starts (undefined on the last). */
export interface ObjectPage {
  objects: ListedObject[];
  nextMarker: string | undefined;
}

export interface OssClient {
  /** The objects under `prefix` after `marker` (byte order of keys), at most `maxKeys` (≤ 1000) of them. */
  listObjects(input: { prefix: string; marker: string; maxKeys: number }): Promise<ObjectPage>;
  /**
   * The object's metadata and its first `bytes` bytes, in one ranged GET (one round trip where HEAD then GET would
   * take two, and both describe the same version); undefined when there is no such object. `start` is undefined
   * when OSS will not read the object in its state (403 InvalidObjectState: an Archive-type object not restored);
   * the metadata then comes from HEAD.
   */
  readStart(key: string, bytes: number): Promise<{ head: ObjectHead; start: Buffer | undefined } | undefined>;
  /** The object's metadata, or undefined when there is no such object. */
  head(key: string): Promise<ObjectHead | undefined>;
  /** A small object's bytes (at most `maxBytes`, else the call fails), or undefined when there is no such object. */
  getObject(key: string, maxBytes: number): Promise<Buffer | undefined>;
  /** Writes a small object, replacing any there: its bytes and headers (`content-type`, …). */
  putObject(object: { key: string; body: Buffer; headers: Record<string, string> }): Promise<void>;
  /** Deletes the object; deleting what is already gone succeeds, as in OSS. */
  delete(key: string): Promise<void>;
  /** `changed` when the source is no longer the version named (or gone). */
  copy(copy: ObjectCopy): Promise<'copied' | 'changed'>;
  /** Starts a multipart upload with these headers (content type, disposition, …); resolves to its upload id. */
  initiateMultipart(upload: { key: string; headers: Record<string, string> }): Promise<string>;
  /** Every part OSS holds for the upload, in part-number order. */
  listParts(upload: MultipartUpload): Promise<ListedPart[]>;
  completeMultipart(upload: MultipartUpload & { parts: readonly ListedPart[]; headers: Record<string, string> }): Promise<{ etag: string }>;
  abortMultipart(upload: MultipartUpload): Promise<void>;
  /**
   * How many multipart uploads under `prefix` OSS holds unfinished, counting up to `atMost` (one ListMultipartUploads
   * page): `atMost` means at least that many.
   */
  countUploads(input: { prefix: string; atMost: number }): Promise<number>;
}

/** OSS's code for reading (or copying) an object that must be restored first: an Archive-type object. */
const UNREADABLE_STATE = 'InvalidObjectState';

/** ListParts pages: OSS's largest page; our uploads have at most 200 parts, so one page in practice. */
const LIST_PAGE_SIZE = 1000;
const MAX_LIST_PAGES = 11;
/** OSS's XML answers here are small (a full ListParts page is ~200 KB); anything bigger is not OSS. */
const MAX_XML_ANSWER_BYTES = 1024 * 1024;
/** A ListObjects page of 1000 keys of up to 1023 bytes, URL-encoded. */
const MAX_LISTING_ANSWER_BYTES = 8 * 1024 * 1024;
/** Enough for OSS's error document, the only body a HEAD, DELETE or copy answer is read for. */
const MAX_OTHER_ANSWER_BYTES = 16 * 1024;
/** A failed call is sent once more at most, after this pause. */
const MAX_ATTEMPTS = 2;
const RETRY_PAUSE_MS = 100;

/** One request to OSS, before signing. */
interface OssRequest {
  operation: OssOperation;
  method: SignedRequestInput['method'];
  key: string;
  /** Signed sub-resources (`uploads`, `uploadId`); `null` for one sent without a value (`?uploads`). */
  subResources?: Record<string, string | null>;
  /** Other query parameters (`max-parts`, `part-number-marker`). */
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Statuses that answer the call rather than fail it (a 404 for what is gone); any 2xx when left out. */
  answers?: readonly number[];
  maxAnswerBytes: number;
}

/** One attempt's outcome: OSS's answer, or the failure and whether the request surely never reached OSS. */
type Attempt = { answer: HttpAnswer } | { failure: OssError; neverSent: boolean };

export function createOssClient(options: OssClientOptions): OssClient {
  const scheme = SIGNATURE_SCHEMES[options.signatureVersion ?? 'v4'];
  const clock = options.clock ?? (() => new Date());
  const origin = new URL(options.endpoint);
  const createdAt = performance.now();

  async function attempt(request: OssRequest, deadline: number): Promise<Attempt> {
    const timeoutMs = Math.floor(deadline - performance.now());
    if (timeoutMs <= 0) return { failure: timedOut(request.operation, options.timeout.ms), neverSent: true };
    const headers = request.headers ?? {};
    const signed = scheme.signRequest({
      method: request.method,
      bucket: options.bucket,
      region: options.region,
      key: request.key,
      subResources: request.subResources ?? {},
      query: request.query ?? {},
      headers,
      credentials: options.credentials,
      now: clock(),
    });
    try {
      const answer = await httpRequest({
        method: request.method,
        url: origin,
        path: requestTarget(request),
        // A length always, so a bodiless PUT (the copy) is not sent chunked.
        headers: { ...headers, ...signed, 'content-length': String(request.body?.length ?? 0) },
        ...(request.body === undefined ? {} : { body: request.body }),
        timeoutMs,
        maxBodyBytes: request.maxAnswerBytes,
      });
      const answered = request.answers?.includes(answer.status) ?? (answer.status >= 200 && answer.status < 300);
      return answered ? { answer } : { failure: refusal(request.operation, answer), neverSent: false };
    } catch (error) {
      if (!(error instanceof HttpRequestFailure)) throw error;
      if (error.kind === 'timeout') return { failure: timedOut(request.operation, options.timeout.ms), neverSent: false };
      const failure = new OssError({
        operation: request.operation,
        code: NO_OSS_CODE.network,
        retryable: true,
        detail: `unreachable (${error.code ?? 'no code'})`,
      });
      // Refused, or a kept-alive connection OSS (or an FC freeze) closed before the request reached it.
      const neverSent = error.code === 'ECONNREFUSED' || (error.reusedConnection && error.code === 'ECONNRESET');
      return { failure, neverSent };
    }
  }

  async function call(request: OssRequest): Promise<HttpAnswer> {
    const deadline = (options.timeout.covers === 'all calls' ? createdAt : performance.now()) + options.timeout.ms;
    for (let attempts = 1; ; attempts += 1) {
      const outcome = await attempt(request, deadline);
      if ('answer' in outcome) return outcome.answer;
      if (!mayRetry({ ...outcome, attempts, method: request.method, msLeft: deadline - performance.now() })) throw outcome.failure;
      await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
    }
  }

  async function head(key: string): Promise<ObjectHead | undefined> {
    const answer = await call({ operation: 'HeadObject', method: 'HEAD', key, answers: [200, 404], maxAnswerBytes: 0 });
    return answer.status === 404 ? undefined : headOf('HeadObject', answer, Number(headerOf(answer, 'content-length')));
  }

  return {
    head,

    async listObjects({ prefix, marker, maxKeys }) {
      const operation = 'ListObjects';
      const answer = await call({
        operation,
        method: 'GET',
        // The bucket itself: `/` (signed as `/<bucket>/`).
        key: '',
        // URL-encoded keys: a key XML cannot carry (control characters, legal in OSS) would make the page unreadable.
        // No empty-valued parameter: how OSS canonicalises one is not settled (docs/oss-facts.md), so the first page names no marker.
        query: { prefix, ...(marker === '' ? {} : { marker }), 'max-keys': String(maxKeys), 'encoding-type': 'url' },
        maxAnswerBytes: MAX_LISTING_ANSWER_BYTES,
      });
      const result = xmlRoot(operation, answer, 'ListBucketResult');
      const objects = childrenNamed(result, 'Contents').map((entry): ListedObject => {
        const key = decodedKey(childText(entry, 'Key'));
        const size = Number(childText(entry, 'Size') ?? 'x');
        if (key === undefined || !Number.isSafeInteger(size) || size < 0)
          throw malformed(operation, answer, 'an entry without Key or Size');
        // ISO 8601 (`2026-11-28T10:20:00.000Z`); an unreadable one is left out, as HEAD's Last-Modified is.
        const lastModified = Date.parse(childText(entry, 'LastModified') ?? '');
        return Number.isNaN(lastModified) ? { key, size } : { key, size, lastModified: new Date(lastModified) };
      });
      if (childText(result, 'IsTruncated') !== 'true') return { objects, nextMarker: undefined };
      // OSS names the next marker when asked for a delimiter; otherwise the page's last key is the marker.
      const nextMarker = decodedKey(childText(result, 'NextMarker')) ?? objects.at(-1)?.key;
      if (nextMarker === undefined || nextMarker === marker)
        throw malformed(operation, answer, 'a truncated page without a usable next marker');
      return { objects, nextMarker };
    },

    async getObject(key, maxBytes) {
      const answer = await call({
        operation: 'GetObject',
        method: 'GET',
        key,
        answers: [200, 404],
        maxAnswerBytes: Math.max(maxBytes, MAX_OTHER_ANSWER_BYTES),
      });
      if (answer.status === 404) return undefined;
      if (answer.body.length > maxBytes) throw malformed('GetObject', answer, `an object over the ${maxBytes} bytes expected`);
      return answer.body;
    },

    async putObject({ key, body, headers }) {
      await call({ operation: 'PutObject', method: 'PUT', key, headers, body, maxAnswerBytes: MAX_OTHER_ANSWER_BYTES });
    },

    async readStart(key, bytes) {
      let answer: HttpAnswer;
      try {
        answer = await call({
          operation: 'GetObject',
          method: 'GET',
          key,
          headers: { range: `bytes=0-${bytes - 1}` },
          answers: [200, 206, 404, 416],
          // Room for OSS's error document too, whatever few bytes are asked for: its code decides what happens next.
          maxAnswerBytes: Math.max(bytes, MAX_OTHER_ANSWER_BYTES),
        });
      } catch (error) {
        if (!(error instanceof OssError) || error.code !== UNREADABLE_STATE) throw error;
        const found = await head(key);
        return found === undefined ? undefined : { head: found, start: undefined };
      }
      if (answer.status === 404) return undefined;
      // An empty object has no byte 0: OSS refuses the range. HEAD says the rest.
      if (answer.status === 416) {
        const found = await head(key);
        return found === undefined ? undefined : { head: found, start: Buffer.alloc(0) };
      }
      // 206: the total is after the slash of Content-Range; 200 (range ignored): the whole object came.
      const total =
        answer.status === 206
          ? Number(/\/(\d+)$/.exec(headerOf(answer, 'content-range') ?? '')?.[1])
          : Number(headerOf(answer, 'content-length'));
      return { head: headOf('GetObject', answer, total), start: answer.body.subarray(0, bytes) };
    },

    async delete(key) {
      await call({
        operation: 'DeleteObject',
        method: 'DELETE',
        key,
        answers: [200, 204, 404],
        maxAnswerBytes: MAX_OTHER_ANSWER_BYTES,
      });
    },

    async copy({ sourceKey, key, ifMatch, headers }) {
      const answer = await call({
        operation: 'CopyObject',
        method: 'PUT',
        key,
        headers: {
          'x-oss-copy-source': `/${options.bucket}/${encodeObjectKey(sourceKey)}`,
          'x-oss-copy-source-if-match': ifMatch,
          'x-oss-metadata-directive': 'REPLACE',
          ...headers,
        },
        answers: [200, 404, 412],
        maxAnswerBytes: MAX_OTHER_ANSWER_BYTES,
      });
      return answer.status === 200 ? 'copied' : 'changed';
    },

    async initiateMultipart({ key, headers }) {
      const operation = 'InitiateMultipartUpload';
      const answer = await call({
        operation,
        method: 'POST',
        key,
        subResources: { uploads: null },
        headers,
        maxAnswerBytes: MAX_XML_ANSWER_BYTES,
      });
      const uploadId = childText(xmlRoot(operation, answer, 'InitiateMultipartUploadResult'), 'UploadId');
      if (uploadId === undefined || uploadId === '') throw malformed(operation, answer, 'no UploadId in the answer');
      return uploadId;
    },

    async listParts({ key, uploadId }) {
      const operation = 'ListParts';
      const parts: ListedPart[] = [];
      let marker = '0';
      for (let page = 0; page < MAX_LIST_PAGES; page += 1) {
        const answer = await call({
          operation,
          method: 'GET',
          key,
          subResources: { uploadId },
          query: { 'max-parts': String(LIST_PAGE_SIZE), 'part-number-marker': marker },
          maxAnswerBytes: MAX_XML_ANSWER_BYTES,
        });
        const result = xmlRoot(operation, answer, 'ListPartsResult');
        for (const part of childrenNamed(result, 'Part')) parts.push(listedPart(part, answer));
        if (childText(result, 'IsTruncated') !== 'true') return parts;
        const next = childText(result, 'NextPartNumberMarker');
        if (next === undefined || !/^\d+$/.test(next) || Number(next) <= Number(marker)) {
          throw malformed(operation, answer, 'a truncated page without a usable NextPartNumberMarker');
        }
        marker = next;
      }
      throw new OssError({ operation, code: NO_OSS_CODE.malformed, retryable: true, detail: `more than ${MAX_LIST_PAGES} pages` });
    },

    async completeMultipart({ key, uploadId, parts, headers }) {
      const operation = 'CompleteMultipartUpload';
      const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUpload>${parts
        .map((part) => `<Part><PartNumber>${part.partNumber}</PartNumber><ETag>${escapeXml(part.etag)}</ETag></Part>`)
        .join('')}</CompleteMultipartUpload>`;
      const answer = await call({
        operation,
        method: 'POST',
        key,
        subResources: { uploadId },
        headers: { ...headers, 'content-type': 'application/xml' },
        body: Buffer.from(xml, 'utf8'),
        maxAnswerBytes: MAX_XML_ANSWER_BYTES,
      });
      const etag = childText(xmlRoot(operation, answer, 'CompleteMultipartUploadResult'), 'ETag');
      if (etag === undefined || etag === '') throw malformed(operation, answer, 'no ETag in the answer');
      return { etag };
    },

    async abortMultipart({ key, uploadId }) {
      await call({
        operation: 'AbortMultipartUpload',
        method: 'DELETE',
        key,
        subResources: { uploadId },
        maxAnswerBytes: MAX_OTHER_ANSWER_BYTES,
      });
    },

    async countUploads({ prefix, atMost }) {
      const operation = 'ListMultipartUploads';
      const answer = await call({
        operation,
        method: 'GET',
        // The bucket itself: `/` (signed as `/<bucket>/`).
        key: '',
        subResources: { uploads: null },
        // URL-encoded keys: a key XML cannot carry (control characters, legal in OSS) would make the page unreadable.
        query: { prefix, 'max-uploads': String(atMost), 'encoding-type': 'url' },
        maxAnswerBytes: MAX_XML_ANSWER_BYTES,
      });
      const result = xmlRoot(operation, answer, 'ListMultipartUploadsResult');
      const listed = childrenNamed(result, 'Upload').length;
      return childText(result, 'IsTruncated') === 'true' ? Math.max(listed, atMost) : Math.min(listed, atMost);
    },
  };
}

/**
 * Whether a failed attempt is sent again: once at most, with time left for it, only for a failure a retry may cure,
 * never after a timeout (the time is spent), and a POST (initiate, complete: each would act twice) only when it
 * surely never reached OSS.
 */
function mayRetry(input: { failure: OssError; neverSent: boolean; attempts: number; method: string; msLeft: number }): boolean {
  const { failure, neverSent, attempts, method, msLeft } = input;
  if (attempts >= MAX_ATTEMPTS || !failure.retryable || failure.code === NO_OSS_CODE.timeout) return false;
  if (msLeft <= RETRY_PAUSE_MS) return false;
  return method !== 'POST' || neverSent;
}

/** `/<key>` with each segment percent-encoded and nothing resolved (`..` stays), then the query. */
function requestTarget(request: OssRequest): string {
  const parameters = Object.entries({ ...request.subResources, ...request.query });
  // `?uploads`, not `?uploads=`: the form every SDK sends for a sub-resource without a value.
  const query = parameters.map(([name, value]) =>
    value === null ? encodeRfc3986(name) : `${encodeRfc3986(name)}=${encodeRfc3986(value)}`,
  );
  return `/${encodeObjectKey(request.key)}${query.length === 0 ? '' : `?${query.join('&')}`}`;
}

/** 5xx, throttling and the like: OSS may well take the same call a moment later. */
const retryableStatus = (status: number): boolean => status >= 500 || status === 429 || status === 408;

function timedOut(operation: OssOperation, ms: number): OssError {
  return new OssError({ operation, code: NO_OSS_CODE.timeout, retryable: true, detail: `no answer within ${ms} ms` });
}

/** An error status: OSS's code and request id from its `<Error>` document, which a HEAD answer carries base64 in `x-oss-err`. */
function refusal(operation: OssOperation, answer: HttpAnswer): OssError {
  const encoded = headerOf(answer, 'x-oss-err');
  const document = answer.body.length > 0 ? answer.body : Buffer.from(encoded ?? '', 'base64');
  const error = parsedRoot(document, answer.complete);
  const ossCode = error?.name === 'Error' ? childText(error, 'Code') : undefined;
  const code = ossCode?.slice(0, 80).replace(/[^A-Za-z0-9._-]/g, '') || NO_OSS_CODE.unknown;
  const requestId = requestIdOf(answer, error?.name === 'Error' ? error : undefined);
  return new OssError({
    operation,
    code,
    status: answer.status,
    ...(requestId === undefined ? {} : { requestId }),
    retryable: retryableStatus(answer.status),
    detail: `${code} (${answer.status}${requestId === undefined ? '' : `, request ${requestId}`})`,
  });
}

/** A success status whose content is not what OSS sends: retryable, since it is not OSS that said it. */
function malformed(operation: OssOperation, answer: HttpAnswer, what: string): OssError {
  const requestId = requestIdOf(answer, undefined);
  return new OssError({
    operation,
    code: NO_OSS_CODE.malformed,
    status: answer.status,
    ...(requestId === undefined ? {} : { requestId }),
    retryable: true,
    detail: what,
  });
}

function requestIdOf(answer: HttpAnswer, error: XmlElement | undefined): string | undefined {
  const id = headerOf(answer, 'x-oss-request-id') ?? (error === undefined ? undefined : childText(error, 'RequestId'));
  return id !== undefined && /^[A-Za-z0-9-]{1,64}$/.test(id) ? id : undefined;
}

function parsedRoot(body: Buffer, complete: boolean): XmlElement | undefined {
  if (!complete || body.length === 0) return undefined;
  try {
    return parseXml(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The answer's root element, which must be `root`. */
function xmlRoot(operation: OssOperation, answer: HttpAnswer, root: string): XmlElement {
  const element = parsedRoot(answer.body, answer.complete);
  if (element === undefined) throw malformed(operation, answer, 'the answer is not XML');
  if (element.name !== root) throw malformed(operation, answer, `the answer is ${element.name.slice(0, 40)}, not ${root}`);
  return element;
}

function listedPart(part: XmlElement, answer: HttpAnswer): ListedPart {
  const partNumber = Number(childText(part, 'PartNumber') ?? 'x');
  const size = Number(childText(part, 'Size') ?? 'x');
  const etag = childText(part, 'ETag');
  if (!Number.isSafeInteger(partNumber) || !Number.isSafeInteger(size) || etag === undefined || etag === '') {
    throw malformed('ListParts', answer, 'a part without PartNumber, Size or ETag');
  }
  return { partNumber, etag, size };
}

function headOf(operation: OssOperation, answer: HttpAnswer, size: number): ObjectHead {
  const etag = headerOf(answer, 'etag');
  if (!Number.isSafeInteger(size) || size < 0 || etag === undefined) throw malformed(operation, answer, 'no usable size or ETag');
  const lastModified = Date.parse(headerOf(answer, 'last-modified') ?? '');
  const meta: Record<string, string> = {};
  for (const [name, value] of Object.entries(answer.headers)) {
    if (name.startsWith('x-oss-meta-') && typeof value === 'string') meta[name.slice('x-oss-meta-'.length)] = value;
  }
  return {
    contentType: headerOf(answer, 'content-type') ?? 'application/octet-stream',
    size,
    etag,
    objectType: headerOf(answer, 'x-oss-object-type'),
    contentEncoding: headerOf(answer, 'content-encoding'),
    storageClass: headerOf(answer, 'x-oss-storage-class'),
    meta,
    ...(Number.isNaN(lastModified) ? {} : { lastModified: new Date(lastModified) }),
  };
}

/** A key of a listing asked with `encoding-type=url`; undefined when absent or not decodable. */
function decodedKey(encoded: string | undefined): string | undefined {
  if (encoded === undefined || encoded === '') return undefined;
  try {
    return decodeURIComponent(encoded.replace(/\+/g, '%20'));
  } catch {
    return undefined;
  }
}

function headerOf(answer: HttpAnswer, name: string): string | undefined {
  const value = answer.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
