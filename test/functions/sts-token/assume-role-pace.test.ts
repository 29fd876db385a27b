/** The per-instance AssumeRole pace: never more than its rate in any one-second window, never a long wait. */
import { createPace } from '../../../functions/sts-token/assume-role-pace';
import { HttpError } from '../../../shared/edge/errors';

/** A fake clock that `sleep` advances, recording when each call was let through. */
function fakeTime() {
  let clock = 0;
  return {
    now: () => clock,
    sleep: async (ms: number) => {
      clock += ms;
    },
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

test('sequential calls: the first five go at once, then one window later, and no window ever holds more than five', async () => {
  const time = fakeTime();
  const pace = createPace({ callsPerSecond: 5, maxWaitMs: 1000, now: time.now, sleep: time.sleep });
  const starts: number[] = [];
  for (let i = 0; i < 23; i += 1) {
    await pace();
    starts.push(time.now());
    time.advance(30); // each AssumeRole takes 30 ms
  }
  expect(starts.slice(0, 5)).toEqual([0, 30, 60, 90, 120]);
  expect(starts[5]).toBe(1000);
  for (const start of starts) expect(starts.filter((other) => other >= start && other < start + 1000).length).toBeLessThanOrEqual(5);
  // The pace costs nothing while calls are slower than the rate: 23 calls at 5/s take at least 4 windows.
  expect(starts.at(-1)).toBeGreaterThanOrEqual(4000);
});

test('no waiting while the rate is not reached', async () => {
  const time = fakeTime();
  const pace = createPace({ callsPerSecond: 5, maxWaitMs: 1000, now: time.now, sleep: time.sleep });
  for (let i = 0; i < 20; i += 1) {
    const before = time.now();
    await pace();
    expect(time.now()).toBe(before);
    time.advance(200);
  }
});

test('concurrent callers past one window of waiting get 429 with Retry-After, and take no slot', async () => {
  const time = fakeTime();
  const sleeps: number[] = [];
  const pace = createPace({
    callsPerSecond: 5,
    maxWaitMs: 1000,
    now: time.now,
    sleep: async (ms) => void sleeps.push(ms), // the clock stands still: every caller arrives at once
  });
  const results = await Promise.allSettled(Array.from({ length: 12 }, () => pace()));
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
  expect(sleeps).toEqual([1000, 1000, 1000, 1000, 1000]);
  const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as HttpError);
  expect(refused).toHaveLength(2);
  for (const error of refused) {
    expect(error).toBeInstanceOf(HttpError);
    expect(error.status).toBe(429);
    expect(error.code).toBe('TooManyRequests');
    expect(error.headers['Retry-After']).toBe('2');
  }
  // The refusals reserved nothing: once the window has passed, the next caller goes at 1000 + 1000.
  time.advance(1000);
  await pace();
  expect(sleeps.at(-1)).toBe(1000);
});
