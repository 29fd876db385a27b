/**
 * The deployer's own RAM policy: what the AccessKey given to `s config add` needs for `s deploy` and `s remove`, and
 * nothing else. The ros component creates the stack with the caller's own credentials (it names no role for ROS),
 * so the deployer needs the rights for every resource of the template as well as ROS's and FC's own. Scoped to the
 * names DEPLOY_NAME gives, the one bucket and the region; the actions ROS calls for each resource type are not
 * documented, so they are the create, read, update and delete calls of each (docs/deploy.md, "The deployer's key").
 */
import type { PolicyDocument } from '../shared/upload/session-policy';

export interface DeployerScope {
  deployName: string;
  bucket: string;
  region: string;
}

export function deployerPolicy(scope: DeployerScope): PolicyDocument {
  const { deployName, bucket, region } = scope;
  return {
    Version: '1',
    Statement: [
      {
        // The ros component: create, update (also its dry run), read, list and delete the stack.
        Effect: 'Allow',
        Action: ['ros:CreateStack', 'ros:UpdateStack', 'ros:GetStack', 'ros:ListStacks', 'ros:ListStackEvents', 'ros:DeleteStack'],
        Resource: ['*'],
      },
      {
        // The roles and their custom policies, only under DEPLOY_NAME.
        Effect: 'Allow',
        Action: [
          'ram:CreateRole',
          'ram:GetRole',
          'ram:UpdateRole',
          'ram:DeleteRole',
          'ram:CreatePolicy',
          'ram:GetPolicy',
          'ram:CreatePolicyVersion',
          'ram:DeletePolicyVersion',
          'ram:ListPolicyVersions',
          'ram:DeletePolicy',
          'ram:AttachPolicyToRole',
          'ram:DetachPolicyFromRole',
          'ram:ListPoliciesForRole',
        ],
        Resource: [`acs:ram:*:*:role/${deployName}-*`, `acs:ram:*:*:policy/${deployName}-*`],
      },
      {
        // FC hands the functions their roles, and OSS its trigger role: both are passed by the deployer.
        Effect: 'Allow',
        Action: ['ram:PassRole'],
        Resource: [`acs:ram:*:*:role/${deployName}-*`],
      },
      {
        // The bucket and its settings (the stack's, and the CORS and lifecycle rules applied after it).
        Effect: 'Allow',
        Action: [
          'oss:PutBucket',
          'oss:GetBucketInfo',
          'oss:GetBucketAcl',
          'oss:PutBucketAcl',
          'oss:PutBucketCors',
          'oss:GetBucketCors',
          'oss:PutBucketLifecycle',
          'oss:GetBucketLifecycle',
          'oss:PutBucketPublicAccessBlock',
          'oss:GetBucketPublicAccessBlock',
          'oss:DeleteBucketPublicAccessBlock',
          'oss:PutBucketOverwriteConfig',
          'oss:GetBucketOverwriteConfig',
          'oss:DeleteBucketOverwriteConfig',
        ],
        Resource: [`acs:oss:*:*:${bucket}`],
      },
      {
        // The three functions, their triggers and settings, only under DEPLOY_NAME.
        Effect: 'Allow',
        Action: ['fc:*'],
        Resource: [`acs:fc:${region}:*:functions/${deployName}-*`, `acs:fc:${region}:*:functions/${deployName}-*/*`],
      },
      {
        // logConfig: auto: fc3 creates (once) and reads the log project serverless-<region>-<hash> and its logstore.
        Effect: 'Allow',
        Action: [
          'log:CreateProject',
          'log:GetProject',
          'log:CreateLogStore',
          'log:GetLogStore',
          'log:CreateIndex',
          'log:GetIndex',
          'log:UpdateIndex',
        ],
        Resource: [`acs:log:${region}:*:project/serverless-${region}-*`, `acs:log:${region}:*:project/serverless-${region}-*/*`],
      },
    ],
  };
}
