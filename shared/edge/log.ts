/**
 * One structured JSON line per request. Only the fields below can be written: there is no way to pass a
 * token, a signature or the FC context to the log.
 */

export interface RequestLogLine {
  level: 'info' | 'warn' | 'error';
  function: string;
  requestId: string;
  method: string;
  status: number;
  durationMs: number;
  /** A hash of the user's segment, never the identity itself. */
  user?: string;
  key?: string;
  errorCode?: string;
  /** Which cause it was, as a stable code: every 401 has one (`token_expired`, `bad_signature`, …). */
  reason?: string;
  /** For 5xx and configuration problems: the precise reason, which never contains secrets. */
  cause?: string;
}

export type LogWriter = (line: RequestLogLine) => void;

export const writeLogLine: LogWriter = (line) => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

/** A configuration that works but should be changed, said once per cold start. */
export interface WarningLogLine {
  level: 'warn';
  function: string;
  requestId: 'cold-start';
  warning: string;
}

export type WarningWriter = (line: WarningLogLine) => void;

export const writeWarningLine: WarningWriter = (line) => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};
