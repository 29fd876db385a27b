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
  /**
   * For 5xx and configuration problems, and for a 401 that says what was expected and what the token carried (its
   * issuer or audience): the precise reason, which never contains secrets.
   */
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

/**
 * A key as a log line shows it: readable, one line, and unambiguous. Keys may hold any character (control
 * characters, line and paragraph separators, bidirectional overrides), which would break a line or disguise the
 * key in a log viewer: each is written `\u{…}`, and `\` itself `\\`, so the escaped form reads back to one key.
 */
export function printableKey(key: string): string {
  // eslint-disable-next-line no-control-regex
  return key.replace(/[\\\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g, (char) =>
    char === '\\' ? '\\\\' : `\\u{${char.charCodeAt(0).toString(16)}}`,
  );
}
