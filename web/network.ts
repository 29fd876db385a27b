/**
 * What the uploads do about real networks: which failures are worth another try, how long to wait before it (backoff
 * with jitter, or the server's `Retry-After`), for how long to keep trying (a window counted from the last progress),
 * and the waits themselves, which end early when the browser says it is back `online` or the upload is resumed.
 * `uploadControl` is the upload's pause, resume and cancel. Pure where it can be: clocks and randomness are injected.
 */
import { UploadError, lostConnection, type LostConnection } from './errors.js';

/** How long a run of failures is retried, from its first failure, unless some progress is made in between. */
export const DEFAULT_RETRY_WINDOW_MS = 5 * 60_000;

/** The longest single wait between two tries, and the longest `Retry-After` taken as given. */
const MAX_BACKOFF_MS = 30_000;
const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** Exponential from 1 s, at most 30 s, the upper half jittered so that many clients do not come back in step. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** `Retry-After` as seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  return Number.isNaN(ms) ? undefined : Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

export interface RetryBudgetOptions {
  /** How long a run of failures may last. */
  windowMs: number;
  /** Tries allowed in any case, even past the window (the `retries` option). */
  minRetries: number;
  now?: () => number;
  random?: () => number;
}

/** Whether to try again after a failure, and when. One per upload: its parts and its calls share it. */
export interface RetryBudget {
  /**
   * A failure: the wait before the next try, or undefined when the budget is spent. `windowed: false` allows only
   * the `minRetries` (an opaque failure before anything got through: it may be a refusal that retrying cannot mend).
   */
  next(failure: { retryAfterMs?: number | undefined; windowed: boolean }): number | undefined;
  /** Something got through: the next failure starts a new run. */
  succeeded(): void;
  /** How long the current run of failures has lasted, in ms (0 when there is none). */
  failingForMs(): number;
}

export function retryBudget(options: RetryBudgetOptions): RetryBudget {
  const now = options.now ?? (() => Date.now());
  let runStart: number | undefined;
  let attempts = 0;
  return {
    next(failure) {
      const at = now();
      runStart ??= at;
      const windowLeft = failure.windowed ? runStart + options.windowMs - at : 0;
      if (attempts >= options.minRetries && windowLeft <= 0) return undefined;
      const wait = Math.max(failure.retryAfterMs ?? 0, backoffMs(attempts, options.random));
      attempts += 1;
      // The last try comes at the window's end, not after it.
      return attempts > options.minRetries ? Math.min(wait, Math.max(0, windowLeft)) : wait;
    },
    succeeded() {
      runStart = undefined;
      attempts = 0;
    },
    failingForMs: () => (runStart === undefined ? 0 : now() - runStart),
  };
}

/** What an upload is doing, for a page that shows it. */
export type UploadStatus =
  | { state: 'uploading' }
  | { state: 'paused' }
  /** A try failed; the next one comes after `retryInMs`, or as soon as the browser is back online. */
  | { state: 'waiting'; reason: 'offline' | 'network' | 'busy'; retryInMs: number }
  /** Every byte is in: the upload waits for the verdict on the file (upload-completed's checks). */
  | { state: 'checking' };

/** The browser's own idea of whether it is online (undefined outside a browser). */
export function browserOffline(): boolean {
  return typeof navigator !== 'undefined' && navigator.onLine === false;
}

/** Pause, resume and cancel of one upload, and the waits that end early when it changes. */
export interface UploadControl {
  /** Aborted when the upload is cancelled, for good. */
  readonly signal: AbortSignal;
  /**
   * Aborted when the upload is paused or cancelled, or the browser goes offline (a request in flight then is as good
   * as lost, or stalls): what requests in flight listen to. Neither paused nor cancelled: the network dropped them.
   */
  attemptSignal(): AbortSignal;
  isPaused(): boolean;
  /** Resolves when the upload is not paused (at once if it is not); rejects with `Cancelled` once it is cancelled. */
  running(): Promise<void>;
  /** Waits `ms`, or less: until the browser says it is online, or the upload is resumed or cancelled. */
  sleep(ms: number): Promise<void>;
  pause(): void;
  resume(): void;
  cancel(): void;
  status(status: UploadStatus): void;
}

export function cancelled(): UploadError {
  return new UploadError('Cancelled', 'The upload was cancelled.');
}

export function uploadControl(options: {
  signal?: AbortSignal | undefined;
  onStatus?: ((status: UploadStatus) => void) | undefined;
}): UploadControl {
  const cancelling = new AbortController();
  let attempt = new AbortController();
  let paused = false;
  /** Everyone waiting for a change (resume, online, cancel). */
  let wake: Array<() => void> = [];
  const wakeAll = (): void => {
    const waiting = wake;
    wake = [];
    waiting.forEach((resolve) => resolve());
  };
  const cancel = (): void => {
    if (cancelling.signal.aborted) return;
    cancelling.abort();
    attempt.abort();
    wakeAll();
  };
  if (options.signal?.aborted === true) cancel();
  options.signal?.addEventListener('abort', cancel, { once: true });
  const onOnline = (): void => wakeAll();
  const onOffline = (): void => {
    if (paused) return;
    attempt.abort();
    attempt = new AbortController();
  };
  globalThis.addEventListener?.('online', onOnline);
  globalThis.addEventListener?.('offline', onOffline);
  const forget = (): void => {
    globalThis.removeEventListener?.('online', onOnline);
    globalThis.removeEventListener?.('offline', onOffline);
  };
  cancelling.signal.addEventListener('abort', forget, { once: true });
  const changed = (): Promise<void> => new Promise((resolve) => wake.push(resolve));

  const control: UploadControl = {
    signal: cancelling.signal,
    attemptSignal: () => attempt.signal,
    isPaused: () => paused,
    async running() {
      while (paused && !cancelling.signal.aborted) await changed();
      if (cancelling.signal.aborted) throw cancelled();
    },
    sleep: (ms) =>
      new Promise((resolve) => {
        const timer = setTimeout(done, ms);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        wake.push(done);
      }),
    pause() {
      if (paused || cancelling.signal.aborted) return;
      paused = true;
      attempt.abort();
      options.onStatus?.({ state: 'paused' });
    },
    resume() {
      if (!paused || cancelling.signal.aborted) return;
      paused = false;
      attempt = new AbortController();
      options.onStatus?.({ state: 'uploading' });
      wakeAll();
    },
    cancel,
    status: (status) => options.onStatus?.(status),
  };
  return control;
}

/**
 * After a failure worth another try: the wait (told to the page), or the final error once the budget is spent. An
 * opaque failure (no answer) before anything of this upload got through is tried only `minRetries` times: unless
 * the browser says it is offline, it may be a refusal the browser hides, which waiting cannot mend.
 */
export async function waitToRetry(
  error: UploadError,
  retry: { budget: RetryBudget; control: UploadControl; lost: Omit<LostConnection, 'offline' | 'triedFor'> },
): Promise<void> {
  const offline = browserOffline();
  const opaque = error.code === 'Blocked';
  const wait = retry.budget.next({ retryAfterMs: error.retryAfterMs, windowed: !opaque || retry.lost.reached || offline });
  if (wait === undefined) {
    const triedFor = formatDuration(retry.budget.failingForMs());
    throw opaque ? lostConnection({ ...retry.lost, offline, triedFor }) : settled(error);
  }
  retry.control.status({ state: 'waiting', reason: offline ? 'offline' : opaque ? 'network' : 'busy', retryInMs: wait });
  await retry.control.sleep(wait);
  if (!retry.control.isPaused()) retry.control.status({ state: 'uploading' });
}

/** The same error, no longer to be tried again by anyone. */
export function settled(error: UploadError): UploadError {
  return new UploadError(error.code, error.message, error.serviceCode, {
    retryAfterMs: error.retryAfterMs,
    ...(error.size === undefined ? {} : { size: error.size }),
    ...(error.maxBytes === undefined ? {} : { maxBytes: error.maxBytes }),
    reason: error.reason,
    key: error.key,
  });
}

/** `5 min`, `20 s`, `1 min 30 s`: how long something lasted, for messages. */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}
