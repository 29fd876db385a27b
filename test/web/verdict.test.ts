/**
 * The browser client's wait for the verdict (web/verdict.ts) on a fake clock: the asks come at once, then after
 * growing short waits; `accepted` ends the wait, `rejected` is an UploadError with the reason as a code and in words,
 * the deadline gives `VerdictTimeout` saying the file was uploaded but not judged, a refusal `VerdictUnavailable`;
 * failures worth another try are asked again (after Retry-After when given), and a cancel stops at once.
 */
import type { VerdictAnswer } from '../../shared/contract';
import { UploadError } from '../../web/errors';
import { uploadControl, type UploadControl, type UploadStatus } from '../../web/network';
import { DEFAULT_VERDICT_TIMEOUT_MS, verdictPollDelayMs, waitForVerdict } from '../../web/verdict';

const key = 'users/alice/2026/11/AAAAAAAAAAAAAAAAAAAAAA.png';
const accepted: VerdictAnswer = {
  key,
  verdict: 'accepted',
  size: 5,
  contentType: 'image/png',
  etag: 'E',
  judgedAt: '2026-11-28T10:00:00Z',
};
const message = "The upload was rejected: the file's contents are not a PNG image.";

let clock: number;
let sleeps: number[];
let statuses: UploadStatus[];

/** The upload's control, its waits taken on the fake clock. */
function control(signal?: AbortSignal): UploadControl {
  const real = uploadControl({ signal, onStatus: (status) => void statuses.push(status) });
  return {
    ...real,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
  };
}

/** An ask that answers from a script, one entry per ask (an Error is thrown); the time of each ask is kept. */
function scripted(script: Array<VerdictAnswer | UploadError>): { ask: (signal: AbortSignal) => Promise<VerdictAnswer>; askedAt: number[] } {
  const askedAt: number[] = [];
  return {
    askedAt,
    ask: async () => {
      askedAt.push(clock);
      const next = script.length > 1 ? script.shift()! : script[0]!;
      if (next instanceof UploadError) throw next;
      return next;
    },
  };
}

const run = (ask: (signal: AbortSignal) => Promise<VerdictAnswer>, options: { timeoutMs?: number; signal?: AbortSignal } = {}) =>
  waitForVerdict({
    key,
    ask,
    control: control(options.signal),
    timeoutMs: options.timeoutMs ?? DEFAULT_VERDICT_TIMEOUT_MS,
    now: () => clock,
    random: () => 1,
  });

beforeEach(() => {
  clock = 1_000_000;
  sleeps = [];
  statuses = [];
});

test('asked at once after the last byte, then after waits growing from 150 ms to 2 s; accepted ends it', async () => {
  const { ask, askedAt } = scripted([...Array.from({ length: 8 }, () => ({ key, verdict: 'pending' }) as const), accepted]);
  await expect(run(ask)).resolves.toEqual(accepted);
  expect(askedAt[0]).toBe(1_000_000);
  expect(sleeps).toEqual([150, 240, 384, 614, 983, 1573, 2000, 2000]);
  expect(statuses).toEqual([{ state: 'checking' }]);
});

test('the waits are jittered within their upper quarter', () => {
  expect([verdictPollDelayMs(0, () => 0), verdictPollDelayMs(0, () => 1), verdictPollDelayMs(20, () => 0)]).toEqual([113, 150, 1500]);
});

test('rejected: an UploadError with the reason in words and as a code, and the key', async () => {
  const { ask } = scripted([
    { key, verdict: 'pending' },
    { key, verdict: 'rejected', reason: 'ContentMismatch', message, judgedAt: '2026-11-28T10:00:00Z' },
  ]);
  const error = (await run(ask).catch((thrown: unknown) => thrown)) as UploadError;
  expect(error).toBeInstanceOf(UploadError);
  expect({ code: error.code, message: error.message, reason: error.reason, key: error.key, transient: error.transient }).toEqual({
    code: 'Rejected',
    message,
    reason: 'ContentMismatch',
    key,
    transient: false,
  });
});

const stillNotJudged: Array<[string, VerdictAnswer | UploadError, string]> = [
  ['pending', { key, verdict: 'pending' }, 'it has not been checked yet (waited 5 s)'],
  ['unknown', { key, verdict: 'unknown' }, 'it is no longer there and no verdict on it came within 5 s'],
  ['no answer', new UploadError('Blocked', 'no answer', undefined, { transient: true }), 'the upload service did not answer within 5 s'],
];
test.each(stillNotJudged)(
  'still %s at the deadline: VerdictTimeout, saying the file was uploaded but is not judged',
  async (_state, answer, why) => {
    const { ask, askedAt } = scripted([answer]);
    const error = (await run(ask, { timeoutMs: 5000 }).catch((thrown: unknown) => thrown)) as UploadError;
    expect([error.code, error.key]).toEqual(['VerdictTimeout', key]);
    expect(error.message).toBe(
      `The file was uploaded, but whether it is accepted is not known: ${why}. It may still be accepted or removed.`,
    );
    // The last ask comes at the deadline, not after it.
    expect(askedAt.at(-1)).toBe(1_000_000 + 5000);
    expect(sleeps.reduce((sum, ms) => sum + ms, 0)).toBe(5000);
  },
);

test('a 503 is asked again after its Retry-After; then the verdict', async () => {
  const busy = new UploadError('Unavailable', 'busy', 'UpstreamUnavailable', { transient: true, retryAfterMs: 2000 });
  const { ask } = scripted([busy, accepted]);
  await expect(run(ask)).resolves.toEqual(accepted);
  expect(sleeps).toEqual([2000]);
});

test('a refusal (an older sign-url without VERDICT, a sign-in lost): VerdictUnavailable at once, with the service word', async () => {
  const refused = new UploadError('Refused', 'The upload was refused: method must be one of "PUT", "POST".', 'InvalidMethod');
  const { ask, askedAt } = scripted([refused]);
  const error = (await run(ask).catch((thrown: unknown) => thrown)) as UploadError;
  expect([error.code, error.serviceCode, error.key, askedAt.length]).toEqual(['VerdictUnavailable', 'InvalidMethod', key, 1]);
  expect(error.message).toBe(
    'The file was uploaded, but the upload service would not say whether it is accepted: The upload was refused: method must be one of "PUT", "POST".',
  );
});

test('cancelled while waiting: Cancelled, and no further ask', async () => {
  const cancelling = new AbortController();
  const { ask, askedAt } = scripted([{ key, verdict: 'pending' }]);
  const asking = run(
    async (signal) => {
      const answer = await ask(signal);
      cancelling.abort();
      return answer;
    },
    { signal: cancelling.signal },
  );
  await expect(asking).rejects.toMatchObject({ code: 'Cancelled' });
  expect(askedAt).toHaveLength(1);
});

test('an ask that hangs ends at the deadline: VerdictTimeout, not a wait for ever', async () => {
  jest.useFakeTimers();
  try {
    const hanging = (signal: AbortSignal): Promise<VerdictAnswer> =>
      new Promise((_resolve, reject) =>
        signal.addEventListener('abort', () => reject(new UploadError('Cancelled', 'The upload was cancelled.')), { once: true }),
      );
    const waiting = waitForVerdict({ key, ask: hanging, control: control(), timeoutMs: 5000, now: () => Date.now() });
    const settled = waiting.catch((thrown: unknown) => thrown);
    await jest.advanceTimersByTimeAsync(5000);
    await expect(settled).resolves.toMatchObject({ code: 'VerdictTimeout' });
  } finally {
    jest.useRealTimers();
  }
});
