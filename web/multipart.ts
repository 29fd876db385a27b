/**
 * Multipart uploads through `sign-url`, in the browser: the function starts and completes the upload; this file
 * PUTs the parts to signed URLs, several at a time, with fresh URLs before they expire, and keeps going through bad
 * networks (`network.ts`): a part or a call that gets no answer, a 5xx or a 429 is tried again with backoff for up
 * to `retryWindowMs`, at once when the browser is back online; the upload can be paused and resumed. A checkpoint
 * `{key, uploadId, partSize, done parts and their ETags}` in `localStorage`, keyed by the file's name, size and
 * modification time, lets a later `upload()` of the same file (after a failure or a page reload) send only the parts
 * OSS does not hold yet; it is removed when the upload completes or is cancelled.
 *
 * `uploadMultipart` runs the steps in order, each a function of its own: `startOrResume` (the resume rule),
 * `partUrls` (URLs in hand, renewed before they expire), `sendParts` (the parts in flight, as many at once as the
 * link can send within a URL's lifetime: `linkPace`), `sendPart` (one part, tried until it is in), `complete`, and on
 * cancel `abort`; `checkpointStore` keeps the checkpoint and `retryingCall` calls sign-url.
 */
import type { AnswerFor, MultipartMethod, RequestFor, SignedParts } from '../shared/contract.js';
import { normaliseEtag } from '../shared/upload/etag.js';
import { MAX_PART_URLS_PER_ANSWER, partRange } from '../shared/upload/parts.js';
import { partUrlsRenewAt, urlExpiresAtLocally, urlValidity } from '../shared/upload/url-expiry.js';
import { UploadError, fieldOf, fromOssCode, noAnswer, parseOssError, tooSlow, type LostConnection } from './errors.js';
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

/** sign-url called for one multipart step: the answer its method has, or an UploadError. */
export type MultipartCall = <M extends MultipartMethod>(request: RequestFor<M>, signal: AbortSignal | undefined) => Promise<AnswerFor<M>>;

/** The same, with the signal and the retries settled: what the steps below use. */
type Call = <M extends MultipartMethod>(request: RequestFor<M>) => Promise<AnswerFor<M>>;

export interface MultipartOptions {
  /** Calls sign-url with one request; throws an UploadError for an error answer. */
  callFunction: MultipartCall;
  /** Scopes the checkpoint to one service. */
  endpoint: string;
  /** The upload profile the file goes up with (the server's `default` when left out); scopes the checkpoint too. */
  profile?: string | undefined;
  onProgress?: ((loaded: number, total: number) => void) | undefined;
  /** Parts done so far, of how many. */
  onParts?: ((done: number, total: number) => void) | undefined;
  onStatus?: ((status: UploadStatus) => void) | undefined;
  signal?: AbortSignal | undefined;
  /** Pause, resume and cancel; made from `signal` when not given. */
  control?: UploadControl | undefined;
  /** The most parts in flight at once (fewer while the link is too slow for more). */
  concurrency: number;
  /** Tries after a failure that are made in any case, even past the retry window. */
  retries: number;
  /** How long a run of failures (no answer, 5xx, 429) is retried before the upload stops. Default 5 minutes. */
  retryWindowMs?: number | undefined;
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

/** One file's checkpoint, per service and profile (without a profile, the key it always had). */
export function checkpointKey(endpoint: string, file: Pick<File, 'name' | 'size' | 'lastModified'>, profile?: string): string {
  const scope = [endpoint, file.name, file.size, file.lastModified, ...(profile === undefined ? [] : [profile])];
  return `${CHECKPOINT_PREFIX}${JSON.stringify(scope)}`;
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
  const control = options.control ?? uploadControl({ signal: options.signal, onStatus: options.onStatus });
  const store = checkpointStore(options.storage, checkpointKey(options.endpoint, file, options.profile));
  const retrying = { control, windowMs: options.retryWindowMs ?? DEFAULT_RETRY_WINDOW_MS, minRetries: options.retries };
  let point: Checkpoint | undefined;
  const partsSoFar = (): LostConnection['parts'] =>
    point === undefined ? undefined : { done: Object.keys(point.parts).length, total: point.partCount };
  const call = retryingCall({ ...retrying, callFunction: options.callFunction, endpoint: options.endpoint, parts: partsSoFar });
  try {
    const started = await startOrResume(file, { call, store, profile: options.profile });
    point = started.point;
    const progress = progressReporter(file.size, started.point, options);
    progress.report();
    const queue = pendingParts(started.point);
    const urls = partUrls({ call, point: started.point, upcoming: queue }, started.signed);
    const pace = linkPace({ most: options.concurrency, partBytes: started.point.partSize, lifetimeMs: () => urls.lifetimeMs() });
    await sendParts({
      file,
      point: started.point,
      queue,
      urls,
      store,
      progress,
      pace,
      control,
      budget: retryBudget(retrying),
      reachedOss: false,
      stopped: false,
    });
    const result = await complete(call, started.point, file.size);
    store.remove();
    options.onProgress?.(file.size, file.size);
    return result;
  } catch (error) {
    if (control.signal.aborted || (error instanceof UploadError && error.code === 'Cancelled')) {
      store.remove();
      if (point !== undefined) await abort(options.callFunction, point);
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

interface Retrying {
  control: UploadControl;
  windowMs: number;
  minRetries: number;
}

/** sign-url, tried again while it gets no answer or answers 5xx or 429 (`waitToRetry`); `Cancelled` once cancelled. */
function retryingCall(
  options: Retrying & Pick<MultipartOptions, 'callFunction' | 'endpoint'> & { parts: () => LostConnection['parts'] },
): Call {
  const { callFunction, control } = options;
  const budget = retryBudget(options);
  let reached = false;
  return async (request) => {
    for (;;) {
      await control.running();
      try {
        const answer = await callFunction(request, control.signal);
        reached = true;
        budget.succeeded();
        return answer;
      } catch (error) {
        if (control.signal.aborted) throw cancelled();
        if (!(error instanceof UploadError) || !error.transient) throw error;
        if (error.code !== 'Blocked') reached = true;
        await waitToRetry(error, {
          budget,
          control,
          lost: { target: 'the upload service', url: options.endpoint, reached, parts: options.parts() },
        });
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
  steps: { call: Call; store: CheckpointStore; profile: string | undefined },
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

async function start(
  file: File,
  steps: { call: Call; store: CheckpointStore; profile: string | undefined },
): Promise<{ point: Checkpoint; signed: SignedBatch }> {
  const requestedAt = Date.now();
  const started = await steps.call({
    method: 'MULTIPART',
    filename: file.name,
    contentType: file.type || 'application/octet-stream',
    size: file.size,
    ...(steps.profile === undefined ? {} : { profile: steps.profile }),
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
  /**
   * A URL for part `n` with time left, at least `neededMs` when given: renewed (with the next parts' URLs) when it
   * is missing, about to expire, or would expire before the part is in. Its expiry comes with it (this device's clock).
   */
  urlFor(n: number, neededMs: number | undefined): Promise<{ url: string; expiresAt: number }>;
  /** OSS said this part's URL has expired. */
  forget(n: number): void;
  /** How long a URL lives from its signing (the rules' lifetime). */
  lifetimeMs(): number;
}

/**
 * The part URLs in hand, renewed with one `PARTS` request at a time (however many parts want one) before they
 * expire: `partUrlsRenewAt` reads their lifetime from the URLs themselves, V1 and V4 alike.
 */
function partUrls(options: { call: Call; point: Checkpoint; upcoming: readonly number[] }, first: SignedBatch): PartUrls {
  const { call, point, upcoming } = options;
  const urls = new Map<number, string>();
  let renewAt = 0;
  let expiresAt = 0;
  let lifetime = 0;
  let refreshing: Promise<void> | undefined;
  const remember = ({ answer, requestedAt }: SignedBatch): void => {
    for (const part of answer.parts) urls.set(part.partNumber, part.url);
    renewAt = partUrlsRenewAt(answer, requestedAt);
    const url = answer.parts[0]?.url ?? '';
    expiresAt = urlExpiresAtLocally(url, requestedAt) ?? Date.parse(answer.expiresAt);
    const validity = urlValidity(url);
    lifetime = validity?.signedAt === undefined ? expiresAt - requestedAt : validity.expiresAt - validity.signedAt;
  };
  remember(first);

  const refresh = async (n: number): Promise<void> => {
    const wanted = [n, ...upcoming.filter((m) => m !== n)].slice(0, MAX_PART_URLS_PER_ANSWER);
    const requestedAt = Date.now();
    const answer = await call({ method: 'PARTS', key: point.key, uploadId: point.uploadId, partNumbers: wanted });
    urls.clear();
    remember({ answer, requestedAt });
  };
  const urlFor = async (n: number, neededMs: number | undefined): Promise<{ url: string; expiresAt: number }> => {
    const now = Date.now();
    // A fresh URL lives the whole lifetime: asking for one more is pointless when even that is too short.
    const needed = Math.min(neededMs ?? 0, lifetime * 0.9);
    if (!urls.has(n) || now > renewAt || expiresAt - now < needed) {
      refreshing ??= refresh(n).finally(() => (refreshing = undefined));
      await refreshing;
    }
    // Another part's refresh may have come back without this part's URL: ask again.
    const url = urls.get(n);
    return url === undefined ? urlFor(n, neededMs) : { url, expiresAt };
  };
  return { urlFor, forget: (n) => void urls.delete(n), lifetimeMs: () => lifetime };
}

/** Share of a URL's lifetime a part may take to send: the rest is margin for a link that gets slower. */
const LIFETIME_SHARE = 0.6;

/**
 * How many parts may be in flight at once so that each is in well within its URL's lifetime: `most`, fewer on a
 * link whose rate (all parts together) cannot send that many parts at once in time, at least one. One until the
 * link is measured. `cap` is lowered when OSS refused a part as expired once it was in (`linkPace`).
 */
export function partsAtOnce(link: {
  bytesPerSecond: number | undefined;
  partBytes: number;
  lifetimeMs: number;
  most: number;
  cap: number;
}): number {
  if (link.bytesPerSecond === undefined) return 1;
  const fit = Math.floor((link.bytesPerSecond * link.lifetimeMs * LIFETIME_SHARE) / 1000 / link.partBytes);
  return Math.max(1, Math.min(link.most, link.cap, fit));
}

/** How fast the link sends, from the parts' progress: bytes over the last few seconds, once a second has been seen. */
interface LinkPace {
  sent(bytes: number): void;
  bytesPerSecond(): number | undefined;
  partsAtOnce(): number;
  /** Estimated time to send `bytes` with `partsAtOnce()` parts sharing the link; undefined until measured. */
  sendMs(bytes: number): number | undefined;
  /** OSS refused a part as expired once it was in: fewer parts at once; false when already one. */
  slowDown(): boolean;
  /** Resolves at the next progress (when more parts may be allowed). */
  changed(): Promise<void>;
}

const RATE_WINDOW_MS = 8000;
const RATE_MIN_SPAN_MS = 1000;

function linkPace(options: { most: number; partBytes: number; lifetimeMs: () => number }): LinkPace {
  const samples: Array<{ at: number; bytes: number }> = [];
  let cap = options.most;
  let waiting: Array<() => void> = [];
  const bytesPerSecond = (): number | undefined => {
    const now = Date.now();
    while (samples.length > 0 && samples[0]!.at < now - RATE_WINDOW_MS) samples.shift();
    const first = samples[0];
    if (first === undefined || now - first.at < RATE_MIN_SPAN_MS) return undefined;
    const bytes = samples.reduce((sum, sample) => sum + sample.bytes, 0);
    return (bytes * 1000) / (now - first.at);
  };
  const current = (): number =>
    partsAtOnce({
      bytesPerSecond: bytesPerSecond(),
      partBytes: options.partBytes,
      lifetimeMs: options.lifetimeMs(),
      most: options.most,
      cap,
    });
  return {
    sent(bytes) {
      samples.push({ at: Date.now(), bytes });
      const woken = waiting;
      waiting = [];
      woken.forEach((resolve) => resolve());
    },
    bytesPerSecond,
    partsAtOnce: current,
    sendMs(bytes) {
      const rate = bytesPerSecond();
      return rate === undefined ? undefined : (bytes * current() * 1000) / rate;
    },
    slowDown() {
      if (cap <= 1 && current() <= 1) return false;
      cap = Math.max(1, Math.min(cap, current()) >> 1);
      return true;
    },
    changed: () => new Promise((resolve) => waiting.push(resolve)),
  };
}

interface PartSending {
  file: Blob;
  point: Checkpoint;
  /** The parts still to send, in order (and by `partUrls`, which asks URLs for the next ones). */
  queue: number[];
  urls: PartUrls;
  store: CheckpointStore;
  progress: Progress;
  pace: LinkPace;
  control: UploadControl;
  /** The parts' retries: one run of failures for all of them, ended by any part that gets in. */
  budget: RetryBudget;
  /** Whether any part PUT of this upload got an answer from OSS (so a later silence is the network, not CORS). */
  reachedOss: boolean;
  /** Set when the upload stopped: the parts still in flight give up. */
  stopped: boolean;
}

/**
 * The parts, as many in flight at once as `linkPace` allows (one until the link is measured), none started while
 * paused; the first part that fails for good stops the upload.
 */
async function sendParts(sending: PartSending): Promise<void> {
  const { queue, pace, control } = sending;
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  try {
    while (failure === undefined && (queue.length > 0 || running.size > 0)) {
      await control.running();
      const n = running.size < pace.partsAtOnce() ? queue.shift() : undefined;
      if (n !== undefined) {
        const task: Promise<void> = sendPart(n, sending).then(
          () => void running.delete(task),
          (error: unknown) => {
            running.delete(task);
            failure ??= { error };
          },
        );
        running.add(task);
        continue;
      }
      await Promise.race([...running, pace.changed()]);
    }
  } finally {
    sending.stopped = true;
  }
  if (failure !== undefined) throw failure.error;
}

/**
 * One part until it is in: a URL with time enough left for it, the PUT, then by its outcome: recorded in the
 * checkpoint; sent again after a pause; a fresh URL after OSS said it expired (fewer parts at once when it expired
 * while being sent); tried again after a transient failure (`waitToRetry`); or the upload's failure.
 */
async function sendPart(n: number, sending: PartSending): Promise<void> {
  const { point, urls, progress, control, pace } = sending;
  const { start, end } = partRange(point, sending.file.size, n);
  const blob = sending.file.slice(start, end);
  const lostAt = (url: string): Omit<LostConnection, 'offline' | 'triedFor'> => ({
    target: 'OSS',
    url,
    reached: sending.reachedOss,
    parts: { done: Object.keys(point.parts).length, total: point.partCount },
  });
  for (;;) {
    await control.running();
    if (sending.stopped) return;
    const { url, expiresAt } = await urls.urlFor(n, pace.sendMs(blob.size));
    const sentAt = Date.now();
    let reported = 0;
    const outcome = await putPart(url, blob, control.attemptSignal(), (loaded) => {
      pace.sent(loaded - reported);
      reported = loaded;
      progress.sending(n, loaded);
    });
    progress.settled(n);
    if (outcome.kind !== 'aborted' && !(outcome.kind === 'failed' && outcome.error.code === 'Blocked')) sending.reachedOss = true;
    switch (outcome.kind) {
      case 'done':
        point.parts[n] = outcome.etag;
        sending.store.save(point);
        sending.budget.succeeded();
        progress.report();
        return;
      case 'aborted':
        if (control.signal.aborted) throw cancelled();
        if (control.isPaused()) continue; // sent again on resume
        // The browser went offline: the request is lost, as if it got no answer.
        await waitToRetry(noAnswer('OSS'), { budget: sending.budget, control, lost: lostAt(url) });
        continue;
      case 'expired':
        urls.forget(n);
        // Valid when sent, refused once in: this OSS judges expiry at the end, and the part took too long.
        if (sentAt < expiresAt - 1000 && !pace.slowDown()) {
          throw tooSlow({ partBytes: blob.size, bytesPerSecond: pace.bytesPerSecond(), lifetimeMs: urls.lifetimeMs() });
        }
        continue;
      case 'failed':
        if (!outcome.error.transient) throw outcome.error;
        await waitToRetry(outcome.error, { budget: sending.budget, control, lost: lostAt(url) });
    }
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

type PartOutcome =
  | { kind: 'done'; etag: string }
  /** `aborted`: by a pause or a cancel (the control says which). */
  | { kind: 'aborted' | 'expired' }
  | { kind: 'failed'; error: UploadError };

/** One part PUT: no headers (the URL signs none), progress events, the ETag from the answer. */
function putPart(url: string, blob: Blob, signal: AbortSignal, onProgress: (loaded: number) => void): Promise<PartOutcome> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    xhr.upload.onprogress = (event) => onProgress(Math.min(event.loaded, blob.size));
    const onAbort = (): void => xhr.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const settle = (outcome: PartOutcome): void => {
      signal.removeEventListener('abort', onAbort);
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
          return settle({ kind: 'failed', error });
        }
        return settle({ kind: 'done', etag });
      }
      const parsed = parseOssError(xhr.responseText);
      if (xhr.status === 403 && parsed?.code === 'AccessDenied' && /expired/i.test(parsed.message)) return settle({ kind: 'expired' });
      const transient = xhr.status >= 500 || xhr.status === 429;
      const details = { transient, retryAfterMs: parseRetryAfter(xhr.getResponseHeader('Retry-After')) };
      const known = parsed === undefined ? undefined : fromOssCode(parsed.code);
      const error = new UploadError(known?.code ?? 'Failed', known?.message ?? `OSS answered ${xhr.status}.`, known?.serviceCode, details);
      settle({ kind: 'failed', error });
    };
    xhr.onerror = () => settle({ kind: 'failed', error: noAnswer('OSS') });
    xhr.onabort = () => settle({ kind: 'aborted' });
    xhr.send(blob);
  });
}
