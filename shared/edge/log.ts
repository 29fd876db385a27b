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
  /** For 5xx and configuration problems: the precise reason, which never contains secrets. */
  cause?: string;
}

export type LogWriter = (line: RequestLogLine) => void;

export const writeLogLine: LogWriter = (line) => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};
