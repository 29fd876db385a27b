/**
 * AssumeRole through the official SDK (@alicloud/sts20150401 1.1.x on @alicloud/openapi-client, which signs
 * RPC HMAC-SHA1), behind an overall deadline so the function answers within its timeout whatever the network does.
 * SDK errors become typed HTTP errors here; no STS message, parameter or secret travels further than the log's code.
 */
import { Config as OpenApiConfig } from '@alicloud/openapi-client';
import Sts, { AssumeRoleRequest } from '@alicloud/sts20150401';
import type { StsEndpoint } from '../config/variables';
import { HttpError, internalError } from '../edge/errors';
import type { AccessKey } from './access-key';

/** Temporary keys from AssumeRole: always a security token and an expiry. */
export interface VendedCredentials extends AccessKey {
  securityToken: string;
  expiration: Date;
}

export interface AssumeRoleInput {
  endpoint: StsEndpoint;
  caller: AccessKey;
  roleArn: string;
  roleSessionName: string;
  durationSeconds: number;
  policy: string;
  timeoutMs: number;
}

export type AssumeRole = (input: AssumeRoleInput) => Promise<VendedCredentials>;

/** Configuration mistakes of the deployer: a generic 500 for the client, the STS code in the log. */
const CONFIGURATION_CODES =
  /^(NoPermission|EntityNotExist\.|InvalidParameter|InvalidAccessKeyId|SignatureDoesNotMatch|InvalidSecurityToken|MissingParameter|Forbidden|IncompleteSignature)/;
const THROTTLING_CODES = /^Throttling/;
export const RETRY_AFTER_SECONDS = { unavailable: '2', throttled: '1' } as const;

export const assumeRoleWithSdk: AssumeRole = async (input) => {
  const client = new Sts(
    new OpenApiConfig({
      endpoint: input.endpoint.host,
      protocol: input.endpoint.protocol,
      accessKeyId: input.caller.accessKeyId,
      accessKeySecret: input.caller.accessKeySecret,
      ...(input.caller.securityToken === undefined ? {} : { securityToken: input.caller.securityToken }),
      connectTimeout: input.timeoutMs,
      readTimeout: input.timeoutMs,
    }),
  );
  const request = new AssumeRoleRequest({
    roleArn: input.roleArn,
    roleSessionName: input.roleSessionName,
    durationSeconds: input.durationSeconds,
    policy: input.policy,
  });

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(unavailable(`STS did not answer within ${input.timeoutMs} ms`)), input.timeoutMs);
    timer.unref();
  });
  try {
    const response = await Promise.race([client.assumeRole(request), deadline]);
    const receivedAt = Date.now();
    const credentials = response.body?.credentials;
    const expiration = Date.parse(credentials?.expiration ?? '');
    if (!credentials?.accessKeyId || !credentials.accessKeySecret || !credentials.securityToken || Number.isNaN(expiration)) {
      throw unavailable('STS answered without complete credentials');
    }
    return {
      accessKeyId: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
      securityToken: credentials.securityToken,
      expiration: onLocalClock(expiration, response.headers, receivedAt),
    };
  } catch (error) {
    throw toHttpError(error);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * STS writes `Expiration` on its own clock, which may be minutes off ours. The lifetime it granted is `Expiration`
 * less the answer's own `Date` (the same clock); counted from the moment the answer arrived, that is when the
 * credentials expire on our clock, which the cache and every bound compare with. Without a usable `Date`, as given.
 */
export function onLocalClock(expirationMs: number, headers: Readonly<Record<string, string>> | undefined, receivedAtMs: number): Date {
  const answeredAt = Date.parse(headers?.['date'] ?? headers?.['Date'] ?? '');
  // `Date` has whole seconds, cut down: the lifetime read from it may be up to a second long, so one is taken off.
  return new Date(Number.isNaN(answeredAt) ? expirationMs : receivedAtMs + (expirationMs - answeredAt) - 1000);
}

function unavailable(logDetail: string): HttpError {
  return new HttpError(503, 'UpstreamUnavailable', 'the credential service is unavailable, retry shortly', {
    headers: { 'Retry-After': RETRY_AFTER_SECONDS.unavailable },
    logDetail,
  });
}

/** Only the error's code and status are read: its message can echo request parameters. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  const { code, statusCode } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; statusCode?: unknown };
  const stsCode = typeof code === 'string' ? code.slice(0, 80).replace(/[^A-Za-z0-9._-]/g, '') : '';
  const status = typeof statusCode === 'number' ? statusCode : undefined;
  if (THROTTLING_CODES.test(stsCode)) {
    return new HttpError(429, 'TooManyRequests', 'too many credential requests, retry shortly', {
      headers: { 'Retry-After': RETRY_AFTER_SECONDS.throttled },
      logDetail: `STS ${stsCode}`,
    });
  }
  if (CONFIGURATION_CODES.test(stsCode)) return internalError(`STS refused AssumeRole: ${stsCode} (${status ?? '-'})`);
  const name = error instanceof Error ? error.name : typeof error;
  return unavailable(`STS call failed: ${stsCode || name} (${status ?? '-'})`);
}
