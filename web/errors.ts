/** Failures turned into messages a person can act on, never raw XML. */

export type UploadErrorCode =
  | 'Cancelled'
  | 'Unauthorized'
  | 'Refused'
  | 'TooLarge'
  | 'TypeNotAllowed'
  | 'ClockSkew'
  | 'CredentialsExpired'
  | 'AlreadyExists'
  | 'Blocked'
  | 'EtagNotExposed'
  | 'Unavailable'
  | 'Failed';

export class UploadError extends Error {
  readonly code: UploadErrorCode;
  /** The service's own code (OSS's or the function's), for logs and support. */
  readonly serviceCode: string | undefined;

  constructor(code: UploadErrorCode, message: string, serviceCode?: string) {
    super(message);
    this.name = 'UploadError';
    this.code = code;
    this.serviceCode = serviceCode;
  }
}

/** Reads `<Code>` and `<Message>` out of an OSS XML error body. */
export function parseOssError(xml: string): { code: string; message: string } | undefined {
  const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
  if (code === undefined) return undefined;
  return { code, message: /<Message>([^<]*)<\/Message>/.exec(xml)?.[1] ?? '' };
}

export function fromOssCode(code: string, context: { maxBytes?: number; status?: number } = {}): UploadError {
  switch (code) {
    case 'EntityTooLarge':
      return new UploadError(
        'TooLarge',
        `The file is too large${context.maxBytes === undefined ? '' : `: the limit is ${formatBytes(context.maxBytes)}`}.`,
        code,
      );
    case 'EntityTooSmall':
      return new UploadError('Refused', 'The file is empty, or a part is smaller than OSS allows.', code);
    case 'RequestTimeTooSkewed':
      return new UploadError(
        'ClockSkew',
        "This device's clock is more than 15 minutes off. Set the clock to the right time and try again.",
        code,
      );
    case 'SecurityTokenExpired':
    case 'InvalidAccessKeyId':
    case 'InvalidSecurityToken':
      return new UploadError('CredentialsExpired', 'The upload permission expired before the upload finished. Try again.', code);
    case 'FileAlreadyExists':
      return new UploadError(
        'AlreadyExists',
        'An object with this key already exists and cannot be overwritten. Ask for a new upload URL.',
        code,
      );
    case 'SignatureDoesNotMatch':
      return new UploadError(
        'Refused',
        'OSS refused the signature: the upload must send exactly the headers and fields it was given.',
        code,
      );
    case 'AccessDenied':
      return new UploadError(
        'Refused',
        'OSS refused the upload: the permission expired, or the file does not match what was signed (key, type or size).',
        code,
      );
    default:
      return new UploadError('Failed', `OSS refused the upload (${code}).`, code);
  }
}

/** Errors from our functions: `{"error": {"code", "message"}}` (`ErrorBody` in shared/contract.ts). */
export function fromFunctionError(status: number, body: unknown): UploadError {
  const error = fieldOf(body, 'error');
  const givenCode = fieldOf(error, 'code');
  const givenMessage = fieldOf(error, 'message');
  const code = typeof givenCode === 'string' ? givenCode : `HTTP ${status}`;
  const message = typeof givenMessage === 'string' ? givenMessage : `the server answered ${status}`;
  if (status === 401) return new UploadError('Unauthorized', `Sign in again: ${message}.`, code);
  if (code === 'InvalidContentType') return new UploadError('TypeNotAllowed', `This kind of file cannot be uploaded: ${message}.`, code);
  if (code === 'EntityTooLarge') return new UploadError('TooLarge', `The file is too large: ${message}.`, code);
  if (code === 'FileAlreadyExists') return new UploadError('AlreadyExists', `The upload cannot be completed: ${message}.`, code);
  if (status === 429 || status === 503) return new UploadError('Unavailable', 'The upload service is busy. Try again in a moment.', code);
  if (status >= 500) return new UploadError('Failed', 'The upload service failed. Try again later.', code);
  return new UploadError('Refused', `The upload was refused: ${message}.`, code);
}

/** A field of a value of unknown shape (parsed JSON, a library's error): undefined where there is no such field. */
export function fieldOf(value: unknown, name: string): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  const field: unknown = Reflect.get(value, name);
  return field;
}

export const blockedMessage =
  'The browser blocked the request before OSS answered. Usually the bucket CORS rule does not allow this origin or method (PUT, POST), or the network is down.';

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
