/**
 * AssumeRole: validate the parameters with STS's own error codes, check the caller may assume the role,
 * and issue credentials whose permissions are the role policy intersected with the session policy.
 */
import { randomInt } from 'node:crypto';
import type { FoundCredential } from '../emulator-accounts';
import { parsePolicyDocument, type PolicyDocument } from '../ram-policy';
import { stsErrors } from './errors';
import { isoSeconds, type SessionStore } from './sessions';

export const DEFAULT_DURATION_SECONDS = 3600;
export const MIN_DURATION_SECONDS = 900;
/** RAM lets a role's maximum session duration range from 1 to 12 hours. */
export const MAX_ROLE_SESSION_SECONDS = 43200;
export const MAX_POLICY_LENGTH = 2048;

const ROLE_ARN = /^acs:ram::(\d+):role\/([A-Za-z0-9._-]{1,64})$/;
const SESSION_NAME = /^[A-Za-z0-9.@_-]{2,64}$/;

export interface RoleEntry {
  arn: string;
  accountId: string;
  roleName: string;
  /** Stable per role, like RAM's numeric role id. */
  roleId: string;
  policy: PolicyDocument;
  maxSessionDurationSeconds: number;
}

export function parseRoleArn(arn: string): { accountId: string; roleName: string } | undefined {
  const match = ROLE_ARN.exec(arn);
  if (match === null) return undefined;
  return { accountId: match[1] ?? '', roleName: match[2] ?? '' };
}

/** Parses `DurationSeconds` the way it is recorded and checked: absent → 3600, not an integer → NaN. */
export function durationParam(params: ReadonlyMap<string, string>): number {
  const raw = params.get('DurationSeconds');
  if (raw === undefined) return DEFAULT_DURATION_SECONDS;
  return /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
}

export interface AssumeRoleDeps {
  roles: ReadonlyMap<string, RoleEntry>;
  sessions: SessionStore;
  caller: FoundCredential;
  now: Date;
  requestId: string;
}

export function assumeRole(params: ReadonlyMap<string, string>, deps: AssumeRoleDeps): unknown {
  const roleArn = params.get('RoleArn');
  if (roleArn === undefined || roleArn === '') throw stsErrors.missingRoleArn();
  if (parseRoleArn(roleArn) === undefined) throw stsErrors.roleArn();

  const sessionName = params.get('RoleSessionName');
  if (sessionName === undefined || sessionName === '') throw stsErrors.missingRoleSessionName();
  if (!SESSION_NAME.test(sessionName)) throw stsErrors.roleSessionName();

  const duration = durationParam(params);
  if (!Number.isInteger(duration) || duration < MIN_DURATION_SECONDS) throw stsErrors.durationSeconds(DEFAULT_DURATION_SECONDS);

  const sessionPolicy = parseSessionPolicy(params.get('Policy'));

  // Permission before existence, so a caller cannot probe which roles exist.
  if (!deps.caller.isAllowed('sts:AssumeRole', roleArn, {})) throw stsErrors.noPermission();
  const role = deps.roles.get(roleArn);
  if (role === undefined) throw stsErrors.roleNotFound();
  if (duration > role.maxSessionDurationSeconds) throw stsErrors.durationSeconds(role.maxSessionDurationSeconds);

  // Whole seconds, so the Expiration we print is exactly when the credentials stop working.
  const expiration = new Date(Math.floor(deps.now.getTime() / 1000) * 1000 + duration * 1000);
  const policies = sessionPolicy === undefined ? [role.policy] : [role.policy, sessionPolicy];
  const session = deps.sessions.issue(
    policies,
    expiration,
    deps.now,
    `arn:sts::${role.accountId}:assumed-role/${role.roleName}/${sessionName}`,
  );
  return {
    RequestId: deps.requestId,
    AssumedRoleUser: {
      Arn: `acs:ram::${role.accountId}:assumed-role/${role.roleName}/${sessionName}`,
      AssumedRoleId: `${role.roleId}:${sessionName}`,
    },
    Credentials: {
      AccessKeyId: session.accessKeyId,
      AccessKeySecret: session.accessKeySecret,
      SecurityToken: session.securityToken,
      Expiration: isoSeconds(expiration),
    },
  };
}

/**
 * An absent Policy means "the role's permissions". An empty one is refused rather than read as absent:
 * a caller that meant to narrow the session must not silently get the whole role (real STS: unconfirmed).
 */
function parseSessionPolicy(policy: string | undefined): PolicyDocument | undefined {
  if (policy === undefined) return undefined;
  if (policy.length > MAX_POLICY_LENGTH) throw stsErrors.policySize();
  const parsed = parsePolicyDocument(policy);
  if (!parsed.ok) throw stsErrors.policyGrammar(parsed.message);
  return parsed.policy;
}

export function newRoleId(): string {
  // 17 digits like RAM role ids; randomInt's bound is 2^48, so build it from two halves.
  return `3${String(randomInt(10 ** 8)).padStart(8, '0')}${String(randomInt(10 ** 8)).padStart(8, '0')}`;
}
