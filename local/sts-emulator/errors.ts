/**
 * STS errors as the service sends them: an HTTP status and a JSON body
 * `{"RequestId","HostId","Code","Message","Recommend"}`. Codes, statuses and messages follow the STS
 * AssumeRole API reference and the common POP gateway errors; where the docs give no code, the choice is
 * marked "emulator" so nobody mistakes it for observed behaviour.
 */
export class StsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'StsError';
  }
}

export const stsErrors = {
  // Gateway: request shape and signature.
  missingParameter: (name: string) => new StsError(400, `Missing${name}`, `${name} is mandatory for this action.`),
  invalidParameter: (detail: string) => new StsError(400, 'InvalidParameter', detail),
  contentType: () =>
    new StsError(
      400,
      'InvalidParameter.ContentType',
      'The ContentType request header must be either "application/json" or "application/x-www-form-urlencoded".',
    ),
  bodyTooLarge: () => new StsError(413, 'RequestEntityTooLarge', 'The request body is too large.'), // emulator
  methodNotAllowed: () => new StsError(405, 'UnsupportedHTTPMethod', 'Only GET and POST are supported.'), // emulator
  actionNotFound: (action: string) =>
    new StsError(404, 'InvalidAction.NotFound', `Specified api is not found, please check your url and method. (${action})`),
  invalidVersion: () => new StsError(400, 'InvalidVersion', 'Specified parameter Version is not valid.'),
  unsupportedSignature: (detail: string) =>
    new StsError(400, 'IncompleteSignature', `The request signature does not conform to Aliyun standards. ${detail}`),
  timestampFormat: () => new StsError(400, 'InvalidTimeStamp.Format', 'Specified time stamp or date value is not well formatted.'),
  timestampExpired: () => new StsError(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.'),
  nonceUsed: () => new StsError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.'),
  signatureMismatch: () => new StsError(400, 'SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.'),
  accessKeyNotFound: () => new StsError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.'),
  missingSecurityToken: () => new StsError(400, 'MissingSecurityToken', 'SecurityToken is mandatory for this action.'),
  securityTokenExpired: () => new StsError(403, 'InvalidSecurityToken.Expired', 'Specified SecurityToken is expired.'),
  securityTokenMalformed: () => new StsError(400, 'InvalidSecurityToken.Malformed', 'Specified SecurityToken is malformed.'),

  // AssumeRole itself (STS API reference, AssumeRole "Error codes").
  missingRoleArn: () => new StsError(400, 'MissingParameter.RoleArn', 'Parameter RoleArn is required.'),
  missingRoleSessionName: () => new StsError(400, 'MissingParameter.RoleSessionName', 'Parameter RoleSessionName is required.'),
  roleArn: () => new StsError(400, 'InvalidParameter.RoleArn', 'The parameter RoleArn is wrongly formed.'),
  roleSessionName: () => new StsError(400, 'InvalidParameter.RoleSessionName', 'The parameter RoleSessionName is wrongly formed.'),
  durationSeconds: (max: number) =>
    new StsError(400, 'InvalidParameter.DurationSeconds', `The Min/Max value of DurationSeconds is 900/${max} seconds.`),
  policySize: () => new StsError(400, 'InvalidParameter.PolicySize', 'The size of Policy must be smaller than 2048 bytes.'),
  policyGrammar: (detail: string) => new StsError(400, 'InvalidParameter.PolicyGrammar', detail),
  noPermission: () => new StsError(403, 'NoPermission', 'You are not authorized to do this action. You should be authorized by RAM.'),
  roleNotFound: () => new StsError(404, 'EntityNotExist.Role', 'The specified Role not exists .'),

  // Faults.
  throttled: () => new StsError(400, 'Throttling.User', 'Request was denied due to user flow control.'),
  internal: () => new StsError(500, 'InternalError', 'STS Server Internal Error happened, please send the RequestId to us.'),
} as const;

export function errorBody(error: StsError, requestId: string, hostId: string): string {
  return JSON.stringify({
    RequestId: requestId,
    HostId: hostId,
    Code: error.code,
    Message: error.message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(error.code)}&product=Sts`,
  });
}
