/**
 * The bucket's overwrite protection (OSS PutBucketOverwriteConfig, docs/oss-facts.md): a `forbid` rule over the static part
 * of UPLOAD_PREFIX, so no object under any user's prefix can be replaced by anyone, whatever the request says. It
 * is what makes "an upload never replaces an object" hold for STS credentials, which choose their own headers: OSS
 * has no RAM condition key for `x-oss-forbid-overwrite` (its documented keys are `acs:*` and `oss:x-oss-acl`,
 * `oss:x-oss-object-acl`, `oss:Prefix`, `oss:Delimiter`, tags), so a session policy cannot demand the header.
 *
 * A fixed-key profile (an avatar) is the one place an upload replaces an object, and a rule is only a literal prefix
 * and suffix, which cannot leave out one key in the middle of every user's prefix. With such a profile the rule
 * binds the STS sessions of the upload role only (its `Principals`, which match as a bucket policy's do): STS
 * credentials still never replace anything, and sign-url's own uploads are held by the header it signs or pins on
 * each of them, `true` everywhere but on the fixed key (docs/upload-profiles.md says what this leaves to whom).
 */
import type { UploadProfiles } from '../shared/upload/profiles';
import type { DeploymentConfig } from './policies';

export interface OverwriteRule {
  id: string;
  /** Only `forbid` exists. */
  action: 'forbid';
  /** A literal prefix (OSS treats `*` as a character here); never empty, so the rule never covers the whole bucket. */
  prefix: string;
  /** Whose writes the rule binds; everyone's when absent. */
  principals?: readonly string[];
}

export const UPLOAD_OVERWRITE_RULE_ID = 'forbid-overwrite-user-uploads';

/** Whether some profile has one fixed key per user, which its uploads replace. */
export function hasFixedKeys(profiles: UploadProfiles): boolean {
  return profiles.list.some((profile) => profile.key === 'fixed');
}

/**
 * Every session of a role, as a bucket policy (and so an overwrite rule) names it:
 * `acs:ram::<account>:role/<name>` → `arn:sts::<account>:assumed-role/<name>/*`.
 */
export function assumedRolePrincipal(roleArn: string): string {
  const match = /^acs:ram::(.+):role\/(.+)$/.exec(roleArn);
  if (match === null) throw new Error(`not a role ARN: ${roleArn}`);
  return `arn:sts::${match[1]}:assumed-role/${match[2]}/*`;
}

/**
 * No Principals: the rule binds every caller, the account owner and the functions' roles included. With a fixed-key
 * profile: the upload role's sessions (STS credentials) only.
 */
export function uploadOverwriteRule(config: Pick<DeploymentConfig, 'uploadPrefix' | 'profiles'>, uploadRoleArn: string): OverwriteRule {
  const rule: OverwriteRule = { id: UPLOAD_OVERWRITE_RULE_ID, action: 'forbid', prefix: config.uploadPrefix.before };
  return hasFixedKeys(config.profiles) ? { ...rule, principals: [assumedRolePrincipal(uploadRoleArn)] } : rule;
}

/** The PutBucketOverwriteConfig body. It replaces the bucket's whole configuration: merge any rules of your own. */
export function overwriteConfigurationXml(rules: readonly OverwriteRule[]): string {
  const escape = (value: string): string => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const principals = (rule: OverwriteRule): string =>
    rule.principals === undefined
      ? ''
      : `<Principals>${rule.principals.map((principal) => `<Principal>${escape(principal)}</Principal>`).join('')}</Principals>`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<OverwriteConfiguration>' +
    rules
      .map(
        (rule) =>
          `<Rule><ID>${escape(rule.id)}</ID><Action>${rule.action}</Action><Prefix>${escape(rule.prefix)}</Prefix>${principals(rule)}</Rule>`,
      )
      .join('') +
    '</OverwriteConfiguration>'
  );
}
