/**
 * The uploader learns the verdict: right after an upload's last byte the client asks sign-url (`VERDICT`) what
 * upload-completed decided, and asks again after short waits while the answer is `pending` (or `unknown`: the
 * function may not have run yet), until a deadline. `accepted` ends the wait; `rejected` becomes an UploadError whose
 * message is the reason in words and whose `reason` is the stable code. A failure worth another try (no answer, a
 * 5xx, a 429) is tried again at the next ask (a wait that ends early when the browser is back online, or the upload
 * is resumed or cancelled: `network.ts`); anything else ends the wait.
 */
import type { VerdictAccepted, VerdictAnswer } from '../shared/contract.js';
import { UploadError } from './errors.js';
import { cancelled, formatDuration, type UploadControl } from './network.js';

/** How long the client waits for the verdict after the last byte, by default. */
export const DEFAULT_VERDICT_TIMEOUT_MS = 30_000;

/** The first wait; then each is 1.6 times the last, at most MAX_POLL_MS (upload-completed takes well under a second). */
const FIRST_POLL_MS = 150;
const MAX_POLL_MS = 2000;
/** The least time an ask is given, even the last one, sent at the deadline. */
const MIN_ASK_MS = 3000;

/** The wait after the `attempt`th ask (0 first): growing from 150 ms to 2 s, the upper quarter jittered. */
export function verdictPollDelayMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_POLL_MS, FIRST_POLL_MS * 1.6 ** attempt);
  return Math.round(ceiling * 0.75 + random() * ceiling * 0.25);
}

export interface VerdictWait {
  key: string;
  /** One VERDICT call (the signal cancels it); an UploadError for an error answer. */
  ask(signal: AbortSignal): Promise<VerdictAnswer>;
  control: UploadControl;
  /** From the first ask. */
  timeoutMs: number;
  now?: () => number;
  random?: () => number;
}

/** The acceptance, or an UploadError: `Rejected`, `VerdictTimeout`, `VerdictUnavailable`, `Cancelled`. */
export async function waitForVerdict(wait: VerdictWait): Promise<VerdictAccepted> {
  const { key, control } = wait;
  const now = wait.now ?? (() => Date.now());
  const deadline = now() + wait.timeoutMs;
  control.status({ state: 'checking' });
  let lastSeen: 'pending' | 'unknown' | 'no answer' = 'pending';
  for (let attempt = 0; ; attempt += 1) {
    await control.running();
    let retryAfterMs = 0;
    // An ask that hangs ends at the deadline (one sent at the deadline has a few seconds).
    const asking = new AbortController();
    const stop = (): void => asking.abort();
    const timer = setTimeout(stop, Math.max(MIN_ASK_MS, deadline - now()));
    control.signal.addEventListener('abort', stop, { once: true });
    try {
      const answer = await wait.ask(asking.signal);
      if (answer.verdict === 'accepted') return answer;
      if (answer.verdict === 'rejected') {
        throw new UploadError('Rejected', answer.message, answer.reason, { reason: answer.reason, key });
      }
      lastSeen = answer.verdict;
    } catch (error) {
      if (control.signal.aborted) throw cancelled();
      if (!(error instanceof UploadError) || error.code === 'Rejected') throw error;
      if (asking.signal.aborted) throw verdictTimeout(key, wait.timeoutMs, 'no answer');
      if (!error.transient) {
        throw new UploadError(
          'VerdictUnavailable',
          `The file was uploaded, but the upload service would not say whether it is accepted: ${error.message}`,
          error.serviceCode,
          { key },
        );
      }
      lastSeen = 'no answer';
      retryAfterMs = error.retryAfterMs ?? 0;
    } finally {
      clearTimeout(timer);
      control.signal.removeEventListener('abort', stop);
    }
    const left = deadline - now();
    if (left <= 0) throw verdictTimeout(key, wait.timeoutMs, lastSeen);
    await control.sleep(Math.min(left, Math.max(retryAfterMs, verdictPollDelayMs(attempt, wait.random))));
  }
}

function verdictTimeout(key: string, timeoutMs: number, lastSeen: 'pending' | 'unknown' | 'no answer'): UploadError {
  const waited = formatDuration(timeoutMs);
  const why = {
    pending: `it has not been checked yet (waited ${waited})`,
    unknown: `it is no longer there and no verdict on it came within ${waited}`,
    'no answer': `the upload service did not answer within ${waited}`,
  }[lastSeen];
  return new UploadError(
    'VerdictTimeout',
    `The file was uploaded, but whether it is accepted is not known: ${why}. It may still be accepted or removed.`,
    undefined,
    { key },
  );
}
