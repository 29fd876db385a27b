/**
 * The STS session policy, built as data from the same upload rules as sign-url: upload actions only, in the
 * user's STS folder only (`<prefix>sts/`, where sign-url never issues a key). Measured against STS's
 * 2048-character limit when built.
 */
import type { UploadRules } from './rules';
import { stsUploadPrefix } from './sts-folder';

export const STS_POLICY_MAX_LENGTH = 2048;
/** PutObject covers PostObject and every multipart step but abort and list (docs/oss-facts.md). */
export const SESSION_ACTIONS = ['oss:PutObject', 'oss:AbortMultipartUpload', 'oss:ListParts'] as const;

export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: string[];
  /** Operator → condition key → values (RAM's grammar); every key must be one the storage evaluates. */
  Condition?: Record<string, Record<string, string[]>>;
}

export interface PolicyDocument {
  Version: '1';
  Statement: PolicyStatement[];
}

export function objectResource(bucket: string, keyPattern: string): string {
  return `acs:oss:*:*:${bucket}/${keyPattern}`;
}

export function sessionPolicyFor(rules: Pick<UploadRules, 'bucket' | 'prefix'>): PolicyDocument {
  if (rules.prefix === '' || !rules.prefix.endsWith('/') || /[*?]/.test(rules.prefix)) {
    // Never reached with a valid configuration; refuse rather than ever widen the policy.
    throw new Error('session policy prefix must be non-empty, end with / and hold no wildcard');
  }
  return {
    Version: '1',
    Statement: [
      { Effect: 'Allow', Action: [...SESSION_ACTIONS], Resource: [objectResource(rules.bucket, `${stsUploadPrefix(rules.prefix)}*`)] },
    ],
  };
}

/** The serialised policy, or the reason it cannot be sent. */
export function serialisePolicy(policy: PolicyDocument): { ok: true; json: string } | { ok: false; problem: string } {
  const json = JSON.stringify(policy);
  if (json.length > STS_POLICY_MAX_LENGTH) {
    return { ok: false, problem: `the STS session policy is ${json.length} characters, over STS's limit of ${STS_POLICY_MAX_LENGTH}` };
  }
  return { ok: true, json };
}
