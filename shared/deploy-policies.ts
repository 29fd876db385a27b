/**
 * What a deployer creates in RAM, derived from the same rules the functions use: the upload role the
 * `sts-token` function assumes, and each function role's own policy. The local stack grants exactly these.
 */
import type { Config } from './config';
import { objectResource, SESSION_ACTIONS, type PolicyDocument } from './session-policy';

/** Everything any user's prefix can be: the static part of UPLOAD_PREFIX before `{user}`. */
export function allUsersPattern(config: Pick<Config, 'uploadPrefix'>): string {
  return `${config.uploadPrefix.before}*`;
}

/** The upload role's permissions: the session policy's actions, over every user's prefix. */
export function uploadRolePolicy(config: Pick<Config, 'bucket' | 'uploadPrefix'>): PolicyDocument {
  return {
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: [...SESSION_ACTIONS], Resource: [objectResource(config.bucket, allUsersPattern(config))] }],
  };
}

/** The `sign-url` function role: it only signs uploads. */
export function signUrlRolePolicy(config: Pick<Config, 'bucket' | 'uploadPrefix'>): PolicyDocument {
  return {
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: ['oss:PutObject'], Resource: [objectResource(config.bucket, allUsersPattern(config))] }],
  };
}

/** The `sts-token` function role: AssumeRole on the one upload role. */
export function stsTokenRolePolicy(uploadRoleArn: string): PolicyDocument {
  return { Version: '1', Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: [uploadRoleArn] }] };
}

/** The upload role trusts only the `sts-token` function's role. */
export function uploadRoleTrustPolicy(stsTokenFunctionRoleArn: string): object {
  return { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [stsTokenFunctionRoleArn] } }] };
}

/** Each function's own role is assumed by Function Compute, which hands its credentials to the handler. */
export function functionRoleTrustPolicy(): object {
  return { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['fc.aliyuncs.com'] } }] };
}

export interface CorsRule {
  allowedOrigins: string[];
  allowedMethods: string[];
  allowedHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds: number;
}

/** Browsers upload straight to the bucket: its CORS rule must allow our origins and expose ETag (multipart needs it). */
export function bucketCorsRule(config: Pick<Config, 'allowedOrigins'>): CorsRule {
  return {
    allowedOrigins: [...config.allowedOrigins],
    allowedMethods: ['PUT', 'POST', 'GET', 'HEAD'],
    allowedHeaders: ['*'],
    exposeHeaders: ['ETag', 'x-oss-request-id'],
    maxAgeSeconds: 600,
  };
}

export function bucketCorsXml(rule: CorsRule): string {
  const list = (tag: string, values: readonly string[]): string => values.map((value) => `<${tag}>${escapeXml(value)}</${tag}>`).join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<CORSConfiguration><CORSRule>' +
    list('AllowedOrigin', rule.allowedOrigins) +
    list('AllowedMethod', rule.allowedMethods) +
    list('AllowedHeader', rule.allowedHeaders) +
    list('ExposeHeader', rule.exposeHeaders) +
    `<MaxAgeSeconds>${rule.maxAgeSeconds}</MaxAgeSeconds></CORSRule><ResponseVary>true</ResponseVary></CORSConfiguration>`
  );
}

/** Parts of abandoned multipart uploads cost storage until aborted: OSS aborts them after this many days. */
export const ABORT_MULTIPART_AFTER_DAYS = 3;

export function lifecycleXml(config: Pick<Config, 'uploadPrefix'>): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<LifecycleConfiguration><Rule><ID>abort-incomplete-multipart-uploads</ID>' +
    `<Prefix>${escapeXml(config.uploadPrefix.before)}</Prefix><Status>Enabled</Status>` +
    `<AbortMultipartUpload><Days>${ABORT_MULTIPART_AFTER_DAYS}</Days></AbortMultipartUpload></Rule></LifecycleConfiguration>`
  );
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface DeploymentRoles {
  uploadRoleArn: string;
  signUrlFunctionRoleArn: string;
  stsTokenFunctionRoleArn: string;
}

/** Everything a deployer must create, in one object: `npm run policies` prints it. */
export function deploymentPolicies(config: Config, roles: DeploymentRoles): Record<string, unknown> {
  return {
    uploadRole: {
      arn: roles.uploadRoleArn,
      trustPolicy: uploadRoleTrustPolicy(roles.stsTokenFunctionRoleArn),
      permissionPolicy: uploadRolePolicy(config),
      maxSessionDurationSeconds: Math.max(3600, config.sts?.durationSeconds ?? 900),
    },
    stsTokenFunctionRole: {
      arn: roles.stsTokenFunctionRoleArn,
      trustPolicy: functionRoleTrustPolicy(),
      permissionPolicy: stsTokenRolePolicy(roles.uploadRoleArn),
    },
    signUrlFunctionRole: {
      arn: roles.signUrlFunctionRoleArn,
      trustPolicy: functionRoleTrustPolicy(),
      permissionPolicy: signUrlRolePolicy(config),
    },
    bucketCors: { rule: bucketCorsRule(config), xml: bucketCorsXml(bucketCorsRule(config)) },
    bucketLifecycle: {
      abortIncompleteMultipartUploadsAfterDays: ABORT_MULTIPART_AFTER_DAYS,
      prefix: config.uploadPrefix.before,
      xml: lifecycleXml(config),
    },
  };
}
