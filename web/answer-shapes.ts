/**
 * The shape of every function answer (`shared/contract.ts`), checked where the JSON comes in (`callFunction`): an
 * answer that is not what the contract says fails there, as an UploadError, rather than as a `TypeError` in a later
 * step. Each object shape names a check for every field of its contract type, so a field added to the contract
 * does not compile here until it is checked.
 */
import type {
  AnswerFor,
  CallMethod,
  MultipartCompleted,
  MultipartStarted,
  PutHeaders,
  SignedPart,
  SignedParts,
  SignedPost,
  SignedPut,
  StsTokenAnswer,
  UploadedPart,
  VerdictAccepted,
  VerdictAnswer,
  VerdictNotYet,
  VerdictRejected,
} from '../shared/contract.js';
import { isRejectionReason } from '../shared/upload/verdict-messages.js';

export type Shape<T> = (value: unknown) => value is T;

const isString: Shape<string> = (value): value is string => typeof value === 'string';
const isBoolean: Shape<boolean> = (value): value is boolean => typeof value === 'boolean';
const isCount: Shape<number> = (value): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isPartNumber: Shape<number> = (value): value is number => isCount(value) && value >= 1;
/** An ISO 8601 instant the client may compute with. */
const isInstant: Shape<string> = (value): value is string => isString(value) && !Number.isNaN(Date.parse(value));

function literal<const T extends string | number | boolean>(expected: T): Shape<T> {
  return (value): value is T => value === expected;
}

function arrayOf<T>(item: Shape<T>): Shape<T[]> {
  return (value): value is T[] => Array.isArray(value) && value.every((element) => item(element));
}

const isStringRecord: Shape<Record<string, string>> = (value): value is Record<string, string> =>
  isObject(value) && Object.values(value).every(isString);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An object with every field of `T` as its check says (other fields are let through: the contract only grows). */
function object<T>(fields: { readonly [K in keyof T]-?: Shape<T[K]> }): Shape<T> {
  const checks: Array<[string, Shape<unknown>]> = Object.entries(fields);
  return (value): value is T => isObject(value) && checks.every(([name, check]) => check(value[name]));
}

const signedPart = object<SignedPart>({ partNumber: isPartNumber, url: isString });
const uploadedPart = object<UploadedPart>({ partNumber: isPartNumber, etag: isString, size: isCount });

const putHeaders = object<PutHeaders>({
  'Content-Type': isString,
  'Content-Disposition': literal('attachment'),
  'x-oss-forbid-overwrite': (value): value is 'true' | 'false' => value === 'true' || value === 'false',
});

const verdictAccepted = object<VerdictAccepted>({
  key: isString,
  verdict: literal('accepted'),
  size: isCount,
  contentType: isString,
  etag: isString,
  judgedAt: isInstant,
});
const verdictRejected = object<VerdictRejected>({
  key: isString,
  verdict: literal('rejected'),
  reason: isRejectionReason,
  message: isString,
  judgedAt: isInstant,
});
const verdictNotYet = object<VerdictNotYet>({
  key: isString,
  verdict: (value): value is VerdictNotYet['verdict'] => value === 'pending' || value === 'unknown',
});

/** One check per call, by the request's `method`. */
export const ANSWER_SHAPES: { readonly [M in CallMethod]: Shape<AnswerFor<M>> } = {
  PUT: object<SignedPut>({
    method: literal('PUT'),
    url: isString,
    headers: (value): value is PutHeaders => isStringRecord(value) && putHeaders(value),
    size: isCount,
    bucket: isString,
    key: isString,
    profile: isString,
    expiresAt: isInstant,
  }),
  POST: object<SignedPost>({
    method: literal('POST'),
    url: isString,
    fields: isStringRecord,
    bucket: isString,
    key: isString,
    profile: isString,
    expiresAt: isInstant,
    maxBytes: isCount,
  }),
  MULTIPART: object<MultipartStarted>({
    method: literal('MULTIPART'),
    bucket: isString,
    key: isString,
    profile: isString,
    uploadId: isString,
    partSize: isPartNumber,
    partCount: isPartNumber,
    parts: arrayOf(signedPart),
    expiresAt: isInstant,
  }),
  PARTS: object<SignedParts>({ parts: arrayOf(signedPart), expiresAt: isInstant, uploaded: arrayOf(uploadedPart) }),
  COMPLETE: object<MultipartCompleted>({ bucket: isString, key: isString, profile: isString, size: isCount, etag: isString }),
  ABORT: (value): value is undefined => value === undefined,
  VERDICT: (value): value is VerdictAnswer => verdictAccepted(value) || verdictRejected(value) || verdictNotYet(value),
  STS: object<StsTokenAnswer>({
    accessKeyId: isString,
    accessKeySecret: isString,
    securityToken: isString,
    stsToken: isString,
    expiration: isInstant,
    serverTime: isInstant,
    bucket: isString,
    region: (value): value is `oss-${string}` => isString(value) && value.startsWith('oss-'),
    endpoint: isString,
    cname: literal(true),
    secure: isBoolean,
    authorizationV4: literal(true),
    prefix: isString,
    profile: isString,
    maxBytes: isCount,
    allowedContentTypes: arrayOf(isString),
  }),
};

/** Whether `answer` has the shape the contract gives the answer to `method`. */
export function isAnswerTo<M extends CallMethod>(method: M, answer: unknown): answer is AnswerFor<M> {
  const shape: Shape<AnswerFor<M>> = ANSWER_SHAPES[method];
  return shape(answer);
}
