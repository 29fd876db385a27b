/**
 * The wire contract between the functions and their callers: request and answer shapes, and the error body.
 * Types only, so the browser client (`web/`) imports this very file and a field cannot be added on one side alone.
 * `FunctionCalls` pairs every request, by its `method`, with its answer: the client's `callFunction` and the
 * functions' answer builders are both typed from it (`RequestFor`, `AnswerFor`).
 */

export type UploadMethod = 'PUT' | 'POST';

/** The steps of a multipart upload that `sign-url` runs itself. */
export type MultipartMethod = 'MULTIPART' | 'PARTS' | 'COMPLETE' | 'ABORT';

/** Every `method` of a `sign-url` request: one upload (`PUT`, `POST`), a step of a multipart upload, or a verdict asked. */
export type SignUrlMethod = UploadMethod | MultipartMethod | VerdictRequest['method'];

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
  /** The upload profile (docs/upload-profiles.md); default `default`. */
  profile?: string;
}

/** `sign-url`'s request for a signed `PUT`, as a client that names its method sends it. */
export interface PutRequest extends SignUrlRequest {
  method: 'PUT';
  size: number;
}

/** `sign-url`'s request for a signed `POST` form. */
export interface PostRequest extends SignUrlRequest {
  method: 'POST';
}

/** The headers a signed `PUT` must carry, with exactly these values. */
export type PutHeaders = {
  'Content-Type': string;
  /** Stored as an attachment: a browser downloads the object rather than rendering it. */
  'Content-Disposition': 'attachment';
  /** `true`: the upload never replaces an object; `false` only for a fixed-key profile's one key, which it replaces. */
  'x-oss-forbid-overwrite': 'true' | 'false';
};

/** `sign-url`'s answer for `PUT`. */
export interface SignedPut {
  method: 'PUT';
  url: string;
  /** Every header the client must send, with exactly these values (`Content-Length` aside: see `size`). */
  headers: PutHeaders;
  /** The exact body length the URL accepts: send the file as it is, so the client sets `Content-Length` to this. */
  size: number;
  bucket: string;
  key: string;
  /** The upload profile the key is of. */
  profile: string;
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
  /** The upload profile the key is of. */
  profile: string;
  expiresAt: string;
  /** The largest file the form takes: the profile's limit, or less when the user's byte quota leaves less. */
  maxBytes: number;
}

export type SignUrlAnswer = AnswerFor<UploadMethod>;

/**
 * Multipart uploads through `sign-url`: the function starts and completes the upload itself; the client only PUTs
 * parts to signed URLs. The key and the upload id are the handle: nothing is stored on the server's side.
 */
export interface MultipartStartRequest {
  method: 'MULTIPART';
  filename: string;
  contentType: string;
  /** Required: it decides the part size and is checked against the limit. */
  size: number;
  /** The upload profile; default `default`. The steps after this one name the upload by its key, which carries it. */
  profile?: string;
}

/** Fresh part URLs (beyond the first 100, after expiry, on resume); `[]` only lists what OSS holds. */
export interface PartsRequest {
  method: 'PARTS';
  key: string;
  uploadId: string;
  partNumbers: number[];
}

export interface CompletedPart {
  partNumber: number;
  /** As OSS answered the part's PUT, with or without the quotes. */
  etag: string;
}

export interface CompleteRequest {
  method: 'COMPLETE';
  key: string;
  uploadId: string;
  /** Every part, in ascending order of part number. */
  parts: CompletedPart[];
  /** When given, the parts must add up to exactly this many bytes. */
  size?: number;
}

export interface AbortRequest {
  method: 'ABORT';
  key: string;
  uploadId: string;
}

export type MultipartRequest = MultipartStartRequest | PartsRequest | CompleteRequest | AbortRequest;

/** A signed URL for one part: `PUT` the part's bytes to it, with no extra headers. */
export interface SignedPart {
  partNumber: number;
  url: string;
}

/** `sign-url`'s answer to `MULTIPART`: the upload has been started; parts `1…partCount`, URLs for the first ones. */
export interface MultipartStarted {
  method: 'MULTIPART';
  bucket: string;
  key: string;
  /** The upload profile the key is of. */
  profile: string;
  /**
   * sign-url's handle of the upload: OSS's upload id with the declared size and part size, signed by the function.
   * Pass it back unchanged on PARTS, COMPLETE and ABORT.
   */
  uploadId: string;
  /** Every part but the last is exactly this many bytes. */
  partSize: number;
  partCount: number;
  /** At most 100; ask `PARTS` for the rest. */
  parts: SignedPart[];
  expiresAt: string;
}

/** A part OSS already holds for the upload. */
export interface UploadedPart {
  partNumber: number;
  etag: string;
  size: number;
}

/** `sign-url`'s answer to `PARTS`. */
export interface SignedParts {
  parts: SignedPart[];
  expiresAt: string;
  /** What OSS holds for the upload now, in part-number order: a client resumes from it. */
  uploaded: UploadedPart[];
}

/** `sign-url`'s answer to `COMPLETE`: the object now exists and can never be replaced. */
export interface MultipartCompleted {
  bucket: string;
  key: string;
  /** The upload profile the key is of. */
  profile: string;
  size: number;
  etag: string;
}

/**
 * The verdict on an upload, asked of `sign-url` after its last byte: the key of an object under the caller's own
 * prefix (another's is refused with 403). `upload-completed` keeps each verdict in OSS for a day.
 */
export interface VerdictRequest {
  method: 'VERDICT';
  key: string;
}

/**
 * Why `upload-completed` rejected (and removed) an object, in the order its rules are checked; `Removed`: the object
 * was gone before it could be judged.
 */
export type RejectionReason =
  | 'UnknownProfile'
  | 'KeyNotGranted'
  | 'UnsupportedObjectType'
  | 'Empty'
  | 'TooSmall'
  | 'TooLarge'
  | 'EncodedContent'
  | 'TypeNotAllowed'
  | 'ExtensionMismatch'
  | 'UnreadableStorageClass'
  | 'ActiveContent'
  | 'ContentMismatch'
  | 'QuotaExceeded'
  | 'Removed';

/**
 * `pending`: the object is there and not judged yet (ask again shortly); `unknown`: no object of yours by that key and
 * no verdict on it (never uploaded, or judged longer ago than verdicts are kept).
 */
export type VerdictState = 'pending' | 'accepted' | 'rejected' | 'unknown';

/** The object stays: it passed every rule. */
export interface VerdictAccepted {
  key: string;
  verdict: 'accepted';
  size: number;
  /** The stored type's essence (`image/png`). */
  contentType: string;
  /** Unquoted. */
  etag: string;
  /** When upload-completed judged it (ISO 8601). */
  judgedAt: string;
}

/** The object broke a rule and was removed. */
export interface VerdictRejected {
  key: string;
  verdict: 'rejected';
  /** Stable: what an app branches on. */
  reason: RejectionReason;
  /** The reason in plain words, for the person who uploaded it. */
  message: string;
  judgedAt: string;
}

export interface VerdictNotYet {
  key: string;
  verdict: 'pending' | 'unknown';
}

/** `sign-url`'s answer to `VERDICT`. */
export type VerdictAnswer = VerdictAccepted | VerdictRejected | VerdictNotYet;

/**
 * `sts-token`'s `POST` body. The function reads nothing from it (the bearer token says who asks): `{}` does as well.
 * The browser client sends `{"method": "STS"}`, which names the call as every `sign-url` request names its own.
 */
export interface StsTokenRequest {
  method: 'STS';
  /** The upload profile (one that allows STS); default `default`. `?profile=` says it for a GET. */
  profile?: string;
}

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
  region: `oss-${string}`;
  endpoint: string;
  cname: true;
  secure: boolean;
  authorizationV4: true;
  /** Where these credentials may write. */
  prefix: string;
  /** The upload profile the credentials are for. */
  profile: string;
  maxBytes: number;
  allowedContentTypes: readonly string[];
}

/** Every call of a function, by the `method` its request names. */
export type CallMethod = SignUrlMethod | StsTokenRequest['method'];

/**
 * Every call a client makes, by `method`: the request it sends and the answer a `200` (or `204`) carries. `ABORT`
 * answers `204` with no body. Indexing it with every `CallMethod` (`RequestFor`, `AnswerFor`) is what makes the
 * compiler insist that no method is left out.
 */
export interface FunctionCalls {
  PUT: { request: PutRequest; answer: SignedPut };
  POST: { request: PostRequest; answer: SignedPost };
  MULTIPART: { request: MultipartStartRequest; answer: MultipartStarted };
  PARTS: { request: PartsRequest; answer: SignedParts };
  COMPLETE: { request: CompleteRequest; answer: MultipartCompleted };
  ABORT: { request: AbortRequest; answer: undefined };
  VERDICT: { request: VerdictRequest; answer: VerdictAnswer };
  STS: { request: StsTokenRequest; answer: StsTokenAnswer };
}

/**
 * The request of a call of `M`; for a union of methods, the union of their requests, discriminated by `method`.
 * Naming `method: K` again is what lets the compiler read `M` off a request's `method`.
 */
export type RequestFor<M extends CallMethod> = { [K in M]: FunctionCalls[K]['request'] & { method: K } }[M];
export type AnswerFor<M extends CallMethod> = FunctionCalls[M]['answer'];

/** Any request a client sends: a union discriminated by `method`. */
export type FunctionRequest = RequestFor<CallMethod>;

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

/** Every code an error body can carry: one table for every function (docs/api.md, "Errors"). */
export type ErrorCode =
  | 'BadRequest'
  | 'InvalidJson'
  | 'InvalidFilename'
  | 'InvalidContentType'
  | 'InvalidSize'
  | 'InvalidMethod'
  | 'InvalidProfile'
  | 'InvalidKey'
  | 'InvalidUploadId'
  | 'InvalidPartNumber'
  | 'InvalidPart'
  | 'InvalidPartOrder'
  | 'EntityTooSmall'
  | 'NoSuchUpload'
  | 'FileAlreadyExists'
  | 'QuotaExceeded'
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
  error: { code: ErrorCode; message: string } & ErrorSizes;
}

/** The exact byte counts an error about a size is about (its message says them in MiB or GiB). */
export interface ErrorSizes {
  /** The size the request named, or the parts add up to. */
  size?: number;
  /** The limit it broke. */
  maxBytes?: number;
}

/** `upload-completed`'s webhook: what the application is told about every object that landed in a user's prefix. */
export type UploadWebhookType = 'upload.completed' | 'upload.rejected';

export interface UploadWebhookData {
  bucket: string;
  key: string;
  /** The `{user}` segment of the key's prefix. */
  user: string;
  /** The upload profile whose folder the key is in (`default` without a profiles file); absent for UnknownProfile. */
  profile?: string;
  size: number;
  /** The stored type's essence (`image/png`). */
  contentType: string;
  /** Unquoted, as in OSS's events. */
  etag: string;
  /** On `upload.rejected` only: a stable code (docs/api.md, "upload-completed"). */
  reason?: string;
  /**
   * On `upload.rejected` with a quarantine configured, when the object was deleted instead of moved there:
   * `KeyTooLong`, `TooLargeToCopy`, `UnreadableStorageClass` or `CopyRefused`.
   */
  notQuarantined?: string;
  /** When the object judged is not the version the event named (another ETag or size): the event's ETag. */
  eventEtag?: string;
  /** When OSS says the object was created (ISO 8601). */
  eventTime: string;
}

/** The body of a webhook POST, Standard Webhooks style; `webhook-id` is stable per object version. */
export interface UploadWebhook {
  type: UploadWebhookType;
  /** When the verdict was reached (ISO 8601). */
  timestamp: string;
  data: UploadWebhookData;
}
