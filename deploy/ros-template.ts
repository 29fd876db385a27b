/**
 * The ROS template `s deploy` hands to the `ros` component: every RAM role with its trust and its policy, and the
 * bucket's settings, built from the registry and the manifests by the same functions `npm run policies` prints
 * (deploymentPolicies), so the two cannot disagree. Plain objects, written in the keys of ROS's resource reference
 * (docs/deploy.md, "What the stack holds"); deploy/ros-check.ts checks them against that reference.
 *
 * ARNs: a role's ARN in a trust policy is the role's `Fn::GetAtt Arn` (so the trusted role exists first); anywhere
 * else, ARNs are spelt out with `${ALIYUN::AccountId}` under `Fn::Sub` (the upload role trusts sts-token's role,
 * whose policy names the upload role: GetAtt both ways would be a cycle).
 */
import type { FunctionManifest } from '../functions/manifest';
import { VERDICT_RECORD_DAYS } from '../shared/upload/verdict-record';
import { deploymentNames, type DeployOptions, type DeploymentNames } from './deployment';
import { uploadOverwriteRule } from './overwrite-protection';
import {
  ABORT_MULTIPART_AFTER_DAYS,
  bucketCorsRule,
  deploymentPolicies,
  functionRoleKey,
  LIFECYCLE_RULE_ID,
  VERDICT_LIFECYCLE_RULE_ID,
  triggerRoleKey,
  type DeploymentConfig,
  type DeploymentRoles,
} from './policies';

export type RosValue = string | number | boolean | readonly RosValue[] | { readonly [key: string]: RosValue };

export interface RosResource {
  Type: string;
  Properties: Record<string, RosValue>;
  DependsOn?: string[];
  /** `Retain`: deleting the stack (or the resource from it) leaves the resource in place. */
  DeletionPolicy?: 'Retain' | 'Delete';
}

export interface RosTemplate {
  ROSTemplateFormatVersion: '2015-09-01';
  Description: string;
  Resources: Record<string, RosResource>;
  Outputs: Record<string, { Description: string; Value: RosValue }>;
}

/** What the template is built from. */
export interface TemplateInput {
  config: DeploymentConfig;
  options: DeployOptions;
  functions: readonly Pick<FunctionManifest, 'name' | 'trigger' | 'permissions'>[];
}

/** The account, as ROS substitutes it when the stack is created. */
export const ACCOUNT = '${ALIYUN::AccountId}';
/** How long the stack waits after creating the roles, so that FC and OSS find them usable (RAM is eventually consistent). */
export const ROLE_PROPAGATION_SECONDS = 15;

const pascal = (key: string): string => key.charAt(0).toUpperCase() + key.slice(1);

/** Logical ids and output keys, by function: what s.yaml's `${resources.<stack>.output.<key>}` names. */
export const logicalIds = {
  uploadRole: 'UploadRole',
  functionRole: (name: string): string => pascal(functionRoleKey(name)),
  triggerRole: (name: string): string => pascal(triggerRoleKey(name)),
  bucket: 'Bucket',
  publicAccessBlock: 'BucketPublicAccessBlock',
  overwriteConfig: 'BucketOverwriteConfig',
  rolePropagation: 'RolePropagation',
};

export const outputKeys = {
  bucketName: 'BucketName',
  /** The part of UPLOAD_PREFIX before `{user}`: the OSS trigger's key filter. */
  uploadFolder: 'UploadFolder',
  /** `acs:oss:<region>:<account>:<bucket>`: the OSS trigger's sourceArn. */
  bucketSourceArn: 'BucketSourceArn',
  uploadRoleArn: 'UploadRoleArn',
  functionRoleArn: (name: string): string => `${logicalIds.functionRole(name)}Arn`,
  triggerRoleArn: (name: string): string => `${logicalIds.triggerRole(name)}Arn`,
};

/** The roles as the stack will name them, with the account left to ROS. */
export function stackRoles(input: Pick<TemplateInput, 'config' | 'functions'>, names: DeploymentNames): DeploymentRoles {
  const role = (name: string): string => `acs:ram::${ACCOUNT}:role/${name}`;
  return {
    uploadRoleArn: role(names.uploadRole),
    functionRoleArns: Object.fromEntries(input.functions.map((fn) => [fn.name, role(names.functionRole(fn.name))])),
    triggerRoleArns: Object.fromEntries(
      input.functions.filter((fn) => fn.trigger === 'oss').map((fn) => [fn.name, role(names.triggerRole(fn.name))]),
    ),
    functionArns: Object.fromEntries(
      input.functions.map((fn) => [fn.name, `acs:fc:${input.config.region}:${ACCOUNT}:functions/${names.functionName(fn.name)}`]),
    ),
  };
}

/** Strings naming `${ALIYUN::…}` go under Fn::Sub; a created role's ARN in a trust policy becomes its GetAtt. */
function toRos(value: unknown, roleIdsByArn: ReadonlyMap<string, string>): RosValue {
  if (typeof value === 'string') {
    const id = roleIdsByArn.get(value);
    if (id !== undefined) return { 'Fn::GetAtt': [id, 'Arn'] };
    return value.includes('${ALIYUN::') ? { 'Fn::Sub': value } : value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((item) => toRos(item, roleIdsByArn));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toRos(item, roleIdsByArn)]));
  }
  throw new Error(`cannot put ${typeof value} into a ROS template`);
}

const NO_REFS: ReadonlyMap<string, string> = new Map();

interface RoleDocuments {
  trustPolicy: object;
  permissionPolicy: object;
  maxSessionDurationSeconds?: number;
}

export function rosTemplate(input: TemplateInput): RosTemplate {
  const { config, options, functions } = input;
  const names = deploymentNames(options.deployName);
  const roles = stackRoles(input, names);
  const policies = deploymentPolicies(config, roles, functions) as Record<string, RoleDocuments>;
  // Trust policies name roles of this stack by GetAtt; permission policies by their spelt-out ARN.
  const trustRefs = new Map<string, string>([
    [roles.uploadRoleArn, logicalIds.uploadRole],
    ...functions.map((fn): [string, string] => [roles.functionRoleArns[fn.name] ?? '', logicalIds.functionRole(fn.name)]),
  ]);
  const role = (roleName: string, description: string, documents: RoleDocuments): RosResource => ({
    Type: 'ALIYUN::RAM::Role',
    Properties: {
      RoleName: roleName,
      Description: description,
      AssumeRolePolicyDocument: toRos(documents.trustPolicy, trustRefs),
      ...(documents.maxSessionDurationSeconds === undefined ? {} : { MaxSessionDuration: documents.maxSessionDurationSeconds }),
      Policies: [{ PolicyName: names.policyOf(roleName), PolicyDocument: toRos(documents.permissionPolicy, NO_REFS) }],
    },
  });

  const resources: Record<string, RosResource> = {};
  const outputs: RosTemplate['Outputs'] = {};
  for (const fn of functions) {
    const id = logicalIds.functionRole(fn.name);
    resources[id] = role(
      names.functionRole(fn.name),
      `${names.functionName(fn.name)}: the function's own role, trusted by Function Compute only`,
      policies[functionRoleKey(fn.name)]!,
    );
    outputs[outputKeys.functionRoleArn(fn.name)] = { Description: `The role of ${fn.name}`, Value: { 'Fn::GetAtt': [id, 'Arn'] } };
  }
  resources[logicalIds.uploadRole] = role(
    names.uploadRole,
    'What STS credentials vended by sts-token may do (each session narrower still), trusted by sts-token only',
    policies['uploadRole']!,
  );
  outputs[outputKeys.uploadRoleArn] = {
    Description: 'The role sts-token assumes',
    Value: { 'Fn::GetAtt': [logicalIds.uploadRole, 'Arn'] },
  };
  for (const fn of functions.filter((candidate) => candidate.trigger === 'oss')) {
    const id = logicalIds.triggerRole(fn.name);
    resources[id] = role(
      names.triggerRole(fn.name),
      `Assumed by OSS to invoke ${names.functionName(fn.name)}, and nothing else`,
      policies[triggerRoleKey(fn.name)]!,
    );
    outputs[outputKeys.triggerRoleArn(fn.name)] = {
      Description: `The role OSS assumes to invoke ${fn.name}`,
      Value: { 'Fn::GetAtt': [id, 'Arn'] },
    };
  }

  Object.assign(resources, bucketResources(config, options, roles.uploadRoleArn));
  const bucketName: RosValue = options.createBucket ? { 'Fn::GetAtt': [logicalIds.bucket, 'Name'] } : config.bucket;
  outputs[outputKeys.bucketName] = { Description: 'The bucket uploads go to', Value: bucketName };
  outputs[outputKeys.uploadFolder] = { Description: "Every user's prefix lies in this folder", Value: config.uploadPrefix.before };
  outputs[outputKeys.bucketSourceArn] = {
    Description: 'The bucket as an OSS trigger names it',
    Value: { 'Fn::Sub': `acs:oss:\${ALIYUN::Region}:${ACCOUNT}:${config.bucket}` },
  };

  // The functions are deployed once the stack is complete: it completes only after this wait.
  const roleIds = Object.entries(resources)
    .filter(([, resource]) => resource.Type === 'ALIYUN::RAM::Role')
    .map(([id]) => id);
  resources[logicalIds.rolePropagation] = {
    Type: 'ALIYUN::ROS::Sleep',
    Properties: { CreateDuration: ROLE_PROPAGATION_SECONDS },
    DependsOn: roleIds,
  };

  return {
    ROSTemplateFormatVersion: '2015-09-01',
    Description: `${names.stack}: the RAM roles and bucket settings of the direct-to-OSS upload functions (generated; see docs/deploy.md)`,
    Resources: resources,
    Outputs: outputs,
  };
}

/**
 * The bucket: created private with its CORS rule, lifecycle rule and public access blocked, and kept when the stack
 * is deleted (it holds the users' files); or, when it exists, only the settings ROS can apply to a bucket it did not
 * create. CORS and the lifecycle rule of an existing bucket are applied after the stack by deploy/bucket-settings.ts.
 */
function bucketResources(config: DeploymentConfig, options: DeployOptions, uploadRoleArn: string): Record<string, RosResource> {
  const overwrite = uploadOverwriteRule(config, uploadRoleArn);
  const bucketRef: RosValue = options.createBucket ? { 'Fn::GetAtt': [logicalIds.bucket, 'Name'] } : config.bucket;
  const resources: Record<string, RosResource> = {};
  if (options.createBucket) {
    const cors = bucketCorsRule(config);
    resources[logicalIds.bucket] = {
      Type: 'ALIYUN::OSS::Bucket',
      Properties: {
        BucketName: config.bucket,
        AccessControl: 'private',
        BlockPublicAccess: true,
        DeletionForce: false,
        // No origins, no rule: OSS refuses a CORS rule without an origin, and no browser uploads then.
        ...(cors.allowedOrigins.length === 0
          ? {}
          : {
              CORSConfiguration: {
                CORSRule: [
                  {
                    AllowedOrigin: cors.allowedOrigins,
                    AllowedMethod: cors.allowedMethods,
                    AllowedHeader: cors.allowedHeaders,
                    ExposeHeader: cors.exposeHeaders,
                    MaxAgeSeconds: cors.maxAgeSeconds,
                  },
                ],
                ResponseVary: true,
              },
            }),
        LifecycleConfiguration: {
          Rule: [
            {
              ID: LIFECYCLE_RULE_ID,
              Prefix: config.uploadPrefix.before,
              Status: 'Enabled',
              AbortMultipartUpload: { Days: ABORT_MULTIPART_AFTER_DAYS },
            },
            { ID: VERDICT_LIFECYCLE_RULE_ID, Prefix: config.verdictPrefix, Status: 'Enabled', Expiration: { Days: VERDICT_RECORD_DAYS } },
          ],
        },
      },
      DeletionPolicy: 'Retain',
    };
  } else {
    resources[logicalIds.publicAccessBlock] = {
      Type: 'ALIYUN::OSS::BucketPublicAccessBlock',
      Properties: { Bucket: config.bucket, BlockPublicAccess: true },
    };
  }
  resources[logicalIds.overwriteConfig] = {
    Type: 'ALIYUN::OSS::BucketOverwriteConfig',
    Properties: {
      Bucket: bucketRef,
      Rule: [
        toRos(
          {
            Id: overwrite.id,
            Action: overwrite.action,
            Prefix: overwrite.prefix,
            ...(overwrite.principals === undefined ? {} : { Principals: { Principal: overwrite.principals } }),
          },
          NO_REFS,
        ),
      ],
    },
  };
  return resources;
}
