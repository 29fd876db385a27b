/**
 * The bucket's overwrite protection (OSS PutBucketOverwriteConfig, docs/oss-facts.md): a `forbid` rule over the static part
 * of UPLOAD_PREFIX, so no object under any user's prefix can be replaced by anyone, whatever the request says. It
 * is what makes "an upload never replaces an object" hold for STS credentials, which choose their own headers: OSS
 * has no RAM condition key for `x-oss-forbid-overwrite` (its documented keys are `acs:*` and `oss:x-oss-acl`,
 * `oss:x-oss-object-acl`, `oss:Prefix`, `oss:Delimiter`, tags), so a session policy cannot demand the header.
 */
import type { DeploymentConfig } from './policies';

export interface OverwriteRule {
  id: string;
  /** Only `forbid` exists. */
  action: 'forbid';
  /** A literal prefix (OSS treats `*` as a character here); never empty, so the rule never covers the whole bucket. */
  prefix: string;
}

export const UPLOAD_OVERWRITE_RULE_ID = 'forbid-overwrite-user-uploads';

/** No Principals: the rule binds every caller, the account owner and the functions' roles included. */
export function uploadOverwriteRule(config: Pick<DeploymentConfig, 'uploadPrefix'>): OverwriteRule {
  return { id: UPLOAD_OVERWRITE_RULE_ID, action: 'forbid', prefix: config.uploadPrefix.before };
}

/** The PutBucketOverwriteConfig body. It replaces the bucket's whole configuration: merge any rules of your own. */
export function overwriteConfigurationXml(rules: readonly OverwriteRule[]): string {
  const escape = (value: string): string => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<OverwriteConfiguration>' +
    rules
      .map((rule) => `<Rule><ID>${escape(rule.id)}</ID><Action>${rule.action}</Action><Prefix>${escape(rule.prefix)}</Prefix></Rule>`)
      .join('') +
    '</OverwriteConfiguration>'
  );
}
