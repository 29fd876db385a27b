/**
 * The retry rules of the browser client (web/network.ts), on a fake clock and fixed randomness: backoff with jitter,
 * `Retry-After`, the retry window counted from the first failure of a run, the few quick tries for a first request
 * that gets no answer at all; how many parts go at once on a slow link (web/multipart.ts); and the final messages,
 * which name the likely cause from what was seen and put CORS first for none of them.
 */
import { lostConnection, tooSlow } from '../../web/errors';
import { partsAtOnce } from '../../web/multipart';
import { backoffMs, formatDuration, parseRetryAfter, retryBudget } from '../../web/network';

test('backoff doubles from 1 s to at most 30 s, its upper half jittered', () => {
  expect([0, 1, 2, 3, 4, 5, 9].map((attempt) => backoffMs(attempt, () => 0))).toEqual([500, 1000, 2000, 4000, 8000, 15000, 15000]);
  expect([0, 1, 5, 9].map((attempt) => backoffMs(attempt, () => 1))).toEqual([1000, 2000, 30000, 30000]);
});

test('Retry-After in seconds or as an HTTP date, bounded; nothing for garbage', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  expect(parseRetryAfter('7', now)).toBe(7000);
  expect(parseRetryAfter('Thu, 01 Jan 2026 12:00:30 GMT', now)).toBe(30_000);
  expect(parseRetryAfter('Thu, 01 Jan 2026 11:00:00 GMT', now)).toBe(0);
  expect(parseRetryAfter('86400', now)).toBe(600_000);
  expect([parseRetryAfter('soon', now), parseRetryAfter(null, now), parseRetryAfter('', now)]).toEqual([undefined, undefined, undefined]);
});

describe('retryBudget', () => {
  let clock = 0;
  const budget = (): ReturnType<typeof retryBudget> => retryBudget({ windowMs: 60_000, minRetries: 2, now: () => clock, random: () => 0 });
  beforeEach(() => (clock = 1_000_000));

  test('a run of failures is retried until the window, counted from its first failure, is spent; the last try at its end', () => {
    const retry = budget();
    const waits: Array<number | undefined> = [];
    for (let i = 0; i < 12; i += 1) {
      const wait = retry.next({ windowed: true });
      waits.push(wait);
      if (wait === undefined) break;
      clock += wait;
    }
    expect(waits).toEqual([500, 1000, 2000, 4000, 8000, 15000, 15000, 14500, undefined]);
    expect(retry.failingForMs()).toBe(60_000);
  });

  test('progress starts a new run', () => {
    const retry = budget();
    clock += 59_000;
    retry.next({ windowed: true });
    clock += 59_000;
    retry.succeeded();
    expect(retry.failingForMs()).toBe(0);
    expect(retry.next({ windowed: true })).toBe(500);
  });

  test("the server's Retry-After is waited when longer than the backoff", () => {
    expect(budget().next({ windowed: true, retryAfterMs: 20_000 })).toBe(20_000);
  });

  test('a failure outside the window gets only the minimum retries', () => {
    const retry = budget();
    expect([retry.next({ windowed: false }), retry.next({ windowed: false }), retry.next({ windowed: false })]).toEqual([
      500,
      1000,
      undefined,
    ]);
  });
});

test('parts at once: one until the link is measured, then as many as it sends in time, at least one', () => {
  const link = { partBytes: 5 * 1024 * 1024, lifetimeMs: 20_000, most: 4, cap: 4 };
  expect(partsAtOnce({ ...link, bytesPerSecond: undefined })).toBe(1);
  expect(partsAtOnce({ ...link, bytesPerSecond: 100 * 1024 * 1024 })).toBe(4);
  // 600 KiB/s: one 5 MiB part takes 8.5 s of the 20 s a URL lives, two would take 17 s.
  expect(partsAtOnce({ ...link, bytesPerSecond: 600 * 1024 })).toBe(1);
  expect(partsAtOnce({ ...link, bytesPerSecond: 1000 * 1024 })).toBe(2);
  expect(partsAtOnce({ ...link, bytesPerSecond: 1800 * 1024, cap: 2 })).toBe(2);
  expect(partsAtOnce({ ...link, bytesPerSecond: 10 * 1024 })).toBe(1);
});

describe('the final word on a lost connection', () => {
  const base = { target: 'OSS' as const, url: 'http://127.0.0.1:9100/bucket/k?x=1', triedFor: formatDuration(300_000) };

  test('offline: says so, and how to go on', () => {
    const error = lostConnection({ ...base, reached: true, offline: true, parts: { done: 3, total: 6 } });
    expect([error.code, error.message]).toEqual([
      'Offline',
      'This device is offline: the upload waited 5 min for the network to come back. 3 of 6 parts are uploaded and kept: upload the same file again to go on from there.',
    ]);
  });

  test('lost part-way: the network, never CORS', () => {
    const error = lostConnection({ ...base, reached: true, offline: false, parts: { done: 1, total: 3 } });
    expect(error.code).toBe('NetworkLost');
    expect(error.message).toMatch(
      /^The connection to OSS was lost part-way through the upload and did not come back within 5 min\. 1 of 3/,
    );
    expect(error.message).not.toMatch(/CORS/);
  });

  test('no answer to the first request: the network first, then the CORS rule, with the origin asked', () => {
    const error = lostConnection({ ...base, reached: false, offline: false });
    expect(error.code).toBe('Blocked');
    expect(error.message).toMatch(
      /^The browser got no answer at all from OSS \(http:\/\/127\.0\.0\.1:9100\) to the first request of this upload\. Either the network to it is down, or the bucket's CORS rule/,
    );
  });

  test('too slow: the part, the rate and the lifetime in human units', () => {
    const error = tooSlow({ partBytes: 5 * 1024 * 1024, bytesPerSecond: 40 * 1024, lifetimeMs: 60_000 });
    expect([error.code, error.message]).toEqual([
      'TooSlow',
      'This connection is too slow for the upload: a part of 5 MiB at the 40 KiB/s measured here takes longer than the 60 s its upload URL lives (SIGNED_URL_TTL_SECONDS, at most 3600). Upload the same file again on a faster connection to go on from the parts already sent.',
    ]);
  });
});

test('durations for messages', () => {
  expect([formatDuration(20_000), formatDuration(300_000), formatDuration(90_000)]).toEqual(['20 s', '5 min', '1 min 30 s']);
});
