/**
 * How sign-url answers when OSS fails one of its multipart steps, decided here only: OSS failing, throttling or out
 * of reach is a 503 to retry shortly; what the client caused and can act on keeps OSS's code; OSS refusing our own
 * signature or role is our configuration, a generic 500. OSS's code, status and request id reach the log only.
 */
import type { OssError } from '../../shared/alicloud/oss-client';
import type { ErrorCode } from '../../shared/contract';
import { HttpError, internalError } from '../../shared/edge/errors';

const OSS_RETRY_AFTER_SECONDS = '2';

/** The OSS codes a client's own request causes, and the answer each becomes. */
const CLIENT_CAUSED: Readonly<Record<string, { status: number; code: ErrorCode; message: string }>> = {
  NoSuchUpload: { status: 404, code: 'NoSuchUpload', message: 'the upload does not exist: it was completed or aborted, or never started' },
  InvalidPart: { status: 400, code: 'InvalidPart', message: 'a part is missing at OSS or its etag does not match' },
  InvalidPartOrder: { status: 400, code: 'InvalidPartOrder', message: 'parts must be in ascending order' },
  EntityTooSmall: {
    status: 400,
    code: 'EntityTooSmall',
    message: 'every part but the last must be the part size the upload was started with',
  },
  FileAlreadyExists: { status: 409, code: 'FileAlreadyExists', message: 'an object with this key already exists and is never replaced' },
};

export function answerForOssError(error: OssError): HttpError {
  const logDetail = error.message;
  if (error.retryable) {
    return new HttpError(503, 'UpstreamUnavailable', 'the storage service is unavailable, retry shortly', {
      headers: { 'Retry-After': OSS_RETRY_AFTER_SECONDS },
      logDetail,
    });
  }
  const caused = Object.hasOwn(CLIENT_CAUSED, error.code) ? CLIENT_CAUSED[error.code] : undefined;
  return caused === undefined ? internalError(logDetail) : new HttpError(caused.status, caused.code, caused.message, { logDetail });
}
