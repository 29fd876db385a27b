/**
 * The one table of errors a function answers with. 4xx explain themselves to the caller; 5xx say
 * "internal error" and keep the cause for the log (middy's `expose = status < 500`).
 */
import type { ErrorBody, ErrorCode, ErrorSizes } from '../contract';

export class HttpError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly headers: Readonly<Record<string, string>>;
  /** Detail for the log only; never sent to the client. */
  readonly logDetail: string | undefined;
  /** A stable code for the log saying which cause it was (every 401 has one: `token_expired`, `bad_signature`, …). */
  readonly reason: string | undefined;
  /** Exact byte counts behind a message that says them in MiB or GiB: sent with it (4xx only). */
  readonly sizes: ErrorSizes;

  constructor(
    status: number,
    code: ErrorCode,
    message: string,
    options: { headers?: Record<string, string>; logDetail?: string; reason?: string; sizes?: ErrorSizes } = {},
  ) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.headers = options.headers ?? {};
    this.logDetail = options.logDetail;
    this.reason = options.reason;
    this.sizes = options.sizes ?? {};
  }

  /** Whether the message may be shown: 4xx explain, and 503's fixed "retry shortly" tells the client what to do. */
  get expose(): boolean {
    return this.status < 500 || this.code === 'UpstreamUnavailable';
  }
}

export const badRequest = (code: ErrorCode, message: string): HttpError => new HttpError(400, code, message);

/**
 * Every 401 names its cause for the log (`shared/auth/token-rejections.ts` holds the codes), and, when its message
 * says more than the code (what was expected, what the token carried), the log line says it too.
 */
export const unauthorized = (message: string, options: { reason: string; logDetail?: string }): HttpError =>
  new HttpError(401, 'Unauthorized', message, {
    headers: { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${message.replace(/["\\]/g, '')}"` },
    reason: options.reason,
    ...(options.logDetail === undefined ? {} : { logDetail: options.logDetail }),
  });

export const internalError = (logDetail: string): HttpError => new HttpError(500, 'InternalError', 'internal error', { logDetail });

/** The status, headers and body the client sees for an error. */
export function toErrorResponse(error: HttpError): { status: number; headers: Record<string, string>; body: ErrorBody } {
  return {
    status: error.status,
    headers: { ...error.headers },
    body: {
      error: error.expose ? { code: error.code, message: error.message, ...error.sizes } : { code: error.code, message: 'internal error' },
    },
  };
}

/** Only the name and where it was thrown: an unexpected error's message could carry anything (a URL, a token). */
export function unexpectedErrorDetail(error: unknown): string {
  if (!(error instanceof Error)) return 'non-error thrown';
  const frame = error.stack?.split('\n').find((line) => line.trimStart().startsWith('at '));
  const place =
    frame
      ?.trim()
      .replace(/^at /, '')
      .replace(/\(.*[/\\]/, '(')
      .slice(0, 120) ?? 'unknown';
  return `${error.name} at ${place}`;
}
