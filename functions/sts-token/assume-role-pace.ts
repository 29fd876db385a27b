/**
 * STS allows an account 100 AssumeRole calls per second (docs/oss-facts.md), and FC runs one request per instance, so the
 * per-instance cache cannot keep a burst of new users under it. Two bounds do: s.yaml caps the instances
 * (`concurrencyConfig.reservedConcurrency`), and each instance paces its own calls here, at most
 * `ASSUME_ROLE_CALLS_PER_SECOND_PER_INSTANCE` starts in any one-second window. The account then sees at most
 * cap × pace calls a second (docs/api.md, "sts-token"; test/deploy/s-yaml.test.ts checks the product).
 */
import { HttpError } from '../../shared/edge/errors';

/** An instance starts at most this many AssumeRole calls in any one-second window. */
export const ASSUME_ROLE_CALLS_PER_SECOND_PER_INSTANCE = 5;
/** A request waits at most this long for its turn, else 429: one window, so FC's one request per instance never sees it. */
export const ASSUME_ROLE_MAX_WAIT_MS = 1000;
/** STS's quota: AssumeRole calls per second per account and region (docs/oss-facts.md). */
export const STS_ASSUME_ROLE_QUOTA_PER_SECOND = 100;
/** Of the account's quota, what sts-token may use: the rest is left to anything else in the account. */
export const STS_TOKEN_ASSUME_ROLE_BUDGET_PER_SECOND = 80;

const WINDOW_MS = 1000;

/** Resolves when a call may start; rejects with 429 when its turn is more than the maximum wait away. */
export type Pace = () => Promise<void>;

export interface PaceOptions {
  callsPerSecond: number;
  maxWaitMs: number;
  /** Milliseconds, for tests. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export function createPace(options: PaceOptions): Pace {
  const now = options.now ?? (() => Date.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const limit = options.callsPerSecond;
  // The start times of the last `limit` calls, reserved in order (each is at least the one before).
  const starts: number[] = [];
  return async () => {
    const current = now();
    const oldest = starts.length >= limit ? starts[starts.length - limit]! : undefined;
    const start = oldest === undefined ? current : Math.max(current, oldest + WINDOW_MS);
    const wait = start - current;
    if (wait > options.maxWaitMs) {
      throw new HttpError(429, 'TooManyRequests', 'too many credential requests, retry shortly', {
        headers: { 'Retry-After': String(Math.ceil(wait / 1000)) },
        logDetail: `AssumeRole pace of ${limit}/s per instance reached`,
      });
    }
    starts.push(start);
    if (starts.length > limit) starts.shift();
    if (wait > 0) await sleep(wait);
  };
}

/** For in-process tests that vend to thousands of users through one definition. */
export const unpaced: Pace = async () => undefined;

export const assumeRolePace = (): Pace =>
  createPace({ callsPerSecond: ASSUME_ROLE_CALLS_PER_SECOND_PER_INSTANCE, maxWaitMs: ASSUME_ROLE_MAX_WAIT_MS });
