/**
 * FC's asynchronous invocation, locally: events are queued and handed to an event handler with an FC-shaped
 * `context`; an invocation that throws is retried like FC retries a function error (up to 3 times by default,
 * after growing delays), and an event that still fails lands in a failure list, as FC sends it to the async
 * invocation's failure destination.
 */
import { randomUUID } from 'node:crypto';
import type { FcContextCredentials } from './fc-adapter';

export interface AsyncInvokerOptions {
  functionName: string;
  handler: (event: Buffer, context: unknown) => Promise<unknown>;
  credentials: () => Promise<FcContextCredentials | undefined>;
  /** FC's `maxAsyncRetryAttempts`; FC's default is 3. */
  maxRetries?: number;
  /** The wait before each retry; the last one repeats. */
  retryDelaysMs?: readonly number[];
}

export interface FailedEvent {
  event: Buffer;
  attempts: number;
}

export interface AsyncInvoker {
  /** Queues the event; returns at once, as an asynchronous invocation does. */
  invoke(event: Buffer): void;
  /** Resolves when nothing is running or waiting for a retry. */
  idle(): Promise<void>;
  /** Events that failed every attempt (FC's failure destination). */
  failed(): readonly FailedEvent[];
  /** Stops retrying and queuing; resolves once the invocations already running have finished. */
  close(): Promise<void>;
}

export function createAsyncInvoker(options: AsyncInvokerOptions): AsyncInvoker {
  const maxRetries = options.maxRetries ?? 3;
  const delays = options.retryDelaysMs ?? [500, 1000, 2000];
  const failed: FailedEvent[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  let pending = 0;
  let closed = false;
  let waiters: Array<() => void> = [];
  const settle = (): void => {
    pending -= 1;
    if (pending === 0) {
      for (const wake of waiters) wake();
      waiters = [];
    }
  };

  /** Runs one attempt, remembered until it settles, so that close() can wait for it. */
  const start = (event: Buffer, attempts: number): void => {
    const run = attempt(event, attempts).finally(() => running.delete(run));
    running.add(run);
  };

  const attempt = async (event: Buffer, attempts: number): Promise<void> => {
    if (closed) return settle();
    const credentials = await options.credentials().catch(() => undefined);
    const context = {
      requestId: randomUUID(),
      ...(credentials === undefined ? {} : { credentials }),
      function: { name: options.functionName, handler: 'index.handler', memory: 128, timeout: 30 },
      region: 'local',
      accountId: 'local',
    };
    try {
      await options.handler(event, context);
      settle();
    } catch {
      // The handler logged why; like FC, retry the whole event after a while.
      if (attempts > maxRetries || closed) {
        if (!closed) failed.push({ event, attempts });
        return settle();
      }
      const timer = setTimeout(
        () => {
          timers.delete(timer);
          start(event, attempts + 1);
        },
        delays[Math.min(attempts - 1, delays.length - 1)] ?? 1000,
      );
      timers.add(timer);
    }
  };

  return {
    invoke(event) {
      if (closed) return;
      pending += 1;
      setImmediate(() => start(event, 1));
    },
    idle: () => (pending === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    failed: () => failed,
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...running]);
      pending = 0;
      for (const wake of waiters) wake();
      waiters = [];
    },
  };
}
