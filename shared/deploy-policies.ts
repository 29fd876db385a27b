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
  return { Version: '1', Statement: [{ Effect: 'Allow', Action: [...SESSION_ACTIONS], Resource: [objectResource(config.bucket, allUsersPattern(config))] }] };
}

/** The `sign-url` function role: it only signs uploads. */
export function signUrlRolePolicy(config: Pick<Config, 'bucket' | 'uploadPrefix'>): PolicyDocument {
  return { Version: '1', Statement: [{ Effect: 'Allow', Action: ['oss:PutObject'], Resource: [objectResource(config.bucket, allUsersPattern(config))] }] };
}

/** The `sts-token` function role: AssumeRole on the one upload role. */
export function stsTokenRolePolicy(uploadRoleArn: string): PolicyDocument {
  return { Version: '1', Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: [uploadRoleArn] }] };
}
