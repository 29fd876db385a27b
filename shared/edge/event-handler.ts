/**
 * The FC 3.0 edge of an event-triggered function (an OSS trigger, invoked asynchronously): configuration checked
 * once at cold start; per invocation the event Buffer becomes typed items, each item is handled and logged on one
 * line, entries that can never be handled are logged and skipped; and if any item failed for a reason a retry can
 * cure, the invocation throws, so FC retries it (the function's own steps are idempotent). The HTTP edge is
 * `handler.ts`; this one answers nobody.
 */
import { randomUUID } from 'node:crypto';
import { loadConfig, profilesArgument, type ConfigSection } from '../config/sections';
import type { Env } from '../config/variables';
import type { ProfilesFile } from '../upload/profiles';
import { unexpectedErrorDetail } from './errors';
import { printableKey } from './log';

/** What one item came to, for its log line. */
export interface ItemReport {
  /** `accepted`, `rejected`, or `skipped` (nothing to judge: gone, outside the folder, another bucket …). */
  outcome: 'accepted' | 'rejected' | 'skipped';
  key?: string;
  /** A hash of the user's segment, never the segment itself. */
  user?: string;
  /** The stable reason code of a rejection or a skip. */
  reason?: string;
  /** What was done to the object: `none`, `deleted`, `quarantined`. */
  action?: string;
  /** `delivered`, `off` (no webhook configured). */
  webhook?: string;
  /** What else a reader of the log must know of this item, in words (never a secret or a URL). */
  note?: string;
}

/** A failure a retry can cure (storage or webhook unreachable, refused, too slow): the invocation will throw. */
export class RetryableFailure extends Error {
  readonly code: string;
  readonly report: Omit<ItemReport, 'outcome'>;

  /** `message` goes to the log: it must never carry a secret, a signature or a URL. */
  constructor(code: string, message: string, report: Omit<ItemReport, 'outcome'> = {}) {
    super(message);
    this.name = 'RetryableFailure';
    this.code = code;
    this.report = report;
  }
}

export interface EventHandleInput<C, I> {
  item: I;
  config: C;
  /** FC's context: read credentials from it, never log it. */
  context: unknown;
  requestId: string;
  now: Date;
}

export interface EventFunctionDefinition<C, I> {
  name: string;
  config: ConfigSection<C>;
  checkConfig?(config: C): string[];
  /** The event as delivered → the items to handle, and the entries to log and skip. */
  parse(event: unknown): { items: I[]; skipped: ItemReport[] };
  /** Resolves to the item's report; throws RetryableFailure when a retry can cure it. */
  handle(input: EventHandleInput<C, I>): Promise<ItemReport>;
}

export interface EventLogLine extends ItemReport {
  level: 'info' | 'warn' | 'error';
  function: string;
  requestId: string;
  durationMs: number;
  errorCode?: string;
  cause?: string;
}

export type EventLogWriter = (line: EventLogLine) => void;

export const writeEventLogLine: EventLogWriter = (line) => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

/** The report as a log line shows it: the key escaped (`printableKey`). */
function logged<R extends { key?: string }>(report: R): R {
  return report.key === undefined ? report : { ...report, key: printableKey(report.key) };
}

export interface EventHandlerOptions {
  env?: Env;
  /** The upload profiles file that goes with `env`: the bundled one when left out, `null` for none. */
  profilesFile?: ProfilesFile | null;
  log?: EventLogWriter;
  clock?: () => Date;
}

/** What an invocation came to, for the caller of the handler (the local adapter, tests). */
export interface EventInvocationResult {
  handled: number;
  skipped: number;
}

export type FcEventHandler = (event: unknown, context?: unknown) => Promise<EventInvocationResult>;

export function createFcEventHandler<C, I>(definition: EventFunctionDefinition<C, I>, options: EventHandlerOptions = {}): FcEventHandler {
  const log = options.log ?? writeEventLogLine;
  const clock = options.clock ?? (() => new Date());
  const loaded = loadConfig(options.env ?? process.env, definition.config, ...profilesArgument(options));
  const problems = loaded.ok ? (definition.checkConfig?.(loaded.config) ?? []) : loaded.problems;
  const problem = problems.length > 0 ? `configuration: ${problems.join('; ')}` : undefined;
  const base = { function: definition.name };
  if (problem !== undefined) {
    log({
      ...base,
      level: 'error',
      requestId: 'cold-start',
      outcome: 'skipped',
      durationMs: 0,
      errorCode: 'InternalError',
      cause: problem,
    });
  }

  return async (event, context) => {
    const contextRequestId = (context as { requestId?: unknown } | undefined)?.requestId;
    const requestId = typeof contextRequestId === 'string' && contextRequestId !== '' ? contextRequestId.slice(0, 128) : randomUUID();
    if (problem !== undefined || !loaded.ok) {
      log({ ...base, level: 'error', requestId, outcome: 'skipped', durationMs: 0, errorCode: 'InternalError', cause: problem ?? '' });
      // Thrown, not swallowed: FC retries, then hands the event to the failure destination, so none is lost.
      throw new Error(`${definition.name} is misconfigured; see the cold-start log line`);
    }
    const { items, skipped } = definition.parse(event);
    for (const report of skipped) log({ ...base, level: 'warn', requestId, durationMs: 0, ...logged(report) });

    let failures = 0;
    for (const item of items) {
      const started = performance.now();
      const durationMs = (): number => Math.round((performance.now() - started) * 100) / 100;
      try {
        const report = await definition.handle({ item, config: loaded.config, context, requestId, now: clock() });
        log({ ...base, level: report.outcome === 'rejected' ? 'warn' : 'info', requestId, durationMs: durationMs(), ...logged(report) });
      } catch (error) {
        failures += 1;
        const failure = error instanceof RetryableFailure ? error : new RetryableFailure('InternalError', unexpectedErrorDetail(error));
        log({
          ...base,
          level: 'error',
          requestId,
          durationMs: durationMs(),
          outcome: 'skipped',
          ...logged(failure.report),
          errorCode: failure.code,
          cause: failure.message,
        });
      }
    }
    if (failures > 0) throw new Error(`${failures} of ${items.length} objects failed; FC retries the event`);
    return { handled: items.length, skipped: skipped.length };
  };
}
