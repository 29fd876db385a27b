/**
 * Multipart uploads through `sign-url`, in the browser: the function starts and completes the upload; this file
 * PUTs the parts to signed URLs, several at a time, each retried with backoff, with fresh URLs when they expire.
 * A checkpoint `{key, uploadId, partSize, done parts and their ETags}` in `localStorage`, keyed by the file's name,
 * size and modification time, lets a later `upload()` of the same file (after a failure or a page reload) send only
 * the parts OSS does not hold yet; it is removed when the upload completes or is cancelled.
 *
 * `uploadMultipart` runs the steps in order, each a function of its own: `startOrResume` (the resume rule),
 * `partUrls` (URLs in hand, renewed before they expire), `sendParts` (a pool of workers, one part each,
 * `sendPart` retrying it), `complete`, and on cancel `abort`; `checkpointStore` keeps the checkpoint and
 * `retryingCall` calls sign-url.
 */
import type { AnswerFor, MultipartMethod, RequestFor, SignedParts } from '../shared/contract';
import { normaliseEtag } from '../shared/upload/etag';
import { MAX_PART_URLS_PER_ANSWER, partRange } from '../shared/upload/parts';
import { partUrlsRenewAt } from '../shared/upload/url-expiry';
import { UploadError, blockedMessage, fieldOf, fromOssCode, parseOssError } from './errors';

/** sign-url called for one multipart step: the answer its method has, or an UploadError. */
export type MultipartCall = <M extends MultipartMethod>(request: RequestFor<M>, signal: AbortSignal | undefined) => Promise<AnswerFor<M>>;

/** The same, with the signal and the retries settled: what the steps below use. */
type Call = <M extends MultipartMethod>(request: RequestFor<M>) => Promise<AnswerFor<M>>;

export interface MultipartOptions {
  /** Calls sign-url with one request; throws an UploadError for an error answer. */
  callFunction: MultipartCall;
  /** Scopes the checkpoint to one service. */
  endpoint: string;
  onProgress?: ((loaded: number, total: number) => void) | undefined;
  /** Parts done so far, of how many. */
  onParts?: ((done: number, total: number) => void) | undefined;
  signal?: AbortSignal | undefined;
  /** Parts in flight at once. */
  concurrency: number;
  /** Retries of one part (and of a sign-url call the service answered "busy" to). */
  retries: number;
  /** Where checkpoints live; none: no resume after a reload. */
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | undefined;
}

export interface MultipartResult {
  key: string;
  bucket: string;
  size: number;
  etag: string | undefined;
}

export interface Checkpoint {
  version: 1;
  /** The file's name and size, for a page that lists unfinished uploads. */
  fileName: string;
  fileSize: number;
  key: string;
  uploadId: string;
  bucket: string;
  partSize: number;
  partCount: number;
  /** Part number → ETag OSS answered. */
  parts: Record<string, string>;
}

export const CHECKPOINT_PREFIX = 'oss-multipart:';

export function checkpointKey(endpoint: string, file: Pick<File, 'name' | 'size' | 'lastModified'>): string {
  return `${CHECKPOINT_PREFIX}${JSON.stringify([endpoint, file.name, file.size, file.lastModified])}`;
}

export function readCheckpoint(storage: MultipartOptions['storage'], id: string): Checkpoint | undefined {
  try {
    const value: unknown = JSON.parse(storage?.getItem(id) ?? 'null');
    return isCheckpoint(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isCheckpoint(value: unknown): value is Checkpoint {
  const parts = fieldOf(value, 'parts');
  return (
    fieldOf(value, 'version') === 1 &&
    typeof fieldOf(value, 'key') === 'string' &&
    typeof fieldOf(value, 'fileName') === 'string' &&
    typeof fieldOf(value, 'uploadId') === 'string' &&
    Number.isSafeInteger(fieldOf(value, 'partSize')) &&
    Number.isSafeInteger(fieldOf(value, 'partCount')) &&
    typeof parts === 'object' &&
    parts !== null &&
    Object.values(parts).every((etag) => typeof etag === 'string')
  );
}

/** The checkpoint of one file's upload. */
export interface CheckpointStore {
  read(): Checkpoint | undefined;
  save(point: Checkpoint): void;
  remove(): void;
}

export function checkpointStore(storage: MultipartOptions['storage'], id: string): CheckpointStore {
  return {
    read: () => readCheckpoint(storage, id),
    save: (point) => {
      try {
        storage?.setItem(id, JSON.stringify(point));
      } catch {
        // A full or blocked storage costs the resume, not the upload.
      }
    },
    remove: () => storage?.removeItem(id),
  };
}

export async function uploadMultipart(file: File, options: MultipartOptions): Promise<MultipartResult> {
  const { signal } = options;
  const store = checkpointStore(options.storage, checkpointKey(options.endpoint, file));
  const call = retryingCall(options);
  const { point, signed } = await startOrResume(file, { call, store });
  const progress = progressReporter(file.size, point, options);
  progress.report();
  const queue = pendingParts(point);
  const urls = partUrls({ call, point, upcoming: queue }, signed);
  try {
    await sendParts({ file, point, queue, urls, store, progress, signal, concurrency: options.concurrency, retries: options.retries });
    const result = await complete(call, point, file.size);
    store.remove();
    options.onProgress?.(file.size, file.size);
    return result;
  } catch (error) {
    if (signal?.aborted === true || (error instanceof UploadError && error.code === 'Cancelled')) {
      store.remove();
      await abort(options.callFunction, point);
      throw cancelled();
    }
    if (error instanceof UploadError && ['NoSuchUpload', 'EntityTooLarge'].includes(error.serviceCode ?? '')) store.remove();
    throw error;
  }
}

/** Part URLs as an answer brought them, and when the request for them was sent (this device's clock). */
interface SignedBatch {
  answer: Pick<SignedParts, 'parts' | 'expiresAt'>;
  requestedAt: number;
}

/** sign-url, retried a few times while it answers "busy" (503, 429); `Cancelled` once the signal is aborted. */
function retryingCall(options: Pick<MultipartOptions, 'callFunction' | 'signal' | 'retries'>): Call {
  const { callFunction, signal, retries } = options;
  return async (request) => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await callFunction(request, signal);
      } catch (error) {
        if (signal?.aborted === true) throw cancelled();
        if (!(error instanceof UploadError) || error.code !== 'Unavailable' || attempt >= retries) throw error;
        await sleep(backoffMs(attempt), signal);
      }
    }
  };
}

/** sign-url's codes for an upload that is gone (completed, aborted, expired) or is not the caller's. */
const GONE = ['NoSuchUpload', 'Forbidden', 'InvalidKey', 'InvalidUploadId'];

/**
 * The upload to go on with. The resume rule: the checkpoint's upload, when sign-url still knows it, with only the
 * parts OSS holds under the ETag we were given counted as done; else (no checkpoint, or its upload gone) a new one.
 */
async function startOrResume(
  file: File,
  steps: { call: Call; store: CheckpointStore },
): Promise<{ point: Checkpoint; signed: SignedBatch }> {
  const saved = steps.store.read();
  const resumed = saved === undefined ? undefined : await resume(saved, steps.call);
  return resumed ?? start(file, steps);
}

async function resume(point: Checkpoint, call: Call): Promise<{ point: Checkpoint; signed: SignedBatch } | undefined> {
  try {
    const requestedAt = Date.now();
    const answer = await call({
      method: 'PARTS',
      key: point.key,
      uploadId: point.uploadId,
      partNumbers: pendingParts(point).slice(0, MAX_PART_URLS_PER_ANSWER),
    });
    const held = new Map(answer.uploaded.map((part) => [part.partNumber, normaliseEtag(part.etag)]));
    for (const [n, etag] of Object.entries(point.parts)) if (held.get(Number(n)) !== normaliseEtag(etag)) delete point.parts[n];
    return { point, signed: { answer, requestedAt } };
  } catch (error) {
    if (error instanceof UploadError && error.code === 'Cancelled') throw error;
    if (!(error instanceof UploadError) || !GONE.includes(error.serviceCode ?? '')) throw error;
    return undefined; // start over
  }
}

async function start(file: File, steps: { call: Call; store: CheckpointStore }): Promise<{ point: Checkpoint; signed: SignedBatch }> {
  const requestedAt = Date.now();
  const started = await steps.call({
    method: 'MULTIPART',
    filename: file.name,
    contentType: file.type || 'application/octet-stream',
    size: file.size,
  });
  const point: Checkpoint = {
    version: 1,
    fileName: file.name,
    fileSize: file.size,
    key: started.key,
    uploadId: started.uploadId,
    bucket: started.bucket,
    partSize: started.partSize,
    partCount: started.partCount,
    parts: {},
  };
  steps.store.save(point);
  return { point, signed: { answer: started, requestedAt } };
}

/** The parts not done yet, in order. */
function pendingParts(point: Checkpoint): number[] {
  return Array.from({ length: point.partCount }, (_, index) => index + 1).filter((n) => point.parts[n] === undefined);
}

/** The bytes of part `n` (the checkpoint carries the server's part plan). */
function partBytes(point: Checkpoint, fileSize: number, n: number): number {
  const { start, end } = partRange(point, fileSize, n);
  return end - start;
}

interface Progress {
  /** Part `n` has sent `loaded` bytes so far. */
  sending(n: number, loaded: number): void;
  /** Part `n` is no longer in flight (done or failed). */
  settled(n: number): void;
  /** Tell the caller: bytes done and in flight, parts done. */
  report(): void;
}

function progressReporter(fileSize: number, point: Checkpoint, options: Pick<MultipartOptions, 'onProgress' | 'onParts'>): Progress {
  const inFlight = new Map<number, number>();
  const report = (): void => {
    const done = Object.keys(point.parts).reduce((sum, n) => sum + partBytes(point, fileSize, Number(n)), 0);
    const loading = [...inFlight.values()].reduce((sum, loaded) => sum + loaded, 0);
    options.onProgress?.(Math.min(fileSize, done + loading), fileSize);
    options.onParts?.(Object.keys(point.parts).length, point.partCount);
  };
  return {
    sending: (n, loaded) => {
      inFlight.set(n, loaded);
      report();
    },
    settled: (n) => void inFlight.delete(n),
    report,
  };
}

interface PartUrls {
  /** A URL for part `n` with time left: renewed (with the next parts' URLs) when it is missing or about to expire. */
  urlFor(n: number): Promise<string>;
  /** OSS said this part's URL has expired. */
  forget(n: number): void;
}

/**
 * The part URLs in hand, renewed with one `PARTS` request at a time (however many parts want one) before they
 * expire: `partUrlsRenewAt` reads their lifetime from the URLs themselves, V1 and V4 alike.
 */
function partUrls(options: { call: Call; point: Checkpoint; upcoming: readonly number[] }, first: SignedBatch): PartUrls {
  const { call, point, upcoming } = options;
  const urls = new Map<number, string>();
  let renewAt = 0;
  let refreshing: Promise<void> | undefined;
  const remember = ({ answer, requestedAt }: SignedBatch): void => {
    for (const part of answer.parts) urls.set(part.partNumber, part.url);
    renewAt = partUrlsRenewAt(answer, requestedAt);
  };
  remember(first);

  const refresh = async (n: number): Promise<void> => {
    const wanted = [n, ...upcoming.filter((m) => m !== n)].slice(0, MAX_PART_URLS_PER_ANSWER);
    const requestedAt = Date.now();
    urls.clear();
    remember({ answer: await call({ method: 'PARTS', key: point.key, uploadId: point.uploadId, partNumbers: wanted }), requestedAt });
  };
  const urlFor = async (n: number): Promise<string> => {
    if (!urls.has(n) || Date.now() > renewAt) {
      refreshing ??= refresh(n).finally(() => (refreshing = undefined));
      await refreshing;
    }
    // Another part's refresh may have come back without this part's URL: ask again.
    return urls.get(n) ?? urlFor(n);
  };
  return { urlFor, forget: (n) => void urls.delete(n) };
}

interface PartSending {
  file: Blob;
  point: Checkpoint;
  /** The parts still to send, shared by the workers (and by `partUrls`, which asks URLs for the next ones). */
  queue: number[];
  urls: PartUrls;
  store: CheckpointStore;
  progress: Progress;
  signal: AbortSignal | undefined;
  concurrency: number;
  retries: number;
}

/** `concurrency` workers, each taking the next part off the queue until it is empty; the first failure stops them all. */
async function sendParts(sending: PartSending): Promise<void> {
  const { queue } = sending;
  const workers = Array.from({ length: Math.max(1, Math.min(sending.concurrency, queue.length)) }, async () => {
    for (let n = queue.shift(); n !== undefined; n = queue.shift()) await sendPart(n, sending);
  });
  try {
    await Promise.all(workers);
  } catch (error) {
    queue.length = 0; // the other workers stop after their current part
    throw error;
  }
}

/** One part, retried with backoff (a fresh URL when OSS says it expired); recorded in the checkpoint when done. */
async function sendPart(n: number, sending: PartSending): Promise<void> {
  const { point, urls, progress, signal } = sending;
  const { start, end } = partRange(point, sending.file.size, n);
  const blob = sending.file.slice(start, end);
  for (let attempt = 0; ; attempt += 1) {
    if (signal?.aborted === true) throw cancelled();
    const url = await urls.urlFor(n);
    const outcome = await putPart(url, blob, signal, (loaded) => progress.sending(n, loaded));
    progress.settled(n);
    if (outcome.kind === 'done') {
      point.parts[n] = outcome.etag;
      sending.store.save(point);
      progress.report();
      return;
    }
    if (outcome.kind === 'cancelled') throw cancelled();
    if (outcome.kind === 'expired') urls.forget(n);
    if (!outcome.retryable || attempt >= sending.retries) throw outcome.error;
    await sleep(backoffMs(attempt), signal);
  }
}

/** Every part, in order, with the ETag OSS answered: sign-url completes the upload only if OSS holds exactly these. */
async function complete(call: Call, point: Checkpoint, size: number): Promise<MultipartResult> {
  const parts = Object.entries(point.parts)
    .map(([n, etag]) => ({ partNumber: Number(n), etag }))
    .sort((a, b) => a.partNumber - b.partNumber);
  const completed = await call({ method: 'COMPLETE', key: point.key, uploadId: point.uploadId, parts, size });
  return { key: completed.key, bucket: completed.bucket, size: completed.size, etag: completed.etag };
}

/** Best effort, once and without the aborted signal: the parts would otherwise wait for the bucket's lifecycle rule. */
async function abort(callFunction: MultipartCall, point: Checkpoint): Promise<void> {
  await callFunction({ method: 'ABORT', key: point.key, uploadId: point.uploadId }, undefined).catch(() => undefined);
}

const sleep = (ms: number, signal: AbortSignal | undefined): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
const backoffMs = (attempt: number): number => Math.min(8000, 500 * 2 ** attempt) * (0.75 + Math.random() / 2);

function cancelled(): UploadError {
  return new UploadError('Cancelled', 'The upload was cancelled.');
}

type PartOutcome =
  { kind: 'done'; etag: string } | { kind: 'cancelled' } | { kind: 'expired' | 'failed'; retryable: boolean; error: UploadError };

/** One part PUT: no headers (the URL signs none), progress events, the ETag from the answer. */
function putPart(url: string, blob: Blob, signal: AbortSignal | undefined, onProgress: (loaded: number) => void): Promise<PartOutcome> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    xhr.upload.onprogress = (event) => onProgress(Math.min(event.loaded, blob.size));
    const onAbort = (): void => xhr.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = (outcome: PartOutcome): void => {
      signal?.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        const etag = xhr.getResponseHeader('ETag');
        if (etag === null) {
          const error = new UploadError(
            'EtagNotExposed',
            'The bucket CORS rule must expose the ETag header (ExposeHeader: ETag) for multipart uploads.',
          );
          return settle({ kind: 'failed', retryable: false, error });
        }
        return settle({ kind: 'done', etag });
      }
      const parsed = parseOssError(xhr.responseText);
      const error = parsed === undefined ? new UploadError('Failed', `OSS answered ${xhr.status}.`) : fromOssCode(parsed.code);
      if (xhr.status === 403 && parsed?.code === 'AccessDenied' && /expired/i.test(parsed.message)) {
        return settle({ kind: 'expired', retryable: true, error });
      }
      settle({ kind: 'failed', retryable: xhr.status >= 500 || xhr.status === 429, error });
    };
    xhr.onerror = () => settle({ kind: 'failed', retryable: true, error: new UploadError('Blocked', blockedMessage) });
    xhr.onabort = () => settle({ kind: 'cancelled' });
    xhr.send(blob);
  });
}
