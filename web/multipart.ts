/**
 * Multipart uploads through `sign-url`, in the browser: the function starts and completes the upload; this file
 * PUTs the parts to signed URLs, several at a time, each retried with backoff, with fresh URLs when they expire.
 * A checkpoint `{key, uploadId, partSize, done parts and their ETags}` in `localStorage`, keyed by the file's name,
 * size and modification time, lets a later `upload()` of the same file (after a failure or a page reload) send only
 * the parts OSS does not hold yet; it is removed when the upload completes or is cancelled.
 */
import type { AnswerFor, MultipartMethod, RequestFor, SignedParts } from '../shared/contract';
import { normaliseEtag } from '../shared/upload/etag';
import { MAX_PART_URLS_PER_ANSWER, partRange } from '../shared/upload/parts';
import { partUrlsRenewAt } from '../shared/upload/url-expiry';
import { UploadError, blockedMessage, fieldOf, fromOssCode, parseOssError } from './errors';

/** sign-url called for one multipart step: the answer its method has, or an UploadError. */
export type MultipartCall = <M extends MultipartMethod>(request: RequestFor<M>, signal: AbortSignal | undefined) => Promise<AnswerFor<M>>;

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

const sleep = (ms: number, signal: AbortSignal | undefined): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
const backoffMs = (attempt: number): number => Math.min(8000, 500 * 2 ** attempt) * (0.75 + Math.random() / 2);

function cancelled(): UploadError {
  return new UploadError('Cancelled', 'The upload was cancelled.');
}

export async function uploadMultipart(file: File, options: MultipartOptions): Promise<MultipartResult> {
  const { signal, storage } = options;
  const id = checkpointKey(options.endpoint, file);
  const urls = new Map<number, string>();
  let urlsRenewAt = 0;
  const remember = (answer: Pick<SignedParts, 'parts' | 'expiresAt'>, requestedAt: number): void => {
    for (const part of answer.parts) urls.set(part.partNumber, part.url);
    urlsRenewAt = partUrlsRenewAt(answer, requestedAt);
  };

  /** sign-url, retried a few times while it answers "busy" (503, 429). */
  const call = async <M extends MultipartMethod>(request: RequestFor<M>): Promise<AnswerFor<M>> => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await options.callFunction(request, signal);
      } catch (error) {
        if (signal?.aborted === true) throw cancelled();
        if (!(error instanceof UploadError) || error.code !== 'Unavailable' || attempt >= options.retries) throw error;
        await sleep(backoffMs(attempt), signal);
      }
    }
  };

  let checkpoint = readCheckpoint(storage, id);
  const save = (): void => {
    try {
      storage?.setItem(id, JSON.stringify(checkpoint));
    } catch {
      // A full or blocked storage costs the resume, not the upload.
    }
  };
  const pendingOf = (point: Checkpoint): number[] =>
    Array.from({ length: point.partCount }, (_, index) => index + 1).filter((n) => point.parts[n] === undefined);

  if (checkpoint !== undefined) {
    const point: Checkpoint = checkpoint;
    try {
      const requestedAt = Date.now();
      const answer = await call({
        method: 'PARTS',
        key: point.key,
        uploadId: point.uploadId,
        partNumbers: pendingOf(point).slice(0, MAX_PART_URLS_PER_ANSWER),
      });
      // Only what OSS still holds, with the ETag we were given, counts as done.
      const held = new Map(answer.uploaded.map((part) => [part.partNumber, normaliseEtag(part.etag)]));
      for (const [n, etag] of Object.entries(point.parts)) if (held.get(Number(n)) !== normaliseEtag(etag)) delete point.parts[n];
      remember(answer, requestedAt);
    } catch (error) {
      if (error instanceof UploadError && error.code === 'Cancelled') throw error;
      // The upload is gone (completed, aborted, expired) or is not ours: start over.
      if (
        !(error instanceof UploadError) ||
        !['NoSuchUpload', 'Forbidden', 'InvalidKey', 'InvalidUploadId'].includes(error.serviceCode ?? '')
      ) {
        throw error;
      }
      checkpoint = undefined;
      urls.clear();
    }
  }
  if (checkpoint === undefined) {
    const requestedAt = Date.now();
    const started = await call({
      method: 'MULTIPART',
      filename: file.name,
      contentType: file.type || 'application/octet-stream',
      size: file.size,
    });
    checkpoint = {
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
    save();
    remember(started, requestedAt);
  }
  const point: Checkpoint = checkpoint;
  const sizeOf = (n: number): number => {
    const { start, end } = partRange(point, file.size, n);
    return end - start;
  };

  const inFlight = new Map<number, number>();
  const report = (): void => {
    const done = Object.keys(point.parts).reduce((sum, n) => sum + sizeOf(Number(n)), 0);
    const loading = [...inFlight.values()].reduce((sum, loaded) => sum + loaded, 0);
    options.onProgress?.(Math.min(file.size, done + loading), file.size);
    options.onParts?.(Object.keys(point.parts).length, point.partCount);
  };
  report();

  let refreshing: Promise<void> | undefined;
  const queue = pendingOf(point);
  /** A URL for part `n` with time left, asking for the next ones too when they must be renewed. */
  const urlFor = async (n: number): Promise<string> => {
    if (!urls.has(n) || Date.now() > urlsRenewAt) {
      refreshing ??= (async () => {
        const wanted = [n, ...queue.filter((m) => m !== n)].slice(0, MAX_PART_URLS_PER_ANSWER);
        const requestedAt = Date.now();
        urls.clear();
        remember(await call({ method: 'PARTS', key: point.key, uploadId: point.uploadId, partNumbers: wanted }), requestedAt);
      })().finally(() => (refreshing = undefined));
      await refreshing;
    }
    // Another part's refresh may have come back without this part's URL: ask again.
    return urls.get(n) ?? urlFor(n);
  };

  const uploadPart = async (n: number): Promise<void> => {
    const { start, end } = partRange(point, file.size, n);
    const blob = file.slice(start, end);
    for (let attempt = 0; ; attempt += 1) {
      if (signal?.aborted === true) throw cancelled();
      const url = await urlFor(n);
      const outcome = await putPart(url, blob, signal, (loaded) => {
        inFlight.set(n, loaded);
        report();
      });
      inFlight.delete(n);
      if (outcome.kind === 'done') {
        point.parts[n] = outcome.etag;
        save();
        report();
        return;
      }
      if (outcome.kind === 'cancelled') throw cancelled();
      if (outcome.kind === 'expired') urls.delete(n);
      if (!outcome.retryable || attempt >= options.retries) throw outcome.error;
      await sleep(backoffMs(attempt), signal);
    }
  };

  const workers = Array.from({ length: Math.max(1, Math.min(options.concurrency, queue.length)) }, async () => {
    for (let n = queue.shift(); n !== undefined; n = queue.shift()) await uploadPart(n);
  });
  try {
    await Promise.all(workers);
    const parts = Object.entries(point.parts)
      .map(([n, etag]) => ({ partNumber: Number(n), etag }))
      .sort((a, b) => a.partNumber - b.partNumber);
    const completed = await call({
      method: 'COMPLETE',
      key: point.key,
      uploadId: point.uploadId,
      parts,
      size: file.size,
    });
    storage?.removeItem(id);
    options.onProgress?.(file.size, file.size);
    return { key: completed.key, bucket: completed.bucket, size: completed.size, etag: completed.etag };
  } catch (error) {
    queue.length = 0; // the other workers stop after their current part
    if (signal?.aborted === true || (error instanceof UploadError && error.code === 'Cancelled')) {
      storage?.removeItem(id);
      // Best effort, without the aborted signal: the parts would otherwise wait for the bucket's lifecycle rule.
      await options.callFunction({ method: 'ABORT', key: point.key, uploadId: point.uploadId }, undefined).catch(() => undefined);
      throw cancelled();
    }
    if (error instanceof UploadError && ['NoSuchUpload', 'EntityTooLarge'].includes(error.serviceCode ?? '')) storage?.removeItem(id);
    throw error;
  }
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
