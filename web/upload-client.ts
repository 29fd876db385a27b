/**
 * The browser client a frontend team copies: `upload(file, options)` in one of five modes, or `startUpload(file,
 * options)` for a handle that can also pause, resume and cancel it.
 * - `auto` (default): `put` up to `multipartThreshold`, `multipart` above it.
 * - `put`:  sign-url gives a signed PUT URL; the file goes up in one request.
 * - `post`: sign-url gives a form policy; OSS itself enforces the size limit.
 * - `multipart`: sign-url starts the upload, signs part URLs and completes it; parts go up in parallel, retried,
 *   resumable after a failure or a page reload (`multipart.ts`). No credential reaches the browser.
 * - `sts`:  sts-token gives credentials for the user's prefix; ali-oss uploads in parts (native-SDK style).
 * Every mode keeps going through bad networks (`network.ts`): no answer, 5xx and 429 are tried again with backoff
 * for up to `retryWindowMs` (5 minutes), at once when the browser is back online. Once the last byte is in, the
 * upload waits for the verdict on the file (`verdict.ts`): it resolves only when upload-completed accepted it, and
 * rejects with `Rejected` (the reason in words) when it removed it; `waitForVerdict: false` resolves at the last byte.
 * No framework; `XMLHttpRequest` for upload progress, which `fetch` does not report.
 */
import type { AnswerFor, CallMethod, RequestFor, SignedPost, SignedPut, VerdictAccepted } from '../shared/contract.js';
import { objectKeyFor } from '../shared/upload/keys.js';
import { isAnswerTo } from './answer-shapes.js';
import { createCredentialProvider, type CredentialProvider } from './sts-credentials.js';
import { UploadError, blockedMessage, fieldOf, fromFunctionError, fromOssCode, parseOssError } from './errors.js';
import { uploadMultipart } from './multipart.js';
import {
  DEFAULT_RETRY_WINDOW_MS,
  cancelled,
  parseRetryAfter,
  retryBudget,
  uploadControl,
  waitToRetry,
  type RetryBudget,
  type UploadControl,
  type UploadStatus,
} from './network.js';
import { partUrlsRenewAt } from '../shared/upload/url-expiry.js';
import { DEFAULT_VERDICT_TIMEOUT_MS, waitForVerdict } from './verdict.js';

export { UploadError } from './errors.js';
export { DEFAULT_RETRY_WINDOW_MS, type UploadStatus } from './network.js';
export { createCredentialProvider } from './sts-credentials.js';
export { checkpointKey } from './multipart.js';
export { DEFAULT_VERDICT_TIMEOUT_MS } from './verdict.js';
export type { RejectionReason, VerdictAccepted } from '../shared/contract.js';

export const UPLOAD_MODES = ['auto', 'put', 'post', 'multipart', 'sts'] as const;
export type UploadMode = (typeof UPLOAD_MODES)[number];

/** `auto` sends files larger than this in parts. */
export const DEFAULT_MULTIPART_THRESHOLD = 10 * 1024 * 1024;

export interface UploadOptions {
  /** The function URL: sign-url for every mode but `sts`, sts-token for `sts`. */
  endpoint: string;
  /**
   * The upload profile (docs/upload-profiles.md): which kind of upload this is, with its own types, sizes, key and
   * quota. Left out: the server's `default`.
   */
  profile?: string;
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
  /**
   * Tries after a failure (no answer, 5xx, 429) made in any case, even past `retryWindowMs`. Default 3. An upload
   * whose very first request gets no answer at all (a network fault or a CORS refusal look the same) stops after these.
   */
  retries?: number;
  /**
   * How long a run of failures (no answer, 5xx, 429; offline) is retried before the upload gives up, in ms; any
   * progress starts the count again. Default 5 minutes (`DEFAULT_RETRY_WINDOW_MS`).
   */
  retryWindowMs?: number;
  /** What the upload is doing: `uploading`, `paused`, or `waiting` to try again (offline, no answer, busy). */
  onStatus?: (status: UploadStatus) => void;
  /** `sts` mode: the ali-oss browser constructor; default `window.OSS` from aliyun-oss-sdk.min.js. */
  OSS?: AliOssConstructor;
  /**
   * Wait, after the last byte, for the verdict on the file (upload-completed's checks of its size, type and bytes):
   * resolve with `verdict: 'accepted'`, or reject with `Rejected` when the file was removed (`reason`, and the
   * message in words). Default true; `false` resolves once the bytes are in, without a verdict. In `sts` mode only
   * with `verdictEndpoint`.
   */
  waitForVerdict?: boolean;
  /** How long to wait for the verdict before rejecting with `VerdictTimeout`, in ms. Default 30 s. */
  verdictTimeoutMs?: number;
  /** sign-url's URL, which answers the verdict: `endpoint` unless set (`sts` mode, whose endpoint is sts-token's). */
  verdictEndpoint?: string;
}

export interface UploadResult {
  key: string;
  bucket: string;
  size: number;
  etag: string | undefined;
  /** Present when the upload waited for the verdict (`waitForVerdict`): the file passed every check and stays. */
  verdict?: 'accepted';
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

/** One upload under way (`startUpload`). */
export interface UploadHandle {
  /** Settles as `upload()` does: the result, or an UploadError (`Cancelled` after `cancel()`). */
  readonly done: Promise<UploadResult>;
  /** Stops sending: requests in flight are dropped (a multipart upload keeps its finished parts); `done` waits. */
  pause(): void;
  /** Goes on after `pause()`: a multipart upload sends only the parts not yet at OSS, with fresh URLs if needed. */
  resume(): void;
  /** As aborting `options.signal`: `done` rejects with `Cancelled`, and a multipart upload is aborted at OSS. */
  cancel(): void;
  readonly paused: boolean;
}

/** The upload as a handle that can pause, resume and cancel it; `upload()` is `startUpload(…).done`. */
export function startUpload(file: File, options: UploadOptions): UploadHandle {
  const control = uploadControl({ signal: options.signal, onStatus: options.onStatus });
  const done = control.signal.aborted ? Promise.reject(cancelled()) : runAndJudge(file, options, control);
  return {
    done,
    pause: () => control.pause(),
    resume: () => control.resume(),
    cancel: () => control.cancel(),
    get paused() {
      return control.isPaused();
    },
  };
}

export function upload(file: File, options: UploadOptions): Promise<UploadResult> {
  return startUpload(file, options).done;
}

/** The upload, then (unless told not to) the verdict, asked right after the last byte. */
async function runAndJudge(file: File, options: UploadOptions, control: UploadControl): Promise<UploadResult> {
  const result = await run(file, options, control);
  const verdictEndpoint = options.verdictEndpoint ?? (options.mode === 'sts' ? undefined : options.endpoint);
  if (options.waitForVerdict === false || verdictEndpoint === undefined) return result;
  await verdictOf(result.key, { ...options, endpoint: verdictEndpoint }, control);
  return { ...result, verdict: 'accepted' };
}

/** Where to ask, and how long to wait. */
export type VerdictOptions = FunctionEndpoint & Pick<UploadOptions, 'verdictTimeoutMs' | 'onStatus'>;

/**
 * The verdict on an object of the signed-in user (one uploaded another way: a native app, STS credentials, before a
 * page reload): resolves once upload-completed accepted it, rejects with an UploadError (`Rejected` with its
 * `reason`, `VerdictTimeout`, `VerdictUnavailable`, `Cancelled`) otherwise.
 */
export function awaitVerdict(key: string, options: VerdictOptions): Promise<VerdictAccepted> {
  return verdictOf(key, options, uploadControl({ signal: options.signal, onStatus: options.onStatus }));
}

function verdictOf(key: string, options: VerdictOptions, control: UploadControl): Promise<VerdictAccepted> {
  return waitForVerdict({
    key,
    ask: (signal) => callFunction({ endpoint: options.endpoint, getToken: options.getToken, signal }, { method: 'VERDICT', key }),
    control,
    timeoutMs: options.verdictTimeoutMs ?? DEFAULT_VERDICT_TIMEOUT_MS,
  });
}

async function run(file: File, options: UploadOptions, control: UploadControl): Promise<UploadResult> {
  const mode = options.mode ?? 'auto';
  if (mode === 'sts') return uploadWithSts(file, options, control);
  if (mode === 'multipart' || (mode === 'auto' && file.size > (options.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD))) {
    return uploadMultipart(file, {
      endpoint: options.endpoint,
      profile: options.profile,
      callFunction: (request, signal) =>
        callFunction({ ...options, ...(signal === undefined ? { signal: undefined } : { signal }) }, request),
      onProgress: options.onProgress,
      onParts: options.onParts,
      control,
      concurrency: options.concurrency ?? 4,
      retries: options.retries ?? 3,
      retryWindowMs: options.retryWindowMs,
      storage: options.storage === null ? undefined : (options.storage ?? defaultStorage()),
    });
  }
  return uploadSingle(file, options, control, mode === 'post' ? 'POST' : 'PUT');
}

function budgetFor(options: UploadOptions): RetryBudget {
  return retryBudget({ windowMs: options.retryWindowMs ?? DEFAULT_RETRY_WINDOW_MS, minRetries: options.retries ?? 3 });
}

/** A signed request for the file, its answer, and when that answer stops working (this device's clock). */
interface Signed {
  answer: SignedPut | SignedPost;
  renewAt: number;
}

/**
 * One `PUT` or `POST` of the whole file, tried again after a transient failure (or a pause) with the same signature
 * while it has time left, else a new one. A try that finds its own object already there (`FileAlreadyExists`: the
 * key is new and the URL never overwrites) means an earlier try landed and only its answer was lost.
 */
async function uploadSingle(file: File, options: UploadOptions, control: UploadControl, method: 'PUT' | 'POST'): Promise<UploadResult> {
  const budget = budgetFor(options);
  const sign = signing(file, options, control, method);
  let signed: Signed | undefined;
  let reached = false;
  let tried = false;
  for (;;) {
    await control.running();
    if (signed === undefined || Date.now() > signed.renewAt) signed = await sign();
    const { answer } = signed;
    const result = { key: answer.key, bucket: answer.bucket, size: file.size };
    try {
      const xhr = await (answer.method === 'POST' ? postForm(file, answer, options, control) : putFile(file, answer, options, control));
      budget.succeeded();
      return { ...result, etag: etagOf(xhr) };
    } catch (error) {
      if (control.signal.aborted) throw cancelled();
      if (control.isPaused()) continue;
      if (!(error instanceof UploadError)) throw error;
      if (tried && error.serviceCode === 'FileAlreadyExists') return { ...result, etag: undefined };
      // Aborted, neither paused nor cancelled: the browser went offline and the request is lost.
      const failure = error.code === 'Cancelled' ? new UploadError('Blocked', blockedMessage, undefined, { transient: true }) : error;
      if (!failure.transient) throw failure;
      tried = true;
      reached ||= failure.code !== 'Blocked';
      await waitToRetry(failure, { budget, control, lost: { target: 'OSS', url: answer.url, reached } });
    }
  }
}

/** sign-url for one `PUT` or `POST`, tried again after transient failures; when its answer should be renewed. */
function signing(file: File, options: UploadOptions, control: UploadControl, method: 'PUT' | 'POST'): () => Promise<Signed> {
  const budget = budgetFor(options);
  const request = {
    filename: file.name,
    contentType: file.type || 'application/octet-stream',
    size: file.size,
    ...(options.profile === undefined ? {} : { profile: options.profile }),
  };
  let reached = false;
  return async () => {
    for (;;) {
      await control.running();
      const requestedAt = Date.now();
      try {
        const endpoint = { ...options, signal: control.signal };
        const answer =
          method === 'POST' ? await callFunction(endpoint, { ...request, method }) : await callFunction(endpoint, { ...request, method });
        budget.succeeded();
        return { answer, renewAt: partUrlsRenewAt({ parts: [{ url: answer.url }], expiresAt: answer.expiresAt }, requestedAt) };
      } catch (error) {
        if (control.signal.aborted) throw cancelled();
        if (!(error instanceof UploadError) || !error.transient) throw error;
        reached ||= error.code !== 'Blocked';
        await waitToRetry(error, { budget, control, lost: { target: 'the upload service', url: options.endpoint, reached } });
      }
    }
  };
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
  } catch {
    throwIfAborted(options.signal);
    throw new UploadError(
      'Blocked',
      `The browser got no answer at all from the upload service at ${options.endpoint}: the network to it may be down, or the URL is wrong, or the service does not allow this page's origin (ALLOWED_ORIGINS).`,
      undefined,
      { transient: true },
    );
  }
  const answer: unknown = response.status === 204 ? undefined : await response.json().catch(() => undefined);
  if (!response.ok) throw fromFunctionError(response.status, answer, parseRetryAfter(response.headers.get('Retry-After')));
  if (!isAnswerTo(request.method, answer)) {
    throw new UploadError(
      'Failed',
      `The upload service at ${options.endpoint} answered ${request.method} with something other than the answer this client knows: are the client and the functions of the same version?`,
    );
  }
  return answer;
}

function putFile(file: File, signed: SignedPut, options: UploadOptions, control: UploadControl): Promise<XMLHttpRequest> {
  return send({
    method: 'PUT',
    url: signed.url,
    body: file,
    headers: signed.headers,
    total: file.size,
    options,
    signal: control.attemptSignal(),
  });
}

function postForm(file: File, signed: SignedPost, options: UploadOptions, control: UploadControl): Promise<XMLHttpRequest> {
  if (file.size > signed.maxBytes) return Promise.reject(fromOssCode('EntityTooLarge', { maxBytes: signed.maxBytes }));
  const form = new FormData();
  for (const [name, value] of Object.entries(signed.fields)) form.append(name, value);
  form.append('file', file); // OSS reads every field before the file: it must come last
  const signal = control.attemptSignal();
  return send({ method: 'POST', url: signed.url, body: form, headers: {}, total: file.size, options, signal, maxBytes: signed.maxBytes });
}

function etagOf(xhr: XMLHttpRequest): string | undefined {
  return xhr.getResponseHeader('ETag') ?? undefined;
}

interface Sending {
  method: 'PUT' | 'POST';
  url: string;
  body: Blob | FormData;
  headers: Record<string, string>;
  total: number;
  options: UploadOptions;
  /** Aborted by a pause or a cancel. */
  signal: AbortSignal;
  maxBytes?: number;
}

/** One request to OSS: the XHR when it answers 2xx; an UploadError (`transient` for no answer, 5xx and 429) else. */
function send({ method, url, body, headers, total, options, signal, maxBytes }: Sending): Promise<XMLHttpRequest> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => options.onProgress?.(Math.min(event.loaded, total), total);
    const onAbort = (): void => xhr.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const done = (): void => signal.removeEventListener('abort', onAbort);
    xhr.onload = () => {
      done();
      if (xhr.status >= 200 && xhr.status < 300) {
        options.onProgress?.(total, total);
        resolve(xhr);
        return;
      }
      const parsed = parseOssError(xhr.responseText);
      const known = parsed === undefined ? undefined : fromOssCode(parsed.code, maxBytes === undefined ? {} : { maxBytes });
      const transient = xhr.status >= 500 || xhr.status === 429;
      reject(
        known !== undefined && !transient
          ? known
          : new UploadError(known?.code ?? 'Failed', known?.message ?? `OSS answered ${xhr.status}.`, known?.serviceCode, {
              transient,
              retryAfterMs: parseRetryAfter(xhr.getResponseHeader('Retry-After')),
            }),
      );
    };
    xhr.onerror = () => {
      done();
      reject(new UploadError('Blocked', blockedMessage, undefined, { transient: true }));
    };
    xhr.onabort = () => {
      done();
      reject(new UploadError('Cancelled', 'The upload was cancelled.'));
    };
    xhr.send(body);
  });
}

/**
 * One provider per (endpoint, signed-in token, profile): every concurrent upload of that user to that profile shares
 * its refreshes, and another user signing in (another token) never reuses them. A few at most, oldest dropped.
 */
const providers = new Map<string, CredentialProvider>();
const MAX_PROVIDERS = 4;

async function providerFor(options: UploadOptions): Promise<CredentialProvider> {
  const token = await options.getToken();
  const id = `${options.endpoint}\n${token}\n${options.profile ?? ''}`;
  let provider = providers.get(id);
  if (provider === undefined) {
    const request = { method: 'STS' as const, ...(options.profile === undefined ? {} : { profile: options.profile }) };
    provider = createCredentialProvider({
      fetchCredentials: () => callFunction({ ...options, getToken: () => token }, request),
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

async function uploadWithSts(file: File, options: UploadOptions, control: UploadControl): Promise<UploadResult> {
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
  let checkpoint: unknown;
  const retries = options.retries ?? 3;
  const budget = budgetFor(options);
  for (let attempt = 0; ; attempt += 1) {
    await control.running();
    // A pause or a cancel stops ali-oss; a pause goes on from the checkpoint on resume.
    const attemptSignal = control.attemptSignal();
    const onAbort = (): void => client.cancel();
    attemptSignal.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await client.multipartUpload(key, file, {
        partSize: Math.max(options.partSize ?? 1024 * 1024, 100 * 1024),
        mime: file.type || 'application/octet-stream',
        headers: { 'x-oss-forbid-overwrite': 'true' },
        ...(checkpoint === undefined ? {} : { checkpoint }),
        progress: async (fraction: number, point: unknown) => {
          if (point !== undefined) {
            checkpoint = point;
            budget.succeeded();
          }
          options.onProgress?.(Math.round(fraction * file.size), file.size);
        },
      });
      return { key, bucket: credentials.bucket, size: file.size, etag: result.etag ?? result.res?.headers?.['etag'] };
    } catch (error) {
      if (control.signal.aborted) throw cancelled();
      const code = fieldOf(error, 'code') ?? fieldOf(error, 'name');
      if (code === 'cancel' && control.isPaused()) continue;
      if (code === 'cancel') {
        // Neither paused nor cancelled: the browser went offline, and what was in flight is lost.
        await waitToRetry(new UploadError('Blocked', blockedMessage, undefined, { transient: true }), {
          budget,
          control,
          lost: { target: 'OSS', url: credentials.endpoint, reached: checkpoint !== undefined },
        });
        continue;
      }
      if (code === 'SecurityTokenExpired' || code === 'InvalidAccessKeyId') provider.invalidate();
      const described = describeAliOssError(error);
      if (described.transient) {
        await waitToRetry(described, {
          budget,
          control,
          lost: { target: 'OSS', url: credentials.endpoint, reached: checkpoint !== undefined },
        });
        continue;
      }
      const retryable =
        checkpoint !== undefined && attempt < retries && !['AccessDenied', 'FileAlreadyExists', 'EntityTooLarge'].includes(String(code));
      if (!retryable) throw described;
    } finally {
      attemptSignal.removeEventListener('abort', onAbort);
    }
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
  if (status === -1 || status === 0 || code === 'RequestError')
    return new UploadError('Blocked', blockedMessage, undefined, { transient: true });
  if (typeof status === 'number' && (status >= 500 || status === 429)) {
    return new UploadError('Failed', `OSS answered ${status}.`, undefined, { transient: true });
  }
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
