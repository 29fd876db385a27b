/**
 * The wire contract between the functions and their callers: request and answer shapes, and the error body.
 * Types only, so the browser client (`web/`) imports this very file and a field cannot be added on one side alone.
 */

export type UploadMethod = 'PUT' | 'POST';

/** `sign-url`'s request body. */
export interface SignUrlRequest {
  filename: string;
  /** Exact, lower-case `type/subtype`, no parameters: it is signed byte for byte. */
  contentType: string;
  /**
   * The file's exact size in bytes, checked against the limit before anything is signed. Required for `PUT`: the
   * URL is bound to it (V4 signs `Content-Length`).
   */
  size?: number;
  /** Default `PUT`. */
  method?: UploadMethod;
}

/** `sign-url`'s answer for `PUT`. */
export interface SignedPut {
  method: 'PUT';
  url: string;
  /** Every header the client must send, with exactly these values (`Content-Length` aside: see `size`). */
  headers: Record<string, string>;
  /** The exact body length the URL accepts: send the file as it is, so the client sets `Content-Length` to this. */
  size: number;
  bucket: string;
  key: string;
  expiresAt: string;
}

/** `sign-url`'s answer for `POST`. */
export interface SignedPost {
  method: 'POST';
  url: string;
  /** Every form field, in order; the client appends `file` last. */
  fields: Record<string, string>;
  bucket: string;
  key: string;
  expiresAt: string;
  maxBytes: number;
}

export type SignUrlAnswer = SignedPut | SignedPost;

/** `sts-token`'s answer: an ali-oss client's options as they stand (`new OSS(answer)`), plus the rules. */
export interface StsTokenAnswer {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  /** ali-oss's name for the security token. */
  stsToken: string;
  expiration: string;
  /** The server's clock when answering: clients correct their refresh timing by it. */
  serverTime: string;
  bucket: string;
  /** ali-oss's form, `oss-<region>`. */
  region: string;
  endpoint: string;
  cname: true;
  secure: boolean;
  authorizationV4: true;
  /** Where these credentials may write. */
  prefix: string;
  maxBytes: number;
  allowedContentTypes: readonly string[];
}

/** `sts-token`'s answer formats besides the default (`?format=app-server`). */
export type StsTokenFormat = 'app-server';

/**
 * `sts-token?format=app-server`: the "app server" answer the Android and iOS OSS SDKs parse (their
 * `OSSAuthCredentialsProvider` / `OSSAuthCredentialProvider`), with exactly these fields.
 */
export interface StsTokenAppServerAnswer {
  StatusCode: 200;
  AccessKeyId: string;
  AccessKeySecret: string;
  SecurityToken: string;
  /** `YYYY-MM-DDTHH:mm:ssZ`, UTC, no fractional seconds (the iOS SDK's date format has none). */
  Expiration: string;
}

/** `sts-token?format=app-server`'s errors: the HTTP status again, and the code and message of the error body. */
export interface StsTokenAppServerError {
  StatusCode: number;
  ErrorCode: ErrorCode;
  ErrorMessage: string;
}

/** Every code an error body can carry: one table for every function (README "Errors"). */
export type ErrorCode =
  | 'BadRequest'
  | 'InvalidJson'
  | 'InvalidFilename'
  | 'InvalidContentType'
  | 'InvalidSize'
  | 'InvalidMethod'
  | 'Unauthorized'
  | 'Forbidden'
  | 'MethodNotAllowed'
  | 'PayloadTooLarge'
  | 'EntityTooLarge'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'InternalError'
  | 'UpstreamUnavailable';

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}
