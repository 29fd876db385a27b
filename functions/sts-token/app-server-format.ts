/**
 * `?format=app-server`: the answer shape of Alibaba's "app server" for the mobile SDKs. Android's
 * `OSSAuthCredentialsProvider` and iOS's `OSSAuthCredentialProvider` read `StatusCode` (a number, or a numeric
 * string), then on 200 `AccessKeyId`, `AccessKeySecret`, `SecurityToken` and `Expiration`, else `ErrorCode` and
 * `ErrorMessage`. iOS parses `Expiration` with `yyyy-MM-dd'T'HH:mm:ssZ`: fractional seconds would make it an
 * invalid date, so they are cut (which only moves the expiry earlier). The mapping lives here; the edge applies the
 * error shape through the definition's `errorBody`.
 */
import type { StsTokenAppServerAnswer, StsTokenAppServerError, StsTokenFormat } from '../../shared/contract';
import { badRequest } from '../../shared/edge/errors';
import type { ErrorAnswer } from '../../shared/edge/handler';

export const APP_SERVER_FORMAT: StsTokenFormat = 'app-server';
/** The query parameter choosing the answer's format. */
export const FORMAT_PARAMETER = 'format';

/** The format a request asks for: undefined for the default answer. Any other value is a client bug: 400. */
export function requestedFormat(query: Readonly<Record<string, string>>): StsTokenFormat | undefined {
  const format = query[FORMAT_PARAMETER];
  if (format === undefined) return undefined;
  if (format === APP_SERVER_FORMAT) return format;
  throw badRequest('BadRequest', `format must be "${APP_SERVER_FORMAT}" or left out`);
}

/** `2026-11-28T10:35:00Z`: whole seconds, rounded down. */
export function appServerExpiration(expiration: Date): string {
  return `${expiration.toISOString().slice(0, 19)}Z`;
}

export function appServerAnswer(credentials: {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  expiration: Date;
}): StsTokenAppServerAnswer {
  return {
    StatusCode: 200,
    AccessKeyId: credentials.accessKeyId,
    AccessKeySecret: credentials.accessKeySecret,
    SecurityToken: credentials.securityToken,
    Expiration: appServerExpiration(credentials.expiration),
  };
}

/** The error body for an app-server request; undefined (the default body) for any other. */
export function appServerErrorBody(error: ErrorAnswer, query: Readonly<Record<string, string>>): StsTokenAppServerError | undefined {
  if (query[FORMAT_PARAMETER] !== APP_SERVER_FORMAT) return undefined;
  return { StatusCode: error.status, ErrorCode: error.code, ErrorMessage: error.message };
}
