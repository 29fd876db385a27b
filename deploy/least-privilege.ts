/**
 * The template's roles held to least privilege, independently of how they were built: no wildcard action or
 * resource allowed (a Deny of everything is fine: the upload role when no profile allows STS), OSS grants only under
 * the upload prefix, the quarantine, the verdicts' folder or the usage records of profile quotas, listing the bucket
 * only under the upload prefix, each function role exactly its manifest's needs, and each role trusted by exactly
 * whom it must be (FC; sts-token's role; OSS).
 */
import type { FunctionManifest } from '../functions/manifest';
import { hasQuota } from '../shared/upload/quota';
import { objectResource } from '../shared/upload/session-policy';
import { usageFolderOf } from '../shared/upload/usage-record';
import { allUsersPattern, functionRolePolicy, type DeploymentConfig } from './policies';
import { logicalIds, stackRoles, type RosTemplate, type RosValue } from './ros-template';
import { deploymentNames, type DeployOptions } from './deployment';

interface Statement {
  Effect: string;
  Action: string[];
  Resource: RosValue[];
  Condition?: unknown;
}

const text = (value: RosValue): string =>
  typeof value === 'string'
    ? value
    : typeof value === 'object' && !Array.isArray(value) && 'Fn::Sub' in value
      ? String(value['Fn::Sub'])
      : '';

function roleDocuments(template: RosTemplate, id: string): { trust: Record<string, unknown>; statements: Statement[] } | undefined {
  const resource = template.Resources[id];
  if (resource?.Type !== 'ALIYUN::RAM::Role') return undefined;
  const policies = (resource.Properties['Policies'] ?? []) as unknown as Array<{ PolicyDocument: { Statement: Statement[] } }>;
  return {
    trust: resource.Properties['AssumeRolePolicyDocument'] as Record<string, unknown>,
    statements: policies.flatMap((policy) => policy.PolicyDocument.Statement),
  };
}

/** The one principal a trust policy names, as `kind value` lines. */
function principals(trust: Record<string, unknown>): string[] {
  const statements = (trust['Statement'] ?? []) as Array<{ Principal: Record<string, RosValue[]> }>;
  return statements.flatMap((statement) =>
    Object.entries(statement.Principal).flatMap(([kind, values]) => values.map((value) => `${kind} ${JSON.stringify(value)}`)),
  );
}

/** The bucket-level actions a role may be granted on the bucket itself. */
const BUCKET_ACTIONS: ReadonlySet<string> = new Set(['oss:ListMultipartUploads']);

export function leastPrivilegeProblems(
  template: RosTemplate,
  input: { config: DeploymentConfig; options: DeployOptions; functions: readonly FunctionManifest[] },
): string[] {
  const { config, functions } = input;
  const problems: string[] = [];
  const allowedOss = [objectResource(config.bucket, allUsersPattern(config))];
  if (config.quarantinePrefix !== undefined) allowedOss.push(objectResource(config.bucket, `${config.quarantinePrefix}*`));
  allowedOss.push(objectResource(config.bucket, `${config.verdictPrefix}*`));
  if (config.profiles.list.some(hasQuota)) allowedOss.push(objectResource(config.bucket, `${usageFolderOf(config.uploadPrefix)}*`));
  // Listing the bucket, only ever the users' folders (sign-url's VERDICT looks one key up; quotas are counted).
  const usersListing = JSON.stringify({ StringLike: { 'oss:Prefix': [allUsersPattern(config)] } });
  const bucketArn = `acs:oss:*:*:${config.bucket}`;
  const within = (resource: string): boolean =>
    allowedOss.some((allowed) => resource === allowed || (resource.startsWith(allowed.slice(0, -1)) && !resource.includes('..')));

  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'ALIYUN::RAM::Role') continue;
    for (const statement of roleDocuments(template, id)?.statements ?? []) {
      const allows = statement.Effect === 'Allow';
      for (const action of statement.Action) {
        if (allows && (action === '*' || action.endsWith(':*'))) problems.push(`${id}: a statement grants every action (${action})`);
      }
      for (const value of statement.Resource) {
        const arn = text(value);
        if (allows && (arn === '*' || arn === '')) problems.push(`${id}: a statement applies to every resource`);
        // On the bucket itself only listing the unfinished multipart uploads (sign-url counts a user's with a prefix),
        // and listing objects under the upload prefix alone.
        const bucketListing =
          arn === bucketArn &&
          (statement.Action.every((action) => BUCKET_ACTIONS.has(action)) ||
            (statement.Action.every((action) => action === 'oss:ListObjects') && JSON.stringify(statement.Condition) === usersListing));
        if (statement.Effect === 'Allow' && arn.startsWith('acs:oss:') && !within(arn) && !bucketListing) {
          problems.push(`${id}: allows OSS actions on ${arn}, outside the upload prefix, the quarantine and the verdicts' folder`);
        }
      }
    }
  }

  const roles = stackRoles(input, deploymentNames(input.options.deployName));
  const fcOnly = [`Service ${JSON.stringify('fc.aliyuncs.com')}`];
  const ossOnly = [`Service ${JSON.stringify('oss.aliyuncs.com')}`];
  const assumers: string[] = [];
  for (const fn of functions) {
    const id = logicalIds.functionRole(fn.name);
    const documents = roleDocuments(template, id);
    if (documents === undefined) {
      problems.push(`${fn.name}: the template has no role ${id}`);
      continue;
    }
    if (JSON.stringify(principals(documents.trust)) !== JSON.stringify(fcOnly))
      problems.push(`${id}: must be trusted by Function Compute only`);
    // Exactly the manifest's needs, statement for statement (ARNs spelt out as the template spells them).
    const expected = functionRolePolicy(fn, config, roles).Statement;
    const actual = documents.statements.map((statement) => ({ ...statement, Resource: statement.Resource.map(text) }));
    if (JSON.stringify(actual) !== JSON.stringify(expected))
      problems.push(`${id}: its policy is not exactly what ${fn.name}'s manifest asks for`);
    if (expected.some((statement) => statement.Effect === 'Allow' && statement.Action.includes('sts:AssumeRole'))) {
      assumers.push(`RAM ${JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] })}`);
    }
    if (fn.trigger === 'oss') {
      const triggerId = logicalIds.triggerRole(fn.name);
      const trigger = roleDocuments(template, triggerId);
      const functionArn = roles.functionArns[fn.name] ?? '';
      if (trigger === undefined) {
        problems.push(`${fn.name}: the template has no trigger role ${triggerId}`);
      } else {
        if (JSON.stringify(principals(trigger.trust)) !== JSON.stringify(ossOnly))
          problems.push(`${triggerId}: must be trusted by OSS only`);
        const grants = trigger.statements.map((statement) => [statement.Effect, statement.Action, statement.Resource.map(text)]);
        if (JSON.stringify(grants) !== JSON.stringify([['Allow', ['fc:InvokeFunction'], [functionArn]]])) {
          problems.push(`${triggerId}: may only invoke ${functionArn}`);
        }
      }
    }
  }
  const upload = roleDocuments(template, logicalIds.uploadRole);
  if (upload === undefined) problems.push(`the template has no ${logicalIds.uploadRole}`);
  else if (JSON.stringify(principals(upload.trust)) !== JSON.stringify(assumers)) {
    problems.push(`${logicalIds.uploadRole}: must be trusted by exactly the roles allowed to assume it (${assumers.join(', ')})`);
  }
  return problems;
}
