/**
 * What a deployer creates in RAM and on the bucket, derived from the same rules the functions use: the upload
 * role that STS credentials are vended from, each function's role (its manifest states, as data, what it may and
 * may not do; this module turns that into RAM policies), the bucket's CORS and lifecycle rules. `npm run policies`
 * prints them; the local stack grants exactly these.
 */
import type { FunctionManifest, Refusal, ResourceKind, RolePermissions } from '../functions/manifest';
import {
  completionSection,
  composeSections,
  originsSection,
  uploadSection,
  verdictSection,
  type ConfigOf,
  type ConfigSection,
} from '../shared/config/sections';
import { objectResource, SESSION_ACTIONS, type PolicyDocument, type PolicyStatement } from '../shared/upload/session-policy';
import { denyPublicObjectAcl } from '../shared/upload/stored-object';
import { hasQuota } from '../shared/upload/quota';
import { STS_FOLDER } from '../shared/upload/sts-folder';
import { usageFolderOf } from '../shared/upload/usage-record';
import { VERDICT_RECORD_DAYS } from '../shared/upload/verdict-record';
import { overwriteConfigurationXml, uploadOverwriteRule } from './overwrite-protection';

/** The lifetime of vended credentials, which bounds the upload role's maximum session. */
const stsDurationSection: ConfigSection<{ sts: { durationSeconds: number } }> = {
  build: (read) => ({ sts: { durationSeconds: read('STS_DURATION_SECONDS') } }),
};

/**
 * What the policies are derived from: the deployment's bucket, prefix, origins, credential lifetime, quarantine and
 * verdicts' folder.
 * Neither the upload role's ARN nor the callers' authentication: the stack creates the one, and the other is no
 * business of RAM or the bucket.
 */
export const deploymentConfig = composeSections(uploadSection, originsSection, stsDurationSection, completionSection, verdictSection);
export type DeploymentConfig = ConfigOf<typeof deploymentConfig>;
type Config = DeploymentConfig;

/** Everything any user's prefix can be: the static part of UPLOAD_PREFIX before `{user}`. */
export function allUsersPattern(config: Pick<Config, 'uploadPrefix'>): string {
  return `${config.uploadPrefix.before}*`;
}

/** A policy of one statement: these actions on these resources. */
export function allowPolicy(actions: string[], resources: string[]): PolicyDocument {
  return { Version: '1', Statement: [{ Effect: 'Allow', Action: actions, Resource: resources }] };
}

/**
 * Every user's STS folder of each profile that allows STS: `<before>*<after><profile>/sts/*` (`<before>*<after>sts/*`
 * without a profiles file); the session policy narrows it to one user and one profile.
 */
export function allUsersStsPatterns(config: Pick<Config, 'uploadPrefix' | 'profiles'>): string[] {
  return config.profiles.list
    .filter((profile) => profile.methods.includes('STS'))
    .map((profile) => `${config.uploadPrefix.before}*${config.uploadPrefix.after}${profile.folder}${STS_FOLDER}*`);
}

/**
 * The upload role's permissions: the session policy's actions, over every user's STS folders. With no profile that
 * allows STS, a role that may do nothing (the stack and sts-token still name it; sts-token refuses every request).
 */
export function uploadRolePolicy(config: Pick<Config, 'bucket' | 'uploadPrefix' | 'profiles'>): PolicyDocument {
  const folders = allUsersStsPatterns(config).map((pattern) => objectResource(config.bucket, pattern));
  if (folders.length === 0) return { Version: '1', Statement: [{ Effect: 'Deny', Action: ['oss:*'], Resource: ['*'] }] };
  const policy = allowPolicy([...SESSION_ACTIONS], folders);
  // STS credentials send their own headers: the role itself refuses any that would make an object public.
  return { ...policy, Statement: [...policy.Statement, denyPublicObjectAcl(folders)] };
}

/**
 * The ARNs of a kind of resource a manifest names (functions/manifest.ts), in this deployment: none for a
 * quarantine the deployment does not have.
 */
export function resourceArns(
  kind: ResourceKind,
  config: Pick<Config, 'bucket' | 'uploadPrefix' | 'quarantinePrefix' | 'verdictPrefix' | 'profiles'>,
  roles: Pick<DeploymentRoles, 'uploadRoleArn'>,
): string[] {
  switch (kind) {
    case 'uploads':
      return [objectResource(config.bucket, allUsersPattern(config))];
    case 'uploads-listing':
      return [`acs:oss:*:*:${config.bucket}`];
    case 'quota-listing':
      // Quotas are counted by listing; without a quota nothing lists for them.
      return config.profiles.list.some(hasQuota) ? [`acs:oss:*:*:${config.bucket}`] : [];
    case 'usage-records':
      return config.profiles.list.some(hasQuota) ? [objectResource(config.bucket, `${usageFolderOf(config.uploadPrefix)}*`)] : [];
    case 'quarantine':
      return config.quarantinePrefix === undefined ? [] : [objectResource(config.bucket, `${config.quarantinePrefix}*`)];
    case 'upload-role':
      return [roles.uploadRoleArn];
    case 'bucket':
      return [`acs:oss:*:*:${config.bucket}`];
    case 'verdicts':
      return [objectResource(config.bucket, `${config.verdictPrefix}*`)];
  }
}

const REFUSALS: Readonly<Record<Refusal['refuse'], (resources: readonly string[]) => PolicyStatement>> = {
  'public-object-acl': denyPublicObjectAcl,
};

/**
 * A function role's permission policy, from its manifest's needs: one Allow statement per grant, then one Deny per
 * refusal, in the manifest's order. A statement on a resource the deployment does not have is left out (RAM
 * refuses a statement without resources).
 */
export function functionRolePolicy(
  manifest: { permissions: RolePermissions },
  config: Pick<Config, 'bucket' | 'uploadPrefix' | 'quarantinePrefix' | 'verdictPrefix' | 'profiles'>,
  roles: Pick<DeploymentRoles, 'uploadRoleArn'> & Partial<DeploymentRoles>,
): PolicyDocument {
  const { allow, deny = [] } = manifest.permissions;
  const statements: PolicyStatement[] = [];
  for (const { actions, resource } of allow) {
    const arns = resourceArns(resource, config, roles);
    if (arns.length === 0) continue;
    // Listing is an action on the bucket: confined to the users' folder by the prefix asked for (oss:Prefix, docs/oss-facts.md).
    const condition =
      resource === 'uploads-listing' || resource === 'quota-listing'
        ? { Condition: { StringLike: { 'oss:Prefix': [allUsersPattern(config)] } } }
        : {};
    statements.push({ Effect: 'Allow', Action: [...actions], Resource: arns, ...condition });
  }
  for (const { refuse, resource } of deny) {
    const arns = resourceArns(resource, config, roles);
    if (arns.length > 0) statements.push(REFUSALS[refuse](arns));
  }
  return { Version: '1', Statement: statements };
}

/** The upload role's maximum session: STS refuses a DurationSeconds above it (RAM's default is 3600). */
export function uploadRoleMaxSessionSeconds(config: Pick<Config, 'sts'>): number {
  return Math.max(3600, config.sts.durationSeconds);
}

/** The upload role trusts only the function roles whose policies let them assume it. */
export function uploadRoleTrustPolicy(assumingRoleArns: string[]): object {
  return { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: assumingRoleArns } }] };
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

/**
 * Browsers upload straight to the bucket: its CORS rule must allow our origins and expose ETag (multipart needs
 * it) and Location (PostObject's answer header: the object's URL, which Uppy-like clients report).
 */
export function bucketCorsRule(config: Pick<Config, 'allowedOrigins'>): CorsRule {
  return {
    allowedOrigins: [...config.allowedOrigins],
    allowedMethods: ['PUT', 'POST', 'GET', 'HEAD'],
    allowedHeaders: ['*'],
    exposeHeaders: ['ETag', 'Location', 'x-oss-request-id'],
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

/** The lifecycle rule's ID, on a bucket the stack creates and on an existing one alike. */
export const LIFECYCLE_RULE_ID = 'abort-incomplete-multipart-uploads';

/** The rule that deletes upload-completed's verdict records once the uploader has had time to ask (VERDICT_RECORD_DAYS). */
export const VERDICT_LIFECYCLE_RULE_ID = 'expire-upload-verdicts';

export function lifecycleXml(config: Pick<Config, 'uploadPrefix' | 'verdictPrefix'>): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<LifecycleConfiguration><Rule><ID>${LIFECYCLE_RULE_ID}</ID>` +
    `<Prefix>${escapeXml(config.uploadPrefix.before)}</Prefix><Status>Enabled</Status>` +
    `<AbortMultipartUpload><Days>${ABORT_MULTIPART_AFTER_DAYS}</Days></AbortMultipartUpload></Rule>` +
    `<Rule><ID>${VERDICT_LIFECYCLE_RULE_ID}</ID><Prefix>${escapeXml(config.verdictPrefix)}</Prefix><Status>Enabled</Status>` +
    `<Expiration><Days>${VERDICT_RECORD_DAYS}</Days></Expiration></Rule></LifecycleConfiguration>`
  );
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface DeploymentRoles {
  uploadRoleArn: string;
  /** Each function's own role, by function name. */
  functionRoleArns: Readonly<Record<string, string>>;
  /** The role OSS assumes to invoke each OSS-triggered function, by function name. */
  triggerRoleArns?: Readonly<Record<string, string>>;
  /** Each deployed function's ARN (`acs:fc:<region>:<account>:functions/<name>`), by function name: what its trigger role may invoke. */
  functionArns: Readonly<Record<string, string>>;
}

/**
 * What `deploymentPolicies` needs of each function's manifest: its name, its trigger (`oss`: OSS invokes it through
 * a trigger role of its own) and its role's needs.
 */
export type FunctionRole = Pick<FunctionManifest, 'name' | 'trigger' | 'permissions'>;

/** `sign-url` → `signUrlTriggerRole`. */
export function triggerRoleKey(name: string): string {
  return functionRoleKey(name).replace(/FunctionRole$/, 'TriggerRole');
}

/** The role OSS assumes to invoke one function: trusted by OSS only, allowed to invoke that function only. */
export function triggerRole(functionArn: string, arn: string): { arn: string; trustPolicy: object; permissionPolicy: PolicyDocument } {
  return {
    arn,
    trustPolicy: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['oss.aliyuncs.com'] } }] },
    permissionPolicy: allowPolicy(['fc:InvokeFunction'], [functionArn]),
  };
}

/** `sign-url` → `signUrlFunctionRole`. */
export function functionRoleKey(name: string): string {
  return `${name.replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase())}FunctionRole`;
}

function allowsAssumeRole(policy: PolicyDocument, roleArn: string): boolean {
  return policy.Statement.some(
    (statement) => statement.Effect === 'Allow' && statement.Action.includes('sts:AssumeRole') && statement.Resource.includes(roleArn),
  );
}

/** Everything a deployer must create, in one object: `npm run policies` prints it. */
export function deploymentPolicies(config: Config, roles: DeploymentRoles, functions: readonly FunctionRole[]): Record<string, unknown> {
  const functionRoles = functions.map((fn) => ({
    fn,
    arn: roles.functionRoleArns[fn.name] ?? '',
    policy: functionRolePolicy(fn, config, roles),
  }));
  const assumers = functionRoles.filter(({ policy }) => allowsAssumeRole(policy, roles.uploadRoleArn)).map(({ arn }) => arn);
  return {
    uploadRole: {
      arn: roles.uploadRoleArn,
      trustPolicy: uploadRoleTrustPolicy(assumers),
      permissionPolicy: uploadRolePolicy(config),
      maxSessionDurationSeconds: uploadRoleMaxSessionSeconds(config),
    },
    ...Object.fromEntries(
      functionRoles.map(({ fn, arn, policy }) => [
        functionRoleKey(fn.name),
        { arn, trustPolicy: functionRoleTrustPolicy(), permissionPolicy: policy },
      ]),
    ),
    ...Object.fromEntries(
      functionRoles
        .filter(({ fn }) => fn.trigger === 'oss')
        .map(({ fn }) => [triggerRoleKey(fn.name), triggerRole(roles.functionArns[fn.name] ?? '', roles.triggerRoleArns?.[fn.name] ?? '')]),
    ),
    bucketCors: { rule: bucketCorsRule(config), xml: bucketCorsXml(bucketCorsRule(config)) },
    bucketLifecycle: {
      abortIncompleteMultipartUploadsAfterDays: ABORT_MULTIPART_AFTER_DAYS,
      prefix: config.uploadPrefix.before,
      verdictRecordsExpireAfterDays: VERDICT_RECORD_DAYS,
      verdictPrefix: config.verdictPrefix,
      xml: lifecycleXml(config),
    },
    bucketOverwriteProtection: {
      rule: uploadOverwriteRule(config, roles.uploadRoleArn),
      xml: overwriteConfigurationXml([uploadOverwriteRule(config, roles.uploadRoleArn)]),
    },
  };
}
