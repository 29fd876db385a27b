/**
 * How long a call that must answer by a deadline took past it, as its own event loop saw it. The call is timed
 * against a timer of `deadlineMs` started with it: on a loaded machine that timer fires late by as much as the code's
 * own deadline timer does (one event loop, one clock), so `pastDeadlineMs` is the time the code took after its
 * deadline, not the time the machine spent on other processes. It is 0 when the answer came before the timer fired.
 * `ms` is the whole time, for lower bounds (load only makes it longer).
 */
export async function timedAgainstDeadline<T>(
  deadlineMs: number,
  run: () => Promise<T>,
): Promise<{ result: T; ms: number; pastDeadlineMs: number }> {
  const started = performance.now();
  let deadlineAt: number | undefined;
  const timer = setTimeout(() => (deadlineAt = performance.now()), deadlineMs);
  try {
    const result = await run();
    const ended = performance.now();
    return { result, ms: ended - started, pastDeadlineMs: deadlineAt === undefined ? 0 : ended - deadlineAt };
  } finally {
    clearTimeout(timer);
  }
}
