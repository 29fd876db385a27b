/**
 * The browser client a frontend team copies: `upload(file, options)` in one of five modes.
 * - `auto` (default): `put` up to `multipartThreshold`, `multipart` above it.
 * - `put`:  sign-url gives a signed PUT URL; the file goes up in one request.
 * - `post`: sign-url gives a form policy; OSS itself enforces the size limit.
 * - `multipart`: sign-url starts the upload, signs part URLs and completes it; parts go up in parallel, retried,
 *   resumable after a failure or a page reload (`multipart.ts`). No credential reaches the browser.
 * - `sts`:  sts-token gives credentials for the user's prefix; ali-oss uploads in parts (native-SDK style).
 * No framework; `XMLHttpRequest` for upload progress, which `fetch` does not report.
 */
import type { AnswerFor, CallMethod, RequestFor, SignedPost, SignedPut } from '../shared/contract';
import { objectKeyFor } from '../shared/upload/keys';
import { isAnswerTo } from './answer-shapes';
import { createCredentialProvider, type CredentialProvider } from './sts-credentials';
import { UploadError, blockedMessage, fieldOf, fromFunctionError, fromOssCode, parseOssError } from './errors';
import { uploadMultipart } from './multipart';

export { UploadError } from './errors';
export { createCredentialProvider } from './sts-credentials';
export { checkpointKey } from './multipart';

export const UPLOAD_MODES = ['auto', 'put', 'post', 'multipart', 'sts'] as const;
export type UploadMode = (typeof UPLOAD_MODES)[number];

/** `auto` sends files larger than this in parts. */
export const DEFAULT_MULTIPART_THRESHOLD = 10 * 1024 * 1024;

export interface UploadOptions {
  /** The function URL: sign-url for every mode but `sts`, sts-token for `sts`. */
  endpoint: string;
  /** Default `auto`. */
  mode?: UploadMode;
  /** Your app's JWT for the signed-in user. */
  getToken: () => string | Promise<string>;
  onProgress?: (loaded: number, total: number) => void;
  /** `multipart`: parts done so far, of how many. */
  onParts?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** `auto`: the size above which a file goes up in parts. Default 10 MiB. */
  multipartThreshold?: number;
  /** `multipart`: parts in flight at once. Default 4. */
  concurrency?: number;
  /** `multipart`: where resume checkpoints are kept; default `localStorage`, `null` for none. */
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null;
  /** `sts` mode: part size in bytes (OSS needs at least 100 KiB). Default 1 MiB. */
  partSize?: number;
  /** `multipart` and `sts`: retries of a failed part. Default 3. */
  retries?: number;
  /** `sts` mode: the ali-oss browser constructor; default `window.OSS` from aliyun-oss-sdk.min.js. */
  OSS?: AliOssConstructor;
}

export interface UploadResult {
  key: string;
  bucket: string;
  size: number;
  etag: string | undefined;
}

/** The slice of ali-oss's browser client this file uses. */
export interface AliOssClient {
  multipartUpload(
    name: string,
    file: Blob,
    options: Record<string, unknown>,
  ): Promise<{ name: string; etag?: string; res?: { headers?: Record<string, string> } }>;
  cancel(): void;
}
export type AliOssConstructor = new (options: Record<string, unknown>) => AliOssClient;

export async function upload(file: File, options: UploadOptions): Promise<UploadResult> {
  throwIfAborted(options.signal);
  const mode = options.mode ?? 'auto';
  if (mode === 'sts') return uploadWithSts(file, options);
  if (mode === 'multipart' || (mode === 'auto' && file.size > (options.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD))) {
    return uploadMultipart(file, {
      endpoint: options.endpoint,
      callFunction: (request, signal) =>
        callFunction({ ...options, ...(signal === undefined ? { signal: undefined } : { signal }) }, request),
      onProgress: options.onProgress,
      onParts: options.onParts,
      signal: options.signal,
      concurrency: options.concurrency ?? 4,
      retries: options.retries ?? 3,
      storage: options.storage === null ? undefined : (options.storage ?? defaultStorage()),
    });
  }
  const request = { filename: file.name, contentType: file.type || 'application/octet-stream', size: file.size };
  if (mode === 'post') return postForm(file, await callFunction(options, { ...request, method: 'POST' }), options);
  return putFile(file, await callFunction(options, { ...request, method: 'PUT' }), options);
}

function defaultStorage(): Storage | undefined {
  try {
    return globalThis.localStorage ?? undefined;
  } catch {
    return undefined; // storage blocked by the browser's settings
  }
}

/** Where a function is, and how its caller proves who they are. */
export type FunctionEndpoint = Pick<UploadOptions, 'endpoint' | 'getToken'> & { signal?: AbortSignal | undefined };

/**
 * One call of our function: a bearer token and a request in, the answer the contract gives the request's `method`
 * out (`shared/contract.ts`, `FunctionCalls`). An UploadError for an error answer, and for an answer of another
 * shape than the contract's (checked here, where the JSON comes in: `answer-shapes.ts`).
 */
export async function callFunction<M extends CallMethod>(options: FunctionEndpoint, request: RequestFor<M>): Promise<AnswerFor<M>> {
  let response: Response;
  try {
    response = await fetch(options.endpoint, {
      method: 'POST',
      headers: { authorization: `Bearer ${await options.getToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify(request),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (error) {
    throwIfAborted(options.signal);
    throw new UploadError(
      'Blocked',
      `Could not reach the upload service at ${options.endpoint}: check the URL and its CORS settings. (${String(error)})`,
    );
  }
  const answer: unknown = response.status === 204 ? undefined : await response.json().catch(() => undefined);
  if (!response.ok) throw fromFunctionError(response.status, answer);
  if (!isAnswerTo(request.method, answer)) {
    throw new UploadError(
      'Failed',
      `The upload service at ${options.endpoint} answered ${request.method} with something other than the answer this client knows: are the client and the functions of the same version?`,
    );
  }
  return answer;
}

function putFile(file: File, signed: SignedPut, options: UploadOptions): Promise<UploadResult> {
  return send('PUT', signed.url, file, signed.headers, file.size, options).then((xhr) => ({
    key: signed.key,
    bucket: signed.bucket,
    size: file.size,
    etag: etagOf(xhr),
  }));
}

function postForm(file: File, signed: SignedPost, options: UploadOptions): Promise<UploadResult> {
  if (file.size > signed.maxBytes) return Promise.reject(fromOssCode('EntityTooLarge', { maxBytes: signed.maxBytes }));
  const form = new FormData();
  for (const [name, value] of Object.entries(signed.fields)) form.append(name, value);
  form.append('file', file); // OSS reads every field before the file: it must come last
  return send('POST', signed.url, form, {}, file.size, options, signed.maxBytes).then((xhr) => ({
    key: signed.key,
    bucket: signed.bucket,
    size: file.size,
    etag: etagOf(xhr),
  }));
}

function etagOf(xhr: XMLHttpRequest): string | undefined {
  return xhr.getResponseHeader('ETag') ?? undefined;
}

function send(
  method: 'PUT' | 'POST',
  url: string,
  body: Blob | FormData,
  headers: Record<string, string>,
  total: number,
  options: UploadOptions,
  maxBytes?: number,
): Promise<XMLHttpRequest> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => options.onProgress?.(Math.min(event.loaded, total), total);
    const onAbort = (): void => xhr.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const done = (): void => options.signal?.removeEventListener('abort', onAbort);
    xhr.onload = () => {
      done();
      if (xhr.status >= 200 && xhr.status < 300) {
        options.onProgress?.(total, total);
        resolve(xhr);
        return;
      }
      const parsed = parseOssError(xhr.responseText);
      reject(
        parsed === undefined
          ? new UploadError('Failed', `OSS answered ${xhr.status}.`)
          : fromOssCode(parsed.code, maxBytes === undefined ? {} : { maxBytes }),
      );
    };
    xhr.onerror = () => {
      done();
      reject(new UploadError('Blocked', blockedMessage));
    };
    xhr.onabort = () => {
      done();
      reject(new UploadError('Cancelled', 'The upload was cancelled.'));
    };
    xhr.send(body);
  });
}

/**
 * One provider per (endpoint, signed-in token): every concurrent upload of that user shares its refreshes, and
 * another user signing in (another token) never reuses them. A few at most, oldest dropped.
 */
const providers = new Map<string, CredentialProvider>();
const MAX_PROVIDERS = 4;

async function providerFor(options: UploadOptions): Promise<CredentialProvider> {
  const token = await options.getToken();
  const id = `${options.endpoint}\n${token}`;
  let provider = providers.get(id);
  if (provider === undefined) {
    provider = createCredentialProvider({
      fetchCredentials: () => callFunction({ ...options, getToken: () => token }, { method: 'STS' }),
    });
    providers.set(id, provider);
    for (const oldest of providers.keys()) {
      if (providers.size <= MAX_PROVIDERS) break;
      providers.delete(oldest);
    }
  }
  return provider;
}

/** Forget every cached STS credential: call it when the user signs out. */
export function resetCredentials(): void {
  providers.clear();
}

async function uploadWithSts(file: File, options: UploadOptions): Promise<UploadResult> {
  const OSS = options.OSS ?? (globalThis as { OSS?: AliOssConstructor }).OSS;
  if (OSS === undefined) throw new UploadError('Failed', 'STS mode needs ali-oss: load aliyun-oss-sdk.min.js first, or pass options.OSS.');
  const provider = await providerFor(options);
  const credentials = await provider.get();
  if (file.size > credentials.maxBytes) throw fromOssCode('EntityTooLarge', { maxBytes: credentials.maxBytes });
  const key = objectKeyFor(credentials.prefix, file.name, new Date(), randomId());

  const client = new OSS({
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    stsToken: credentials.securityToken,
    bucket: credentials.bucket,
    region: credentials.region,
    endpoint: credentials.endpoint,
    cname: true,
    secure: credentials.endpoint.startsWith('https:'),
    authorizationV4: true,
    // ali-oss asks at most every 10 s; the provider answers from its cache until the refresh margin is reached.
    refreshSTSTokenInterval: 10_000,
    refreshSTSToken: async () => {
      const fresh = await provider.get();
      return { accessKeyId: fresh.accessKeyId, accessKeySecret: fresh.accessKeySecret, stsToken: fresh.securityToken };
    },
  });
  const onAbort = (): void => client.cancel();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  let checkpoint: unknown;
  const retries = options.retries ?? 3;
  try {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const result = await client.multipartUpload(key, file, {
          partSize: Math.max(options.partSize ?? 1024 * 1024, 100 * 1024),
          mime: file.type || 'application/octet-stream',
          headers: { 'x-oss-forbid-overwrite': 'true' },
          ...(checkpoint === undefined ? {} : { checkpoint }),
          progress: async (fraction: number, point: unknown) => {
            if (point !== undefined) checkpoint = point;
            options.onProgress?.(Math.round(fraction * file.size), file.size);
          },
        });
        return { key, bucket: credentials.bucket, size: file.size, etag: result.etag ?? result.res?.headers?.['etag'] };
      } catch (error) {
        throwIfAborted(options.signal);
        const code = fieldOf(error, 'code') ?? fieldOf(error, 'name');
        if (code === 'cancel') throw new UploadError('Cancelled', 'The upload was cancelled.');
        if (code === 'SecurityTokenExpired' || code === 'InvalidAccessKeyId') provider.invalidate();
        const retryable =
          checkpoint !== undefined && attempt < retries && !['AccessDenied', 'FileAlreadyExists', 'EntityTooLarge'].includes(String(code));
        if (!retryable) throw describeAliOssError(error);
      }
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

function describeAliOssError(error: unknown): UploadError {
  const [code, status, message] = [fieldOf(error, 'code'), fieldOf(error, 'status'), fieldOf(error, 'message')];
  if (typeof code === 'string' && code !== '' && code !== 'RequestError') return fromOssCode(code);
  if (typeof message === 'string' && /etag/i.test(message)) {
    return new UploadError(
      'EtagNotExposed',
      'The bucket CORS rule must expose the ETag header (ExposeHeader: ETag) for multipart uploads.',
    );
  }
  if (status === -1 || status === 0 || code === 'RequestError') return new UploadError('Blocked', blockedMessage);
  return new UploadError('Failed', 'The upload failed.');
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new UploadError('Cancelled', 'The upload was cancelled.');
}

/** STS mode picks its own key inside the prefix, like the server does: `<prefix><yyyy>/<mm>/<random><.ext>`. */
function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}
