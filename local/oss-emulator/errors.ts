/**
 * The one error type of the emulator: every refusal carries the HTTP status, the OSS error code and a message,
 * and the server renders it as the XML body OSS sends. `details` become extra elements of `<Error>` (OSS adds
 * e.g. `StringToSign` to SignatureDoesNotMatch so a client can see what the server signed).
 */
export class OssError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Readonly<Record<string, string>>;

  constructor(status: number, code: string, message: string, details: Readonly<Record<string, string>> = {}) {
    super(message);
    this.name = 'OssError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export const accessDenied = (message: string): OssError => new OssError(403, 'AccessDenied', message);
export const invalidArgument = (message: string, details: Readonly<Record<string, string>> = {}): OssError =>
  new OssError(400, 'InvalidArgument', message, details);
