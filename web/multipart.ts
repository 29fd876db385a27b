/**
 * Multipart uploads through `sign-url`, in the browser: the function starts and completes the upload; this file
 * PUTs the parts to signed URLs, several at a time, each retried with backoff, with fresh URLs when they expire.
 * A checkpoint `{key, uploadId, partSize, done parts and their ETags}` in `localStorage`, keyed by the file's name,
 * size and modification time, lets a later `upload()` of the same file (after a failure or a page reload) send only
 * the parts OSS does not hold yet; it is removed when the upload completes or is cancelled.
 */
import type { MultipartCompleted, MultipartStarted, SignedPart, SignedParts } from '../shared/contract';
import { UploadError, blockedMessage, fromOssCode, parseOssError } from './errors';

export interface MultipartOptions {
  /** Calls sign-url with one request body; throws an UploadError for an error answer. */
  callFunction(body: object, signal: AbortSignal | undefined): Promise<unknown>;
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

/** URLs are renewed when less than this is left of them (or a quarter of their lifetime, when that is shorter). */
const URL_MARGIN_MS = 30_000;
const PARTS_PER_REQUEST = 100;

export const CHECKPOINT_PREFIX = 'oss-multipart:';

export function checkpointKey(endpoint: string, file: Pick<File, 'name' | 'size' | 'lastModified'>): string {
  return `${CHECKPOINT_PREFIX}${JSON.stringify([endpoint, file.name, file.size, file.lastModified])}`;
}

export function readCheckpoint(storage: MultipartOptions['storage'], id: string): Checkpoint | undefined {
  try {
    const value = JSON.parse(storage?.getItem(id) ?? 'null') as Checkpoint | null;
    const valid =
      value?.version === 1 &&
      typeof value.key === 'string' &&
      typeof value.fileName === 'string' &&
      typeof value.uploadId === 'string' &&
      Number.isSafeInteger(value.partSize) &&
      Number.isSafeInteger(value.partCount) &&
      typeof value.parts === 'object';
    return valid ? value : undefined;
  } catch {
    return undefined;
  }
}

const bareEtag = (etag: string): string => etag.replace(/"/g, '').toUpperCase();
const sleep = (ms: number, signal: AbortSignal | undefined): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
const backoffMs = (attempt: number): number => Math.min(8000, 500 * 2 ** attempt) * (0.75 + Math.random() / 2);

function cancelled(): UploadError {
  return new UploadError('Cancelled', 'The upload was cancelled.');
}

/** When part URLs stop working, on this device's clock: V4 URLs carry their lifetime, which skew cannot bend. */
function localExpiry(parts: readonly SignedPart[], expiresAt: string, receivedAt: number): number {
  const lifetime = parts[0] === undefined ? null : new URL(parts[0].url).searchParams.get('x-oss-expires');
  return lifetime !== null && /^\d+$/.test(lifetime) ? receivedAt + Number(lifetime) * 1000 : Date.parse(expiresAt);
}

export async function uploadMultipart(file: File, options: MultipartOptions): Promise<MultipartResult> {
  const { signal, storage } = options;
  const id = checkpointKey(options.endpoint, file);
  const urls = new Map<number, string>();
  let urlsRenewAt = 0;
  const remember = (answer: Pick<SignedParts, 'parts' | 'expiresAt'>, receivedAt: number): void => {
    for (const part of answer.parts) urls.set(part.partNumber, part.url);
    const expiresAt = localExpiry(answer.parts, answer.expiresAt, receivedAt);
    urlsRenewAt = expiresAt - Math.min(URL_MARGIN_MS, (expiresAt - receivedAt) / 4);
  };

  /** sign-url, retried a few times while it answers "busy" (503, 429). */
  const call = async <T>(body: object): Promise<T> => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return (await options.callFunction(body, signal)) as T;
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
      const receivedAt = Date.now();
      const answer = await call<SignedParts>({
        method: 'PARTS',
        key: point.key,
        uploadId: point.uploadId,
        partNumbers: pendingOf(point).slice(0, PARTS_PER_REQUEST),
      });
      // Only what OSS still holds, with the ETag we were given, counts as done.
      const held = new Map(answer.uploaded.map((part) => [part.partNumber, bareEtag(part.etag)]));
      for (const [n, etag] of Object.entries(point.parts)) if (held.get(Number(n)) !== bareEtag(etag)) delete point.parts[n];
      remember(answer, receivedAt);
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
    const receivedAt = Date.now();
    const started = await call<MultipartStarted>({
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
    remember(started, receivedAt);
  }
  const point: Checkpoint = checkpoint;
  const sizeOf = (n: number): number => Math.min(file.size, n * point.partSize) - (n - 1) * point.partSize;

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
        const wanted = [n, ...queue.filter((m) => m !== n)].slice(0, PARTS_PER_REQUEST);
        const receivedAt = Date.now();
        urls.clear();
        remember(await call<SignedParts>({ method: 'PARTS', key: point.key, uploadId: point.uploadId, partNumbers: wanted }), receivedAt);
      })().finally(() => (refreshing = undefined));
      await refreshing;
      if (!urls.has(n)) return urlFor(n);
    }
    return urls.get(n)!;
  };

  const uploadPart = async (n: number): Promise<void> => {
    const blob = file.slice((n - 1) * point.partSize, (n - 1) * point.partSize + sizeOf(n));
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
    const completed = await call<MultipartCompleted>({
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
